"""Parametric deep-learning questions whose answers are checked against PyTorch.

Public interface (plain Python: no Django, no live game):

- ``generator_names() -> list[str]``: the stable names of all generators.
- ``generator_get(name) -> Generator``: ``name``, ``title`` and ``draw``; raises ``UnknownGeneratorError``.
- ``variant_generate(*, generator: str, seed: int, notation: str = "lecture") -> Variant``: one
  question, fully determined by (generator, seed); ``notation`` is ``"lecture"``
  (``3@32x32, f:5x5@12, s:1x1, z:0x0``) or ``"pytorch"`` (``nn.Conv2d(3, 12, ...)``) and changes the
  texts only, never the numbers. ``scope`` is ``"lecture"`` (only the slide's formula,
  out = (in + 2*pad - kernel) / stride + 1 dividing evenly, no dilation, groups, "same" padding or
  ceil mode) or ``"advanced"`` (the default: what questions drew before scopes existed). Only the
  generators in ``generator_advanced_names()`` (the conv, pooling, transposed-conv,
  receptive-field and network ones) differ between the two; the others have nothing beyond the lecture.
- ``seed_for_player(*, game_key: str, question_key: str, neptun_code: str) -> int``: a per-student
  seed (sha256 of the three keys), so a reload shows the same variant.
- ``answer_check(*, variant: Variant, text: str) -> bool``: whether a typed answer is right; raises
  ``AnswerFormatError`` (its message is for the student) when the text is in no accepted form, and
  nothing else.
- ``Variant`` (frozen): ``generator``, ``seed``, ``notation``, ``prompt``, ``answer_kind`` ("shape" or
  "count"), ``answer`` (canonical text), ``value`` (tuple of ints), ``tolerance`` (0: all answers are
  whole numbers), ``choices`` (answer and three distractors in a seeded order), ``distractors``
  (text and the mistake behind it, for the reveal screen), ``explanation`` (the formula with the
  numbers), ``torch`` (``module`` expression, ``input_shape``, ``compare``, ``expected``: rebuild it
  with ``quizzes.verification.variant_verify``), and ``to_dict()`` (JSON-serialisable).

Shapes are written in PyTorch's order: the lecture's ``12@28x28`` is ``(12, 28, 28)``, x is the
height and y the width. Seeds are drawn with ``random.Random``, whose sequence Python keeps stable.
"""

from quizzes.answers import AnswerFormatError, answer_check
from quizzes.generators import convolution, networks, recurrent  # noqa: F401  (they register generators)
from quizzes.generators.core import (
    NOTATIONS,
    SCOPES,
    Distractor,
    Draft,
    Generator,
    UnknownGeneratorError,
    Variant,
    generator_advanced_names,
    generator_get,
    generator_names,
    seed_for_player,
    variant_assemble,
    variant_generate,
)

__all__ = [
    "NOTATIONS",
    "SCOPES",
    "AnswerFormatError",
    "Distractor",
    "Draft",
    "Generator",
    "UnknownGeneratorError",
    "Variant",
    "answer_check",
    "generator_advanced_names",
    "generator_get",
    "generator_names",
    "seed_for_player",
    "variant_assemble",
    "variant_generate",
]
