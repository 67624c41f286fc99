"""What checking one live-quiz socket frame costs (``quizzes/frames.py``), for good and hostile frames.

Run from the repository root: ``.venv/bin/python benchmarks/bench_socket_frames.py [--repeat 20000]``.
Plain Python, no Django. Prints one JSON object: microseconds per frame for each kind, and plain
``json.loads`` of the good frame for comparison. A hostile frame must cost no more than a few good ones.
"""

import argparse
import contextlib
import json
import sys
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "platform"), str(ROOT)]

from quizzes.frames import PLAYER_FRAMES, FrameError, frame_parse  # noqa: E402

CASES = {
    "good_answer": json.dumps({"type": "answer", "question": 3, "picks": [1]}),
    "good_typed_answer": json.dumps({"type": "answer", "question": 3, "text": "[12, 28, 28]"}),
    "nested_2000_deep": "[" * 2000 + "]" * 2000,
    "brackets_in_a_string": '{"type":"answer","question":0,"text":"' + "[" * 3900 + '"}',
    "flat_brackets": '{"type":"answer","question":0,"picks":' + "[]," * 1300 + "0}",
    "huge_number": '{"type":"answer","picks":[0],"question":' + "9" * 4000 + "}",
}


def per_frame_us(text: str, repeat: int) -> float:
    def check() -> None:
        with contextlib.suppress(FrameError):
            frame_parse(text_data=text, schemas=PLAYER_FRAMES)

    return round(timeit.timeit(check, number=repeat) / repeat * 1e6, 1)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20000)
    args = parser.parse_args()
    figures = {name: per_frame_us(text, args.repeat) for name, text in CASES.items()}
    good = CASES["good_answer"]
    figures["json_loads_good_answer"] = round(
        timeit.timeit(lambda: json.loads(good), number=args.repeat) / args.repeat * 1e6, 1
    )
    print(json.dumps({"unit": "microseconds per frame", **figures}))


if __name__ == "__main__":
    main()
