"""Question text to HTML: the text escaped, LaTeX between $…$ / $$…$$ turned into MathML on the server.

Browsers render MathML natively, so the phones download no math library.
"""

import re
from functools import lru_cache

import latex2mathml.converter
import nh3
from django.utils.html import escape

_MATH = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$", re.DOTALL)
# latex2mathml copies \text{…} verbatim, so its output goes through an allow-list of MathML.
MATHML_TAGS = {
    "math", "mrow", "mi", "mo", "mn", "ms", "mtext", "mfrac", "msup", "msub", "msubsup", "msqrt", "mroot",
    "mover", "munder", "munderover", "mtable", "mtr", "mtd", "mspace", "mstyle", "menclose", "mpadded",
    "mphantom", "semantics", "annotation",
}  # fmt: skip
MATHML_ATTRIBUTES = {
    "math": {"xmlns", "display"},
    "mo": {"stretchy", "fence", "separator", "lspace", "rspace", "form", "largeop", "movablelimits"},
    "mstyle": {"displaystyle", "scriptlevel", "mathvariant"},
    "mi": {"mathvariant"},
    "mtable": {"columnalign", "rowspacing", "columnspacing"},
    "mtd": {"columnalign"},
    "mspace": {"width"},
    "menclose": {"notation"},
}


class LatexError(ValueError):
    """The LaTeX could not be converted; the message names the formula."""


def latex_to_mathml(latex: str, *, display: bool = False) -> str:
    try:
        mathml = latex2mathml.converter.convert(latex, display="block" if display else "inline")
    except Exception as error:  # latex2mathml raises many types for bad input
        detail = f" ({error})" if str(error) else ""
        raise LatexError(f"The formula “{latex[:40]}” is not valid LaTeX{detail}.") from error
    return nh3.clean(mathml, tags=MATHML_TAGS, attributes=MATHML_ATTRIBUTES)


@lru_cache(maxsize=2048)
@lru_cache(maxsize=4096)
def text_to_html(text: str) -> str:
    """Safe HTML for a question or choice text. Raises LatexError for a formula that does not convert.

    Cached: every phone that reconnects during a question gets the question's text again."""
    out: list[str] = []
    last = 0
    for match in _MATH.finditer(text):
        out.append(escape(text[last : match.start()]))
        display, inline = match.group(1), match.group(2)
        out.append(latex_to_mathml(display if display is not None else inline, display=display is not None))
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out).replace("\n", "<br>")


def text_problems(text: str) -> list[str]:
    try:
        text_to_html(text)
    except LatexError as error:
        return [str(error)]
    return []
