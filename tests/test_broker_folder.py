"""The embedded broker (core/broker_folder.py): a worker polling the queue folder sees a message whole or
not at all, one worker gets each message, and a file that is not a message is set aside, not fatal."""

import json
import os
import threading
import uuid
from pathlib import Path

import pytest
from kombu import Connection

from core.broker_folder import Transport


@pytest.fixture
def folders(tmp_path: Path) -> dict[str, str]:
    for name in ("queue", "processed", "control"):
        (tmp_path / name).mkdir()
    return {
        "data_folder_in": str(tmp_path / "queue"),
        "data_folder_out": str(tmp_path / "queue"),
        "processed_folder": str(tmp_path / "processed"),
        "control_folder": str(tmp_path / "control"),
        "store_processed": False,
    }


def _connection(folders: dict[str, str]) -> Connection:
    return Connection("filesystem://localhost//", transport=Transport, transport_options=folders)


def test_a_message_goes_through_and_leaves_nothing_behind(folders):
    # A name of its own: kombu keeps declared bindings per transport class, and the suite's Celery app
    # (this transport too) declared "grading-cpu" for another folder already.
    with _connection(folders) as connection:
        queue = connection.SimpleQueue(f"test-{uuid.uuid4().hex}")
        queue.put({"submission": 7})
        message = queue.get(timeout=5)
        message.ack()
        body = message.payload
        queue.close()
    assert body == {"submission": 7}
    assert os.listdir(folders["data_folder_in"]) == []
    assert os.listdir(Path(folders["processed_folder"]) / "claimed") == []


def test_while_a_message_is_being_written_a_polling_worker_finds_nothing_and_does_not_fail(
    folders, monkeypatch
):
    polled = []
    with _connection(folders) as writer, _connection(folders) as worker:
        writing = writer.default_channel
        polling = worker.default_channel
        writing.queue_declare("default")
        real_fsync = os.fsync

        def poll_mid_write(fd: int) -> None:
            real_fsync(fd)
            try:
                polling._get("default")
            except Exception as error:  # noqa: BLE001 (what the worker would have got)
                polled.append(error)
            else:
                polled.append("a message")

        monkeypatch.setattr(os, "fsync", poll_mid_write)
        writing._put("default", {"body": "x" * 10_000})
        monkeypatch.undo()
        got = polling._get("default")
    assert [type(outcome).__name__ for outcome in polled] == ["Empty"]  # nothing half-written was taken
    assert got == {"body": "x" * 10_000}


def test_writers_and_two_polling_workers_hand_over_every_message_exactly_once(folders):
    sent = 600
    received: list[int] = []
    errors: list[BaseException] = []
    done = threading.Event()

    def write() -> None:
        with _connection(folders) as connection:
            for n in range(sent):
                connection.default_channel._put("default", {"n": n})
        done.set()

    def work() -> None:
        with _connection(folders) as connection:
            channel = connection.default_channel
            while True:
                try:
                    received.append(channel._get("default")["n"])
                except Exception as error:  # noqa: BLE001
                    if type(error).__name__ != "Empty":
                        errors.append(error)
                        return
                    if done.is_set() and not os.listdir(folders["data_folder_in"]):
                        return

    threads = [threading.Thread(target=write), threading.Thread(target=work), threading.Thread(target=work)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(received) == list(range(sent))


def test_a_file_that_is_not_a_message_is_set_aside_and_the_next_message_is_delivered(folders, caplog):
    queue = Path(folders["data_folder_in"])
    (queue / "1_a.default.msg").write_bytes(b"")  # as kombu's own writer left it mid-write
    (queue / "2_b.default.msg").write_bytes(b"{not json")
    (queue / "3_c.default.msg").write_text(json.dumps({"n": 3}))
    with _connection(folders) as connection:
        got = connection.default_channel._get("default")
    assert got == {"n": 3}
    assert sorted(os.listdir(Path(folders["processed_folder"]) / "unreadable")) == [
        "1_a.default.msg",
        "2_b.default.msg",
    ]
    assert "is not a message" in caplog.text
