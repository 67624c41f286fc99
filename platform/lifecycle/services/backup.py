"""Backup and restore of the whole site: the database and the media files, in one archive with a manifest.

A backup is consistent while the site runs: the database is copied first (SQLite: the sqlite3 backup
API, one read transaction; PostgreSQL: pg_dump, one snapshot), then the media files. Every service
writes a file before the row that points at it commits, so each row in the copied database finds its
file; files that arrive later are carried along unreferenced and harm nothing. The reference cache
(trained reference solutions, installed data bundles) is not backed up: it is rebuilt.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.db.migrations.recorder import MigrationRecorder

from core.errors import PlatformError
from lifecycle.registry import term_providers

BACKUP_FORMAT = 1
MANIFEST = "manifest.json"
SQLITE_NAME = "database/db.sqlite3"
PGDUMP_NAME = "database/db.pgdump"
MEDIA_PREFIX = "media/"
CHUNK = 1 << 20


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    engine: str
    files: int
    bytes: int
    manifest: dict[str, Any]


def _engine() -> str:
    vendor = connections["default"].vendor
    if vendor not in ("sqlite", "postgresql"):
        raise PlatformError("backup_engine_unsupported", engine=vendor)
    return vendor


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_env(db: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for pg_dump/pg_restore; the password goes by environment, never argv."""
    args = ["--dbname", str(db["NAME"])]
    if db.get("HOST"):
        args += ["--host", str(db["HOST"])]
    if db.get("PORT"):
        args += ["--port", str(db["PORT"])]
    if db.get("USER"):
        args += ["--username", str(db["USER"])]
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return args, env


def _database_dump(*, engine: str, folder: Path) -> Path:
    db = connections["default"].settings_dict
    if engine == "sqlite":
        target = folder / SQLITE_NAME
        target.parent.mkdir(parents=True, exist_ok=True)
        source = sqlite3.connect(str(db["NAME"]), timeout=60)
        copy = sqlite3.connect(str(target))
        try:
            # pages=-1 (the default): the whole database in one step under one read transaction, so
            # the copy is one moment of the database even while the site writes (WAL mode).
            source.backup(copy)
        finally:
            copy.close()
            source.close()
        return target
    target = folder / PGDUMP_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    args, env = _pg_env(db)
    result = subprocess.run(
        ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if result.returncode != 0:
        raise PlatformError("pg_dump_failed", detail=result.stderr.strip()[-2000:])
    return target


def _media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return []
    return sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())


def _migrations() -> dict[str, str]:
    latest: dict[str, str] = {}
    for app, name in MigrationRecorder.Migration.objects.order_by("app", "name").values_list("app", "name"):
        latest[app] = name
    return latest


def site_backup(*, out_path: Path) -> BackupSummary:
    """Write a backup of the whole site to ``out_path`` (a .tar.gz; written under a temporary name and
    renamed at the end, so a half-written backup never looks like a finished one)."""
    engine = _engine()
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    started = datetime.now(UTC)
    migrations = _migrations()
    with tempfile.TemporaryDirectory(dir=out_path.parent, prefix=".backup-") as tmp:
        folder = Path(tmp)
        database = _database_dump(engine=engine, folder=folder)
        partial = out_path.with_name(out_path.name + ".partial")
        entries: list[dict[str, Any]] = []
        total = 0
        # Level 1: submissions and notebooks compress well even so, and the backup stays I/O-bound.
        with tarfile.open(partial, "w:gz", compresslevel=1) as archive:
            name = SQLITE_NAME if engine == "sqlite" else PGDUMP_NAME
            entries.append({"path": name, "sha256": _sha256(database), "size": database.stat().st_size})
            archive.add(database, arcname=name)
            root = Path(settings.MEDIA_ROOT)
            for path in _media_files():
                arcname = MEDIA_PREFIX + path.relative_to(root).as_posix()
                # The size is taken once and exactly that many bytes are stored and hashed, so the
                # checksum is of what is in the archive even if a file changes meanwhile.
                with path.open("rb") as handle:
                    info = tarfile.TarInfo(arcname)
                    info.size = os.fstat(handle.fileno()).st_size
                    info.mtime = int(path.stat().st_mtime)
                    info.mode = 0o644
                    reader = _HashingReader(handle)
                    archive.addfile(info, reader)
                entries.append({"path": arcname, "sha256": reader.digest.hexdigest(), "size": info.size})
                total += info.size
            manifest = {
                "format": BACKUP_FORMAT,
                "engine": engine,
                "started_at": started.isoformat(),
                "finished_at": datetime.now(UTC).isoformat(),
                "migrations": migrations,
                "files": entries,
            }
            data = json.dumps(manifest, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mode = 0o644
            archive.addfile(info, _BytesReader(data))
        os.replace(partial, out_path)
    return BackupSummary(path=out_path, engine=engine, files=len(entries) - 1, bytes=total, manifest=manifest)


class _HashingReader:
    def __init__(self, handle: Any) -> None:
        self._handle = handle
        self.digest = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        chunk = self._handle.read(size)
        self.digest.update(chunk)
        return chunk


class _BytesReader:
    def __init__(self, data: bytes) -> None:
        self._data = memoryview(data)
        self._at = 0

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size < 0 else self._at + size
        chunk = bytes(self._data[self._at : end])
        self._at += len(chunk)
        return chunk


def site_is_empty() -> bool:
    """No account in the database and no file under MEDIA_ROOT (a database without tables is empty)."""
    from accounts.models import User

    try:
        has_users = User.objects.exists()
    except DatabaseError:
        has_users = False
    return not has_users and not _media_files()


def _extract(*, archive_path: Path, folder: Path) -> dict[str, Any]:
    """Unpack and check the archive: the manifest lists every member with its checksum, and nothing else
    may be in it (no links, no paths outside the folder)."""
    try:
        with tarfile.open(archive_path, "r:gz") as archive:
            archive.extractall(folder, filter="data")
    except (tarfile.TarError, OSError, EOFError) as error:
        raise PlatformError("backup_unreadable", path=str(archive_path), detail=str(error)) from None
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise PlatformError("backup_manifest_unreadable", manifest=MANIFEST, detail=str(error)) from None
    if manifest.get("format") != BACKUP_FORMAT:
        found = repr(manifest.get("format"))
        raise PlatformError("backup_format_unknown", found=found, expected=BACKUP_FORMAT)
    listed = {entry["path"] for entry in manifest["files"]}
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {MANIFEST}
    if listed != present:
        missing, unlisted = str(sorted(listed - present)[:5]), str(sorted(present - listed)[:5])
        raise PlatformError("backup_files_differ", missing=missing, unlisted=unlisted)
    for entry in manifest["files"]:
        if _sha256(folder / entry["path"]) != entry["sha256"]:
            raise PlatformError("backup_checksum_mismatch", path=entry["path"])
    return manifest


def site_restore(*, archive_path: Path, force: bool = False) -> dict[str, Any]:
    """Restore a backup into this site (its DATABASE_URL or DATA_DIR, and MEDIA_ROOT); return the manifest.

    Refuses a site that holds data unless ``force`` (then the database and the media files are replaced).
    Run ``migrate`` afterwards when the code is newer than the backup (the restore command does).
    """
    engine = _engine()
    if not force and not site_is_empty():
        raise PlatformError("site_not_empty_accounts")
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=Path(settings.DATA_DIR)) as tmp:
        folder = Path(tmp)
        manifest = _extract(archive_path=Path(archive_path), folder=folder)
        if manifest["engine"] != engine:
            raise PlatformError("backup_engine_mismatch", backup=manifest["engine"], site=engine)
        db = connections["default"].settings_dict
        connections.close_all()
        if engine == "sqlite":
            target = Path(str(db["NAME"]))
            for suffix in ("-wal", "-shm"):
                Path(str(target) + suffix).unlink(missing_ok=True)
            staged = target.with_name(target.name + ".restoring")
            shutil.copyfile(folder / SQLITE_NAME, staged)
            os.replace(staged, target)
        else:
            args, env = _pg_env(db)
            result = subprocess.run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                ]
                + args
                + [str(folder / PGDUMP_NAME)],
                env=env,
                capture_output=True,
                text=True,
                timeout=3600,
            )
            if result.returncode != 0:
                raise PlatformError("pg_restore_failed", detail=result.stderr.strip()[-2000:])
        media = Path(settings.MEDIA_ROOT)
        if force and media.exists():
            shutil.rmtree(media)
        source = folder / MEDIA_PREFIX.rstrip("/")
        if source.exists() and media.exists() and not any(media.iterdir()):
            media.rmdir()
        if source.exists() and not media.exists():
            try:  # one rename when the unpacked files are on the same disk (they are unpacked in DATA_DIR)
                os.rename(source, media)
            except OSError:
                shutil.copytree(source, media)
        elif source.exists():
            shutil.copytree(source, media, dirs_exist_ok=True)
        media.mkdir(parents=True, exist_ok=True)
    for provider in term_providers():
        if provider.after_restore is not None:
            provider.after_restore()
    return manifest
