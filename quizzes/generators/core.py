"""What every generator shares: the variant, the registry, seeds and the text of answers.

A generator draws a configuration from a seeded ``random.Random`` and returns a ``Draft`` (prompt,
exact value, worked explanation, the PyTorch construction that checks it, and the values real
mistakes give). ``variant_assemble`` turns a draft into the ``Variant`` that students see.
"""

from __future__ import annotations

import copy
import hashlib
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

Notation = Literal["lecture", "pytorch"]
NOTATIONS: tuple[str, ...] = ("lecture", "pytorch")

# How far a question may go: "lecture" keeps to the slide's formula (for convolutions
# out = (in + 2*pad - kernel) / stride + 1, whole, no dilation, groups or "same"); "advanced" also
# draws the forms PyTorch adds. Generators with nothing beyond the lecture ignore it.
Scope = Literal["lecture", "advanced"]
SCOPES: tuple[str, ...] = ("lecture", "advanced")

# How a shape value prints: "depth" is depth@x by y in the lecture's notation (12@28x28),
# "size" a bare spatial size (2x2), "tensor" a full tensor shape, batch included ((4, 7, 40)).
ShapeStyle = Literal["depth", "size", "tensor"]


class UnknownGeneratorError(KeyError):
    """No generator has the requested name."""


@dataclass(frozen=True)
class Distractor:
    """A wrong choice and the mistake that leads to it (shown on the reveal screen)."""

    text: str
    mistake: str


@dataclass(frozen=True)
class Draft:
    """What a generator decides; ``variant_assemble`` adds the texts, choices and order."""

    prompt: str
    answer_kind: Literal["shape", "count"]
    value: tuple[int, ...]
    explanation: str
    torch: dict[str, Any]
    mistakes: Sequence[tuple[tuple[int, ...], str]] = ()
    shape_style: ShapeStyle = "depth"


@dataclass(frozen=True)
class Variant:
    """One student's question: fully determined by (generator, seed, notation)."""

    generator: str
    seed: int
    notation: str
    prompt: str
    answer_kind: str
    answer: str
    value: tuple[int, ...]
    tolerance: float
    choices: tuple[str, ...]
    distractors: tuple[Distractor, ...]
    explanation: str
    torch: Mapping[str, Any]
    shape_style: str = "depth"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy (lists instead of tuples)."""
        return {
            "generator": self.generator,
            "seed": self.seed,
            "notation": self.notation,
            "prompt": self.prompt,
            "answer_kind": self.answer_kind,
            "answer": self.answer,
            "value": list(self.value),
            "tolerance": self.tolerance,
            "choices": list(self.choices),
            "distractors": [{"text": d.text, "mistake": d.mistake} for d in self.distractors],
            "explanation": self.explanation,
            "torch": copy.deepcopy(dict(self.torch)),
        }


Draw = Callable[..., Draft]


@dataclass(frozen=True)
class Generator:
    name: str
    title: str
    draw: Draw = field(repr=False)
    # True: ``draw(rng, notation, scope=...)`` has forms beyond the lecture's slide.
    advanced: bool = False

    def draft(self, rng: random.Random, notation: str, scope: str) -> Draft:
        if self.advanced:
            return self.draw(rng, notation, scope=scope)
        return self.draw(rng, notation)


_REGISTRY: dict[str, Generator] = {}


def generator_register(*, name: str, title: str, advanced: bool = False) -> Callable[[Draw], Draw]:
    """Decorator: register ``draw(rng, notation) -> Draft`` under a stable name.

    With ``advanced=True`` the draw also takes ``scope`` ("lecture" or "advanced") as a keyword.
    """

    def register(draw: Draw) -> Draw:
        if name in _REGISTRY:
            raise ValueError(f"generator {name!r} is registered twice")
        _REGISTRY[name] = Generator(name=name, title=title, draw=draw, advanced=advanced)
        return draw

    return register


def generator_advanced_names() -> list[str]:
    """The generators whose advanced scope draws more than the lecture's forms, sorted."""
    return sorted(name for name, gen in _REGISTRY.items() if gen.advanced)


def generator_names() -> list[str]:
    """The names of all generators, sorted."""
    return sorted(_REGISTRY)


def generator_get(name: str) -> Generator:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise UnknownGeneratorError(
            f"no generator named {name!r}; known: {', '.join(generator_names())}"
        ) from None


def _digest_int(*parts: str) -> int:
    # sha256, not hash(): Python salts str hashes per process, and the seed must survive reloads.
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def seed_for_player(*, game_key: str, question_key: str, neptun_code: str) -> int:
    """A stable non-negative seed for one player's variant of one question of a game or quiz."""
    return _digest_int("player-seed", game_key, question_key, neptun_code.strip().upper())


def value_format(*, value: Sequence[int], answer_kind: str, shape_style: str, notation: str) -> str:
    """The canonical text of a value, as the answer and the choices show it."""
    if answer_kind == "count":
        return str(value[0])
    if shape_style == "tensor" or notation == "pytorch":
        return "(" + ", ".join(str(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if shape_style == "size":
        return "x".join(str(v) for v in value)
    if len(value) == 1:
        return str(value[0])
    return f"{value[0]}@" + "x".join(str(v) for v in value[1:])


def _fallback_values(value: tuple[int, ...], answer_kind: str) -> list[tuple[int, ...]]:
    # Only reached when a configuration leaves fewer than three distinct real mistakes.
    if answer_kind == "count":
        n = value[0]
        counts: list[tuple[int, ...]] = [(n + d,) for d in (1, -1, 2, -2, 10, n)]
        return counts + [(n * 2,), (n // 2,)]
    out: list[tuple[int, ...]] = []
    for delta in (1, -1, 2, -2, 3):
        out.append(value[:-1] + (value[-1] + delta,))
        out.append(tuple(v + delta for v in value))
    return out


def variant_assemble(*, generator: str, seed: int, notation: str, draft: Draft) -> Variant:
    """Add canonical texts, three distinct distractors and a seeded choice order to a draft."""
    answer = value_format(
        value=draft.value, answer_kind=draft.answer_kind, shape_style=draft.shape_style, notation=notation
    )
    taken = {draft.value}
    distractors: list[Distractor] = []
    candidates = list(draft.mistakes) + [
        (v, "an arithmetic slip") for v in _fallback_values(draft.value, draft.answer_kind)
    ]
    for wrong, mistake in candidates:
        if len(distractors) == 3:
            break
        wrong = tuple(int(v) for v in wrong)
        # A shape with an extra leading 1 would be accepted as the answer (a batch of one).
        if wrong in taken or not wrong or min(wrong) < 1 or wrong == (1,) + draft.value:
            continue
        taken.add(wrong)
        text = value_format(
            value=wrong, answer_kind=draft.answer_kind, shape_style=draft.shape_style, notation=notation
        )
        distractors.append(Distractor(text=text, mistake=mistake))
    choices = [answer] + [d.text for d in distractors]
    random.Random(_digest_int("choices", generator, str(seed))).shuffle(choices)
    return Variant(
        generator=generator,
        seed=seed,
        notation=notation,
        prompt=draft.prompt,
        answer_kind=draft.answer_kind,
        answer=answer,
        value=draft.value,
        tolerance=0.0,
        choices=tuple(choices),
        distractors=tuple(distractors),
        explanation=draft.explanation,
        torch=draft.torch,
        shape_style=draft.shape_style,
    )


def variant_generate(
    *, generator: str, seed: int, notation: str = "lecture", scope: str = "advanced"
) -> Variant:
    """The variant of ``generator`` for ``seed``; the same arguments always give the same variant.

    ``scope`` defaults to "advanced", what every question drew before scopes existed, so stored
    games and quizzes keep their variants. Raises ``UnknownGeneratorError`` for an unknown name and
    ``ValueError`` for an unknown notation or scope.
    """
    if notation not in NOTATIONS:
        raise ValueError(f"notation must be one of {', '.join(NOTATIONS)}, not {notation!r}")
    if scope not in SCOPES:
        raise ValueError(f"scope must be one of {', '.join(SCOPES)}, not {scope!r}")
    gen = generator_get(generator)
    # The configuration depends on (generator, seed, scope) only, so both notations show the same question.
    rng = random.Random(_digest_int("variant", generator, str(int(seed))))
    draft = gen.draft(rng, notation, scope)
    return variant_assemble(generator=generator, seed=int(seed), notation=notation, draft=draft)
