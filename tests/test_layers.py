"""The layers contract covers every package of the project, and a closing term's final export comes through
lifecycle's registry (lifecycle sits below the gradebook and never imports it).

`lint-imports` itself runs in the test command (dev.py test), before pytest.
"""

import configparser
import dataclasses
from pathlib import Path

import pytest

from lifecycle.registry import TermProvider, term_final_export, term_provider_register, term_providers

ROOT = Path(__file__).resolve().parents[1]


def project_packages() -> set[str]:
    """Every Python package of the project: the folders with an __init__.py under the root and platform/."""
    found = set()
    for parent in (ROOT, ROOT / "platform"):
        for init in parent.glob("*/__init__.py"):
            if init.parent.name not in {"tests", "benchmarks"}:
                found.add(init.parent.name)
    return found


def test_every_package_is_placed_in_the_layers_contract():
    config = configparser.ConfigParser()
    config.read(ROOT / ".importlinter")
    roots = set(config["importlinter"]["root_packages"].split())
    assert roots == project_packages(), "a new package must be placed in .importlinter's layers"
    layers = config["importlinter:contract:layers"]["layers"]
    placed = {name.strip() for line in layers.split() for name in line.replace(":", "|").split("|") if name}
    assert placed == roots, f"not in a layer: {sorted(roots - placed)}"


def test_a_closing_term_needs_exactly_one_final_export_provider(monkeypatch):
    gradebook = next(p for p in term_providers() if p.name == "gradebook")
    assert gradebook.final_export is not None
    registry = dict(term_providers_by_name())
    monkeypatch.setattr("lifecycle.registry._PROVIDERS", registry)
    term_provider_register(dataclasses.replace(gradebook, name="second", final_export=lambda **_: "x"))
    with pytest.raises(RuntimeError, match="not 2"):
        term_final_export(course=None, now=None)
    registry.pop("second")
    registry["gradebook"] = dataclasses.replace(gradebook, final_export=None)
    with pytest.raises(RuntimeError, match="not 0"):
        term_final_export(course=None, now=None)


def term_providers_by_name() -> dict[str, TermProvider]:
    return {p.name: p for p in term_providers()}
