"""The socket's frame checking in plain Python: size, depth, duplicate keys, and a strict schema per type."""

import json

import pytest

from quizzes.frames import (
    FIELD_ERROR_CODES as FIELD_CODES,
)
from quizzes.frames import (
    HOST_FRAMES,
    MAX_FRAME,
    PLAYER_FRAMES,
    FrameError,
    frame_parse,
    nesting_too_deep,
)


def parse_host(text):
    return frame_parse(text_data=text, schemas=HOST_FRAMES)


def parse_player(text):
    return frame_parse(text_data=text, schemas=PLAYER_FRAMES)


def code_of(parse, text) -> tuple[str, str | None]:
    with pytest.raises(FrameError) as error:
        parse(text)
    return error.value.code, error.value.request


def test_a_4000_character_json_nested_2000_deep_is_refused_without_recursion():
    deep = "[" * 2000 + "]" * 2000
    assert len(deep) == 4000
    assert code_of(parse_player, deep) == ("frame_too_deep", None)
    nested_in_a_field = '{"type": "answer", "question": 0, "picks": ' + "[" * 1900 + "]" * 1900 + "}"
    assert code_of(parse_player, nested_in_a_field) == ("frame_too_deep", None)
    objects = '{"a":' * 600 + "1" + "}" * 600
    assert code_of(parse_host, objects)[0] == "frame_too_deep"


def test_a_frame_of_thousands_of_flat_brackets_or_strings_is_refused_early():
    flat = '{"type": "answer", "question": 0, "picks": ' + "[]," * 1300 + "0}"
    assert code_of(parse_player, flat) == ("frame_too_deep", None)
    strings = json.dumps({"type": "answer", "question": 0, "picks": ["["] * 500})
    assert code_of(parse_player, strings) == ("frame_too_deep", None)
    assert nesting_too_deep(flat) and nesting_too_deep(strings)


def test_brackets_inside_strings_do_not_count_as_nesting():
    text = json.dumps({"type": "answer", "question": 0, "text": "[[[[{{{{" * 20})
    assert not nesting_too_deep(text, limit=1)
    assert parse_player(text).get("text").startswith("[[[[")
    escaped_quote = r'{"a": "\"[[[[", "b": [[1]]}'
    assert not nesting_too_deep(escaped_quote, limit=3) and nesting_too_deep(escaped_quote, limit=2)


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "remove", "player": True},  # True == 1 in Python: removed player 1
        {"type": "remove", "player": False},
        {"type": "remove", "player": 1.0},
        {"type": "remove", "player": "1"},
        {"type": "remove", "player": 10**30},
        {"type": "remove", "player": -1},
        {"type": "remove", "player": 0},
        {"type": "remove", "player": None},
        {"type": "remove", "player": [1]},
        {"type": "remove"},
        {"type": "remove", "player": 1, "also": "x"},
        {"type": "remove", "player": 1, "reason": 5},
        {"type": "remove", "player": 1, "reason": "x" * 501},
        {"type": "skip", "index": True},
        {"type": "skip", "index": 2.5},
        {"type": "skip", "index": "2"},
        {"type": "advance", "phase": "finished", "index": 0},
        {"type": "advance", "phase": "lobby", "index": False},
        {"type": "advance", "phase": ["lobby"], "index": -1},
        {"type": "approve", "request": True},
        {"type": "deny", "request": "7"},
        {"type": "end", "now": True},
        {"type": "ping", "x": 1},
    ],
)
def test_every_wrong_host_frame_is_refused_with_its_type_named(frame):
    code, request = code_of(parse_host, json.dumps(frame))
    assert code in FIELD_CODES and request == frame["type"]


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "answer", "question": True, "picks": [0]},
        {"type": "answer", "question": 0.0, "picks": [0]},
        {"type": "answer", "question": 10**20, "picks": [0]},
        {"type": "answer", "question": 0, "picks": [True]},
        {"type": "answer", "question": 0, "picks": [0.5]},
        {"type": "answer", "question": 0, "picks": []},
        {"type": "answer", "question": 0, "picks": list(range(17))},
        {"type": "answer", "question": 0, "picks": [{"x": 1}]},
        {"type": "answer", "question": 0, "text": 28},
        {"type": "answer", "question": 0, "text": "9" * 201},
        {"type": "answer", "question": 0, "picks": [0], "player": 3},
        {"type": "join", "neptun": ["ABC123"]},
        {"type": "join", "neptun": "ABC123", "seat": "x"},
        {"type": "resume"},
        {"type": "resume", "seat": 12345678901},
        {"type": "resume", "seat": "x" * 65},
    ],
)
def test_every_wrong_player_frame_is_refused_with_its_type_named(frame):
    code, request = code_of(parse_player, json.dumps(frame))
    assert code in FIELD_CODES and request == frame["type"]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (None, "frame_not_text"),  # a binary frame
        ("{not json", "bad_json"),
        ("", "bad_json"),
        ("[1, 2]", "frame_not_object"),
        ('"answer"', "frame_not_object"),
        ('{"type": 5}', "frame_not_object"),
        ('{"type": "answer", "question": NaN, "picks": [0]}', "field_not_finite"),
        ('{"type": "answer", "question": -Infinity, "picks": [0]}', "field_not_finite"),
        ('{"type": "answer", "question": 1e400, "picks": [0]}', "field_not_integer"),
        ('{"type": "ping", "type": "end"}', "field_repeated"),  # duplicate keys: which one counts?
        ('{"type": "hack"}', "unknown_type"),
        ('{"type": "approve", "request": 1}', "unknown_type"),  # a host frame on the phone's socket
        (json.dumps({"type": "answer", "question": 0, "text": "x" * MAX_FRAME}), "frame_too_large"),
        (
            '{"type": "answer", "picks": [0], "question": ' + "9" * 4000 + "}",
            "field_not_integer",
        ),  # huge numbers
    ],
)
def test_frames_that_are_not_the_protocol_at_all(text, code):
    assert code_of(parse_player, text)[0] == code


def test_good_frames_come_back_with_only_their_declared_fields():
    answer = parse_player('{"type": "answer", "question": 2, "picks": [0, 3]}')
    assert answer.type == "answer" and dict(answer.fields) == {"question": 2, "picks": [0, 3]}
    assert parse_player('{"type": "join"}').get("neptun") is None  # verified games: from the login
    remove = parse_host('{"type": "remove", "player": 17, "reason": "left the room"}')
    assert dict(remove.fields) == {"player": 17, "reason": "left the room"}
    assert parse_host('{"type": "advance", "phase": "lobby", "index": -1}').get("index") == -1
