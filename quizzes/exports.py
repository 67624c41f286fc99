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
    header += ["total", "removed"]
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
        line += [player.score, "yes" if player.removed_at else ""]
        out.append(line)
    return out


def results_csv(*, game: Game) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for line in results_rows(game=game):
        # A cell starting with = + - @ would be a formula in a spreadsheet: quote it as text.
        writer.writerow(["'" + v if isinstance(v, str) and v[:1] in "=+-@" else v for v in line])
    return buffer.getvalue()


def results_xlsx(*, game: Game) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Results"
    for line in results_rows(game=game):
        sheet.append(["'" + v if isinstance(v, str) and v[:1] in "=+-@" else v for v in line])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
