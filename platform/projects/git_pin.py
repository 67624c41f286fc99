"""The commit that counts for a project hand-in: the last commit before the deadline (the slides' rule).

Plain Python around the ``git`` command line, no Django. The platform fetches only from the git servers an
operator lists (``PROJECTS_GIT_REMOTES``: URL prefixes, e.g. a local mirror of the course's GitHub
organisation); anything else is not fetched, so a student's URL never makes the server read its own disk
or an internal host. Every git call has a time limit and no prompt; the fetched objects go to a scratch
folder that the caller removes.

The rule: on the default branch (the remote's HEAD), following first parents, the newest commit whose
committer date is at or before the deadline. A push after the deadline adds commits after it, which are
ignored, so it never changes the pinned commit or makes the hand-in late.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

GIT_TIMEOUT_S = 60
GIT_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true", "LC_ALL": "C"}


@dataclass(frozen=True)
class Pin:
    sha: str = ""
    committed_at: datetime | None = None
    has_readme: bool = False
    has_pdf: bool = False
    problem: str = ""  # why nothing was pinned (English, for the staff's log)


def remote_allowed(url: str, allowed_prefixes: Sequence[str]) -> bool:
    url = url.strip()
    return bool(url) and any(prefix and url.startswith(prefix) for prefix in allowed_prefixes)


def _git(args: list[str], *, cwd: Path) -> str:
    env = {**os.environ, **GIT_ENV}
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=GIT_TIMEOUT_S, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(done.stderr.strip()[-500:] or f"git {args[0]} failed")
    return done.stdout


def commit_pin(*, url: str, deadline: datetime, scratch: Path, allowed_prefixes: Sequence[str]) -> Pin:
    """Fetch ``url``'s default branch into ``scratch`` (an empty folder) and pin its last commit before
    ``deadline``; check that it has ``readme.md`` (any case) at the top and a PDF somewhere."""
    if not remote_allowed(url, allowed_prefixes):
        return Pin(problem="not fetched: the repository is not on a git server the platform reads")
    try:
        _git(["init", "--quiet", "--bare", str(scratch)], cwd=scratch.parent)
        _git(
            ["-c", "protocol.file.allow=always", "fetch", "--quiet", "--no-tags", url.strip(), "HEAD"],
            cwd=scratch,
        )
        stamp = int(deadline.timestamp())
        sha = _git(
            ["rev-list", "-1", "--first-parent", f"--before={stamp}", "FETCH_HEAD"], cwd=scratch
        ).strip()
        if not sha:
            return Pin(problem="no commit before the deadline")
        seconds = int(_git(["show", "-s", "--format=%ct", sha], cwd=scratch).strip())
        names = _git(["ls-tree", "-r", "--name-only", sha], cwd=scratch).splitlines()
    except (RuntimeError, subprocess.TimeoutExpired, ValueError) as error:
        return Pin(problem=f"fetch failed: {error}"[:500])
    return Pin(
        sha=sha,
        committed_at=datetime.fromtimestamp(seconds, tz=UTC),
        has_readme=any(name.lower() == "readme.md" for name in names),
        has_pdf=any(name.lower().endswith(".pdf") for name in names),
    )
