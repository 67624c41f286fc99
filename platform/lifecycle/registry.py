"""What each app does for a term's life, registered from its AppConfig.ready() (like the demo seeders).

The host (lifecycle.services) iterates the providers and never imports the owners' models: an app
copies what it owns into a new term, lists what it holds about a person, and erases it after the
retention period.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accounts.models import Course

# Copy what the app owns from ``source`` into ``target`` (dates moved by ``offset``); return one line
# per thing made, for the dry run's list and the command's output. Runs inside the host's transaction
# and must not write files or schedule work (a dry run is the same call, rolled back).
CopyProvider = Callable[..., list[str]]
# Everything the app holds about ``user``: (path in the archive, bytes or a file on disk).
ExportProvider = Callable[..., list[tuple[str, "bytes | Path"]]]


@dataclass
class Erasure:
    """What an app's erase step did (or, in a dry run, would do): lines to show and files to remove
    after the transaction commits."""

    lines: list[str] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)


# Erase or pseudonymise the personal data of ``course`` (rows stay, so aggregates stay); ``pseudonyms``
# maps each student's Neptun code to what replaces it (a kept student's maps to itself). Runs inside the
# host's transaction; removes no file itself (the host does, after commit, unless it is a dry run).
EraseProvider = Callable[..., Erasure]
# The record frozen when the term closes: ``(course=, now=)`` -> the text kept with its checksum. The
# gradebook gives its CSV export; lifecycle sits below the gradebook and never imports it.
FinalExportProvider = Callable[..., str]


@dataclass(frozen=True)
class TermProvider:
    name: str
    copy: CopyProvider | None = None
    personal_export: ExportProvider | None = None
    erase: EraseProvider | None = None
    # After a restore: rebuild what the backup leaves out (caches the app can make again).
    after_restore: Callable[[], None] | None = None
    final_export: FinalExportProvider | None = None
    order: int = 100  # copy order: quizzes and assignments before the gradebook's settings


_PROVIDERS: dict[str, TermProvider] = {}


def term_provider_register(provider: TermProvider) -> None:
    """Register (or replace: ready() may run twice in tests) an app's provider."""
    _PROVIDERS[provider.name] = provider


def term_providers() -> list[TermProvider]:
    return sorted(_PROVIDERS.values(), key=lambda p: (p.order, p.name))


def term_final_export(*, course: Course, now: datetime) -> str:
    """The frozen record of a closing term, from the one provider that gives it (the gradebook's CSV)."""
    exporters = [p.final_export for p in term_providers() if p.final_export is not None]
    if len(exporters) != 1:
        raise RuntimeError(f"one app must provide the term's final export, not {len(exporters)}")
    return exporters[0](course=course, now=now)


def shifted(value, offset: timedelta):  # noqa: ANN001, ANN201  (a datetime or None)
    """A date moved into the new term; None stays None."""
    return None if value is None else value + offset
