"""Assignment assets: read-only files students get with an assignment (services and selectors).

An asset is attached by the course's instructor (the assignment form, ``create_assignment --asset``) or
provided by the reference task (texture-transfer's pretrained backbone, written by ``reference_models``
itself: nothing is downloaded). Each is stored once in the media store (``assets/``) with its SHA-256 and
size, listed with its description on the assignment page, downloadable by whoever sees the assignment,
and mounted read-only at ``/assets`` (``$DLIP_ASSETS_DIR``) in the sandbox of every run of that
assignment, and of no other.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction

from accounts.models import User
from accounts.selectors import course_is_instructor
from core.errors import NotFoundError, PermissionDeniedError, PlatformError
from grader import problem_catalog
from grader.models import AssetSource, Assignment, AssignmentAsset
from lifecycle.services.archive import course_assert_writable

_MIB = 1024 * 1024
# A pretrained ResNet-18 of full width is 45 MiB; 200 MiB leaves room for a larger backbone, and the
# whole set is copied into the sandbox's cache once per assignment, not per run.
ASSET_MAX_BYTES = 200 * _MIB
ASSETS_MAX_TOTAL_BYTES = 500 * _MIB
ASSETS_MAX_COUNT = 20
ASSET_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
_CHUNK = 1 << 20


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, None) or default)


def asset_name_check(name: str) -> str:
    """The file name as it will appear in ``/assets``; raises ``PlatformError`` for anything else than
    letters, digits, ``.``, ``_`` and ``-`` (no folders, no hidden files, at most 100 characters)."""
    name = (name or "").strip()
    if not ASSET_NAME.fullmatch(name) or name in (".", ".."):
        raise PlatformError("assets_asset_file_name_may", name=repr(name)[:120])
    return name


def asset_add(
    *,
    assignment: Assignment,
    by: User | None,
    upload: IO[bytes],
    name: str,
    description: str = "",
    source: str = AssetSource.INSTRUCTOR,
) -> AssignmentAsset:
    """Store ``upload`` as a read-only asset of ``assignment`` named ``name``.

    ``by`` must be an instructor of the assignment's course (``None``: a management command or the task
    itself). Refuses (``PlatformError``, nothing stored) a bad name, a name already used, a file over the
    size limit, or one that would take the assignment over its count or total size.
    """
    if by is not None and not course_is_instructor(user=by, course=assignment.course):
        raise PermissionDeniedError("assets_only_instructors_attach")
    course_assert_writable(course=assignment.course)
    name = asset_name_check(name)
    existing = list(AssignmentAsset.objects.filter(assignment=assignment))
    if any(asset.name == name for asset in existing):
        raise PlatformError("assets_assignment_already_has_file", name=name)
    most = _limit("GRADER_ASSETS_MAX_COUNT", ASSETS_MAX_COUNT)
    if len(existing) >= most:
        raise PlatformError("assets_assignment_can_have_at", count=most)
    per_file = _limit("GRADER_ASSET_MAX_BYTES", ASSET_MAX_BYTES)
    total_limit = _limit("GRADER_ASSETS_MAX_TOTAL_BYTES", ASSETS_MAX_TOTAL_BYTES)
    digest = hashlib.sha256()
    size = 0
    with tempfile.TemporaryFile() as handle:
        while chunk := upload.read(_CHUNK):
            size += len(chunk)
            if size > per_file:
                raise PlatformError("assets_name_larger_than_mib", name=name, mib=per_file // _MIB)
            digest.update(chunk)
            handle.write(chunk)
        if size == 0:
            raise PlatformError("assets_name_empty", name=name)
        if size + sum(asset.size for asset in existing) > total_limit:
            raise PlatformError("assets_assignment_files_would_take", mib=total_limit // _MIB)
        handle.seek(0)
        asset = AssignmentAsset(
            assignment=assignment,
            name=name,
            description=description.strip(),
            size=size,
            sha256=digest.hexdigest(),
            source=source,
        )
        asset.file.save(name, File(handle), save=False)
    try:
        with transaction.atomic():
            asset.save()
    except IntegrityError:  # the same name attached at the same moment
        asset.file.delete(save=False)
        raise PlatformError("assets_assignment_already_has_file", name=name) from None
    return asset


def asset_remove(*, asset: AssignmentAsset, by: User | None) -> None:
    """Remove an asset; its stored file goes too unless a copied assignment still refers to it."""
    if by is not None and not course_is_instructor(user=by, course=asset.assignment.course):
        raise PermissionDeniedError("assets_only_instructors_remove")
    course_assert_writable(course=asset.assignment.course)
    stored = asset.file.name
    asset.delete()
    if stored and not AssignmentAsset.objects.filter(file=stored).exists():
        transaction.on_commit(lambda: asset.file.storage.delete(stored))


@contextlib.contextmanager
def problem_assets_exported(*, task_key: str) -> Iterator[list[tuple[str, Path, str]]]:
    """The files the reference task provides (none for most tasks and for data bundles), written into a
    temporary folder for the length of the block: (file name, path, description). Made outside any
    transaction: exporting a backbone takes seconds."""
    with tempfile.TemporaryDirectory(prefix="dlip-task-assets-") as folder:
        yield problem_catalog.catalog_problem_assets(task_key, Path(folder))


def assets_problem_attach(*, assignment: Assignment, provided: list[tuple[str, Path, str]]) -> int:
    """Attach the task's files (from ``problem_assets_exported``) to a saved assignment; return how many."""
    for name, path, description in provided:
        with path.open("rb") as handle:
            asset_add(
                assignment=assignment,
                by=None,
                upload=handle,
                name=name,
                description=description,
                source=AssetSource.TASK,
            )
    return len(provided)


def assets_of_assignment(*, assignment: Assignment) -> list[AssignmentAsset]:
    """The assignment's assets by name (whoever may see the assignment may see and download them)."""
    return list(AssignmentAsset.objects.filter(assignment=assignment).order_by("name"))


def asset_get(*, assignment: Assignment, name: str) -> AssignmentAsset:
    """The asset ``name`` of ``assignment`` (only its own: a name never reaches another's files)."""
    asset = AssignmentAsset.objects.filter(assignment=assignment, name=name).first()
    if asset is None:
        raise NotFoundError("assets_no_such_file")
    return asset


def assets_copy(*, source: Assignment, target: Assignment) -> int:
    """The assets of ``source`` for ``target`` (a copied course): new rows, the same stored files."""
    rows = [
        AssignmentAsset(
            assignment=target,
            name=a.name,
            description=a.description,
            file=a.file.name,
            size=a.size,
            sha256=a.sha256,
            source=a.source,
        )
        for a in AssignmentAsset.objects.filter(assignment=source)
    ]
    AssignmentAsset.objects.bulk_create(rows)
    return len(rows)


class AssetIntegrityError(RuntimeError):
    """A stored asset no longer has the size or SHA-256 it was stored with (the platform's fault)."""


def assets_sandbox_dir(*, assignment: Assignment) -> Path | None:
    """A host folder holding exactly the assignment's assets (world-readable), to be mounted read-only at
    ``/assets``; ``None`` when it has none. Made once per set of files (its name is a hash of their names
    and SHA-256s, so it says nothing in the sandbox's mountinfo) and checked against the SHA-256s while
    it is made. Raises ``AssetIntegrityError`` when a stored file has changed."""
    assets = assets_of_assignment(assignment=assignment)
    if not assets:
        return None
    manifest = "\n".join(f"{a.name}\t{a.sha256}\t{a.size}" for a in assets)
    root = Path(settings.GRADER_WORK_DIR) / "assets"
    folder = root / hashlib.sha256(manifest.encode()).hexdigest()[:32]
    if folder.is_dir():
        return folder
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    partial = Path(tempfile.mkdtemp(prefix=".partial-", dir=root))
    try:
        for asset in assets:
            target = partial / asset.name
            digest = hashlib.sha256()
            with asset.file.open("rb") as src, target.open("wb") as dst:
                while chunk := src.read(_CHUNK):
                    digest.update(chunk)
                    dst.write(chunk)
            if digest.hexdigest() != asset.sha256 or target.stat().st_size != asset.size:
                raise AssetIntegrityError(f"Stored asset {asset.file.name} changed since it was attached.")
            target.chmod(0o444)
        partial.chmod(0o555)
        try:
            os.rename(partial, folder)
        except OSError:  # another worker made it first: theirs has the same files
            if not folder.is_dir():
                raise
    finally:
        if partial.exists():
            partial.chmod(0o755)
            shutil.rmtree(partial, ignore_errors=True)
    return folder
