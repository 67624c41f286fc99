"""A game's results as CSV and XLSX, keyed by Neptun code."""

import csv
import io

from quizzes.models import Game
from quizzes.selectors import game_results_table


def results_rows(*, game: Game) -> list[list[object]]:
    questions, rows = game_results_table(game=game)
    header: list[object] = ["neptun_code", "name"]
    for number in range(1, len(questions) + 1):
        header += [f"q{number}_answer", f"q{number}_correct", f"q{number}_time_s", f"q{number}_points"]
    header += ["total", "removed", "removed_by", "removed_at", "removed_reason"]
    out = [header]
    for row in rows:
        player = row["player"]
        line: list[object] = [player.neptun_code, player.display_name]
        for cell in row["cells"]:
            answer = cell["answer"]
            if answer is None:
                line += ["", "", "", 0]
            else:
                correct = "" if answer.correct is None else ("yes" if answer.correct else "no")
                line += [
                    cell["shown"],
                    correct,
                    round(answer.response_ms / 1000, 3),
                    answer.points + answer.bonus,
                ]
        removed_by = player.removed_by.username if player.removed_by else ""
        removed_at = player.removed_at.isoformat(timespec="seconds") if player.removed_at else ""
        removed = "yes" if player.removed_at else ""
        line += [player.score, removed, removed_by, removed_at, player.removed_reason]
        out.append(line)
    return out


def _as_text(value: object) -> object:
    # A cell starting with = + - @ would be a formula in a spreadsheet: quote it as text. ("" is in every
    # string: an empty cell, without the first check, became "'".)
    if isinstance(value, str) and value and value[0] in "=+-@":
        return "'" + value
    return value


def results_csv(*, game: Game) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in results_rows(game=game):
        writer.writerow([_as_text(v) for v in line])
    return buffer.getvalue()


def results_xlsx(*, game: Game) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Results"
    for line in results_rows(game=game):
        sheet.append([_as_text(v) for v in line])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
