"""The commit that counts: "we look at the last commit before the deadline" (the course's rule), read
from a team's git repository with plain ``git`` under limits (no Django here).

The URL is the student's: only URL prefixes the site allows are fetched (``PROJECT_GIT_SOURCES``:
the course's own or mirrored git server; a test uses a local bare repository), every transport but the
allowed schemes is off (no ``ext::``, no helpers), nothing is prompted for, no user or system git config is
read, and each git call has a time limit; the archive has a size limit.

Commit dates are the committer's claim (``git commit --date`` forges them): the snapshot records when the
platform fetched, so a fetch after the deadline is shown as such to the graders, and the sweeper fetches
right after each deadline, which leaves only the minutes between the deadline and that fetch to a forger.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

GIT_SECONDS = 60
ARCHIVE_MAX_BYTES = 200 * 1024 * 1024
README_NAMES = frozenset({"readme.md"})


class RepositoryError(Exception):
    """The repository could not be read; ``code`` says why (for the page and the log)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


@dataclass(frozen=True)
class CommitSnapshot:
    sha: str
    committed_at: datetime  # the committer date (the student's claim)
    has_readme: bool
    report_pdfs: tuple[str, ...]  # PDF files in the commit (the report is one of them)
    archive: Path  # a .tar.gz of the commit's tree


def fetch_url_for(url: str, sources: Mapping[str, str]) -> str | None:
    """Where the site fetches a team's ``url`` from, or None when it may not.

    ``sources`` maps a public URL prefix to the prefix the site fetches from (itself, or a mirror such as
    ``file:///srv/git-mirror/``): ``https://git.example.edu/team/p`` with ``{"https://git.example.edu/":
    "file:///srv/mirror/"}`` is fetched from ``file:///srv/mirror/team/p`` (or ``…/p.git``). Anything git
    could read as an option or another transport, and any ``..`` step, is refused.
    """
    if not url or any(c in url for c in "\n\r\0 \\") or "::" in url:
        return None
    parts = urlsplit(url)
    normal = parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()).geturl()
    for public, fetch in sources.items():
        if not public or not normal.startswith(public):
            continue
        rest = normal[len(public) :].split("?")[0].split("#")[0].rstrip("/")
        steps = rest.split("/")
        if not rest or any(step in ("", ".", "..") or step.startswith("-") for step in steps):
            return None
        target = fetch + rest
        if target.startswith("file://"):
            local = Path(urlsplit(target).path)
            if not local.exists() and local.with_name(local.name + ".git").exists():
                target += ".git"
        return target
    return None


def _git(args: list[str], *, cwd: Path, env: dict[str, str], timeout: float) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, env=env, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise RepositoryError("timeout", f"git {args[0]} took over {timeout:.0f} s") from error
    if done.returncode != 0:
        raise RepositoryError("git_failed", done.stderr.decode("utf-8", "replace")[-500:])
    return done.stdout.decode("utf-8", "replace")


def snapshot_before(
    fetch_url: str,
    deadline: datetime,
    *,
    into: Path,
    timeout: float = GIT_SECONDS,
    max_bytes: int = ARCHIVE_MAX_BYTES,
) -> CommitSnapshot:
    """The last commit (first-parent line of the default branch) dated at or before ``deadline``, its
    check (readme.md at the top, PDF files) and its archive written into ``into``. ``fetch_url`` comes
    from ``fetch_url_for``."""
    scheme = urlsplit(fetch_url).scheme.lower()
    if scheme not in {"https", "http", "git", "file"} or fetch_url.startswith("-"):
        raise RepositoryError("not_fetchable", fetch_url)
    into.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="handin-", dir=into) as tmp:
        work = Path(tmp)
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(work),
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_TERMINAL_PROMPT": "0",
            "GIT_ASKPASS": "/bin/false",
            "SSH_ASKPASS": "/bin/false",
            "GIT_SSH_COMMAND": "ssh -o BatchMode=yes -o StrictHostKeyChecking=yes",
            "GIT_ALLOW_PROTOCOL": scheme,
            "LC_ALL": "C",
        }
        repo = work / "repo.git"
        _git(["init", "-q", "--bare", str(repo)], cwd=work, env=env, timeout=timeout)
        _git(
            [
                "-c",
                "protocol.ext.allow=never",
                "fetch",
                "-q",
                "--no-tags",
                "--",
                fetch_url,
                "+HEAD:refs/handin",
            ],
            cwd=repo,
            env=env,
            timeout=timeout,
        )
        stamp = int(deadline.timestamp())
        line = _git(
            ["log", "-1", "--first-parent", f"--before={stamp}", "--format=%H %ct", "refs/handin"],
            cwd=repo,
            env=env,
            timeout=timeout,
        ).strip()
        if not line:
            raise RepositoryError("no_commit_before_deadline", fetch_url)
        sha, seconds = line.split()
        names = _git(["ls-tree", "-r", "-z", "--name-only", sha], cwd=repo, env=env, timeout=timeout)
        paths = [name for name in names.split("\0") if name]
        archive = into / f"{sha}.tar.gz"
        partial = archive.with_suffix(".partial")
        with partial.open("wb") as out:
            try:
                proc = subprocess.Popen(
                    ["git", "archive", "--format=tar.gz", sha], cwd=repo, env=env, stdout=subprocess.PIPE
                )
                assert proc.stdout is not None
                written = 0
                while chunk := proc.stdout.read(1 << 20):
                    written += len(chunk)
                    if written > max_bytes:
                        proc.kill()
                        proc.wait()
                        raise RepositoryError("too_large", f"archive over {max_bytes} bytes")
                    out.write(chunk)
                if proc.wait(timeout=timeout) != 0:
                    raise RepositoryError("git_failed", "git archive failed")
            except BaseException:
                partial.unlink(missing_ok=True)
                raise
        partial.rename(archive)
    return CommitSnapshot(
        sha=sha,
        committed_at=datetime.fromtimestamp(int(seconds), tz=UTC),
        has_readme=any(p.lower() in README_NAMES for p in paths),
        report_pdfs=tuple(p for p in paths if p.lower().endswith(".pdf"))[:20],
        archive=archive,
    )
