"""Render an executed notebook to HTML in the sandbox: ``render.py EXECUTED.ipynb PAGE.html``.

The notebook is the student's (outputs included), so rendering it is work a student controls: a Markdown
cell of thousands of ``![](`` renders in quadratic time (a 391 KB notebook kept a worker busy for minutes).
It runs here, under the sandbox's time and memory limits, and the grader shows "preview unavailable"
when it does not finish. Exit status: 0 when the page was written, 2 when the notebook cannot be read.
"""

from __future__ import annotations

import sys

sys.path.pop(0)  # the runners folder: never shadow an installed package


def main(argv: list[str]) -> int:
    import nbformat
    from nbconvert import HTMLExporter

    if len(argv) != 3:
        print("usage: render.py EXECUTED.ipynb PAGE.html", file=sys.stderr)
        return 2
    try:
        notebook = nbformat.read(argv[1], as_version=4)
    except Exception as error:  # any unreadable file: no preview
        print(f"The notebook {argv[1]} could not be read: {error}", file=sys.stderr)
        return 2
    body, _ = HTMLExporter(template_name="classic").from_notebook_node(notebook)
    with open(argv[2], "w", encoding="utf-8") as page:
        page.write(body)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
