"""What a restore must bring back identically: every gradebook, every submission's file and score, every
game's seats and answers. ``main`` prints it as JSON (run in a subprocess against the restored site)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from accounts.models import Course
from gradebook.exports import gradebook_csv
from gradebook.selectors import gradebook_for_course
from grader.models import Submission
from quizzes.models import Answer, Player


def _file_sha(field) -> str | None:  # noqa: ANN001
    if not field:
        return None
    path = Path(field.path)
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "missing"


def site_fingerprint() -> dict[str, Any]:
    return {
        "gradebooks": {
            c.code: gradebook_csv(gradebook=gradebook_for_course(course=c)) for c in Course.objects.all()
        },
        "submissions": {
            str(s.pk): [
                s.assignment.course.code,
                s.user.neptun_code if s.user else None,
                s.sha256,
                _file_sha(s.file),
                s.status,
                s.score,
                None if s.points is None else str(s.points),
            ]
            for s in Submission.objects.select_related("assignment__course", "user")
        },
        "players": {
            str(p.pk): [p.game_id, p.neptun_code, p.score, p.removed_at is not None]
            for p in Player.objects.all()
        },
        "answers": {
            str(a.pk): [
                a.game_id,
                a.player_id,
                a.question_index,
                a.picks,
                a.text,
                a.correct,
                a.points,
                a.response_ms,
            ]
            for a in Answer.objects.all()
        },
    }


def main() -> None:
    print("FINGERPRINT " + json.dumps(site_fingerprint(), sort_keys=True))
