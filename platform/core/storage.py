"""File storage whose files appear whole or not at all."""

from __future__ import annotations

import contextlib
import os
import tempfile
from typing import Any

from django.core.files.storage import FileSystemStorage


class AtomicFileSystemStorage(FileSystemStorage):
    """Django's file system storage, but a file is never seen half-written.

    Django's own ``_save`` writes straight into the final name, so a full disk left empty or truncated
    files behind. Here the content goes to a hidden temporary name in the same folder, is flushed to disk
    (fsync), and is then hard-linked to the final name (a link never replaces an existing file; a taken
    name gets another one). The temporary name is removed on success and on any error, so what an error
    leaves is nothing.
    """

    def _save(self, name: str, content: Any) -> str:
        full_path = self.path(name)
        directory = os.path.dirname(full_path)
        os.makedirs(directory, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".partial-", dir=directory)
        try:
            with os.fdopen(handle, "wb") as out:
                if hasattr(content, "seek"):
                    content.seek(0)
                for chunk in content.chunks():
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            if self.file_permissions_mode is not None:
                os.chmod(temporary, self.file_permissions_mode)
            while True:
                try:
                    os.link(temporary, full_path)
                    break
                except FileExistsError:
                    name = self.get_available_name(name)
                    full_path = self.path(name)
            folder = os.open(directory, os.O_RDONLY)
            try:
                os.fsync(folder)  # the new name survives a crash too
            finally:
                os.close(folder)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
        return str(name).replace("\\", "/")
