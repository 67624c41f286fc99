"""The memo of recently built boards (plain Python): bounded age, one build per board at a time."""

from __future__ import annotations

import threading
import time

import pytest

from grader.board_memo import BoardMemo


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def counting(value):
    calls = []

    def build():
        calls.append(1)
        return value

    return build, calls


def test_a_value_younger_than_the_age_is_reused_and_an_older_one_is_built_again():
    clock = Clock()
    memo = BoardMemo(clock=clock)
    build, calls = counting("board")
    assert memo.get("a", build, max_age=1.0) == "board"
    clock.now += 1.0
    assert memo.get("a", build, max_age=1.0) == "board"
    assert len(calls) == 1
    clock.now += 0.01
    memo.get("a", build, max_age=1.0)
    assert len(calls) == 2


def test_the_age_counts_from_when_the_build_started_not_when_it_ended():
    clock = Clock()
    memo = BoardMemo(clock=clock)
    calls = []

    def slow_build():
        calls.append(1)
        clock.now += 0.8  # the queries took 0.8 s: the data is as old as their start
        return len(calls)

    assert memo.get("a", slow_build, max_age=1.0) == 1
    clock.now += 0.3
    assert memo.get("a", slow_build, max_age=1.0) == 2


def test_boards_are_kept_apart_by_key():
    memo = BoardMemo(clock=Clock())
    assert memo.get(("a", False), lambda: "public", max_age=1.0) == "public"
    assert memo.get(("a", True), lambda: "private", max_age=1.0) == "private"
    assert memo.get(("a", False), lambda: "other", max_age=1.0) == "public"


def test_readers_arriving_during_a_build_wait_for_it_and_share_its_value():
    memo = BoardMemo()
    release, started = threading.Event(), threading.Event()
    calls = []

    def build():
        calls.append(1)
        started.set()
        assert release.wait(5)
        return "board"

    results = []
    threads = [threading.Thread(target=lambda: results.append(memo.get("a", build, max_age=1.0)))]
    threads[0].start()
    assert started.wait(5)
    for _ in range(7):
        thread = threading.Thread(target=lambda: results.append(memo.get("a", build, max_age=1.0)))
        thread.start()
        threads.append(thread)
    time.sleep(0.1)
    assert results == []  # the seven wait for the one build
    release.set()
    for thread in threads:
        thread.join(5)
    assert results == ["board"] * 8 and len(calls) == 1


def test_a_failed_build_raises_for_its_builder_and_a_waiting_reader_builds_again():
    memo = BoardMemo()
    release, started = threading.Event(), threading.Event()
    attempts = []

    def build():
        attempts.append(1)
        if len(attempts) == 1:
            started.set()
            assert release.wait(5)
            raise RuntimeError("database went away")
        return "board"

    errors, results = [], []

    def first():
        try:
            memo.get("a", build, max_age=1.0)
        except RuntimeError as error:
            errors.append(error)

    leader = threading.Thread(target=first)
    leader.start()
    assert started.wait(5)
    follower = threading.Thread(target=lambda: results.append(memo.get("a", build, max_age=1.0)))
    follower.start()
    time.sleep(0.05)
    release.set()
    leader.join(5)
    follower.join(5)
    assert len(errors) == 1 and results == ["board"] and len(attempts) == 2


def test_expired_boards_of_other_keys_are_dropped_when_a_board_is_built():
    clock = Clock()
    memo = BoardMemo(clock=clock)
    memo.get("old", lambda: 1, max_age=1.0)
    clock.now += 5
    memo.get("new", lambda: 2, max_age=1.0)
    build, calls = counting(3)
    assert memo.get("old", build, max_age=1.0) == 3 and calls == [1]
    assert set(memo._built) == {"old", "new"}


@pytest.mark.parametrize("max_age", [0.0, 1.0])
def test_clear_forgets_every_board(max_age):
    memo = BoardMemo(clock=Clock())
    memo.get("a", lambda: 1, max_age=max_age)
    memo.clear()
    assert memo.get("a", lambda: 2, max_age=max_age) == 2
