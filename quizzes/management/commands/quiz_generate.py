"""Print variants of a parametric question, to preview them or to verify them in PyTorch."""

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from quizzes.generators import (
    NOTATIONS,
    SCOPES,
    UnknownGeneratorError,
    generator_get,
    generator_names,
    variant_generate,
)


class Command(BaseCommand):
    help = "Print variants of a parametric question generator (or --list the generators)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("generator", nargs="?", help="generator name (see --list)")
        parser.add_argument("--list", action="store_true", help="name the generators and stop")
        parser.add_argument("--count", type=int, default=1, help="how many variants (default 1)")
        parser.add_argument(
            "--seed", type=int, default=0, help="seed of the first variant; the rest follow it"
        )
        parser.add_argument("--format", choices=("json", "text"), default="text")
        parser.add_argument("--notation", choices=NOTATIONS, default="lecture")
        parser.add_argument(
            "--scope", choices=SCOPES, default="advanced", help="lecture: only the slide's formula"
        )
        parser.add_argument("--verify", action="store_true", help="also rebuild each variant in PyTorch")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["list"]:
            for name in generator_names():
                self.stdout.write(f"{name}\t{generator_get(name).title}")
            return
        name = options["generator"]
        if not name:
            raise CommandError("name a generator, or use --list")
        if options["count"] < 1:
            raise CommandError("--count must be at least 1")
        try:
            generator_get(name)
        except UnknownGeneratorError as error:
            raise CommandError(error.args[0]) from error
        variants = [
            variant_generate(
                generator=name, seed=options["seed"] + i, notation=options["notation"], scope=options["scope"]
            )
            for i in range(options["count"])
        ]
        verdicts: list[bool] = []
        if options["verify"]:
            from quizzes.verification import variant_verify  # imports torch: only when asked

            verdicts = [variant_verify(variant=v).ok for v in variants]
        if options["format"] == "json":
            rows = [v.to_dict() for v in variants]
            for row, ok in zip(rows, verdicts, strict=False):
                row["verified"] = ok
            self.stdout.write(json.dumps(rows, indent=2, ensure_ascii=False))
        else:
            for i, variant in enumerate(variants):
                lines = [
                    f"# {variant.generator} seed {variant.seed}",
                    variant.prompt,
                    *(f"  {'*' if c == variant.answer else '-'} {c}" for c in variant.choices),
                    f"answer: {variant.answer}",
                    f"explanation: {variant.explanation}",
                    *(f"  {d.text}: {d.mistake}" for d in variant.distractors),
                    f"torch: {json.dumps(dict(variant.torch))}",
                ]
                if verdicts:
                    lines.append("verified in PyTorch" if verdicts[i] else "PYTORCH DISAGREES")
                self.stdout.write("\n".join(lines) + "\n")
        if verdicts and not all(verdicts):
            raise CommandError(f"{verdicts.count(False)} of {len(verdicts)} variants disagree with PyTorch")
