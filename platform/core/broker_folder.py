"""The embedded mode's broker: kombu's filesystem transport (a queue is a folder of message files), made safe
for a worker that polls while the web writes.

kombu 5's ``_put`` creates the message file under its final name and only then writes it, and ``_get`` takes
whatever file it lists: a worker polling in between read an empty file, deleted it and died with
"Unrecoverable error: JSONDecodeError" (seen in a deadline burst while the web process was paused for a
moment; the grading job was gone with it, and no grading ran until the worker was restarted). Here:

- a message is written under a hidden name, flushed to disk and renamed into the queue: a worker sees it
  whole or not at all, and a crash mid-write leaves no half message in the queue;
- a worker claims a message by renaming it into ``claimed/`` of the processed folder (atomic on one file
  system: one worker wins, the others move on);
- a message file that cannot be read as a message (written by hand, by an older writer, a damaged disk) is
  set aside in ``unreadable/`` of the processed folder and logged; the worker goes on with the next.

The queue folder itself holds message files only.
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from pathlib import Path
from queue import Empty
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import bytes_to_str, str_to_bytes
from kombu.utils.json import dumps, loads

logger = logging.getLogger(__name__)


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]  # kombu's stubs disagree
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        folder = Path(self.data_folder_out)
        # Hidden while written: "partition('.')" of ".<name>.part" never reads "<queue>.msg".
        writing = folder / f".{name}.part"
        try:
            with writing.open("wb") as out:
                out.write(str_to_bytes(dumps(payload)))
                out.flush()
                os.fsync(out.fileno())
            os.replace(writing, folder / name)
        except OSError as error:
            with contextlib.suppress(OSError):
                writing.unlink()
            raise ChannelError(f"Cannot add a message to {folder}") from error

    def _processed(self, name: str) -> Path:
        folder = Path(self.processed_folder) / name
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def _get(self, queue: str, timeout: Any = None) -> Any:
        wanted = f"{queue}.msg"
        inbox = Path(self.data_folder_in)
        claims = self._processed("claimed")
        for filename in sorted(os.listdir(inbox)):
            if filename.partition(".")[2] != wanted:
                continue
            claimed = claims / filename
            try:
                os.rename(inbox / filename, claimed)
            except FileNotFoundError:
                continue  # another worker claimed it first
            except OSError as error:
                raise ChannelError(f"Cannot claim {filename} from the queue") from error
            try:
                payload = claimed.read_bytes()
            except OSError as error:
                raise ChannelError(f"Cannot read {claimed}") from error
            try:
                message = loads(bytes_to_str(payload))
            except ValueError:
                os.replace(claimed, self._processed("unreadable") / filename)
                logger.error("broker: %s is not a message (%d bytes); set aside", filename, len(payload))
                continue
            if self.store_processed:
                os.replace(claimed, Path(self.processed_folder) / filename)
            else:
                claimed.unlink()
            return message
        raise Empty()


class Transport(filesystem.Transport):
    Channel = Channel
