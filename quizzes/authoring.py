"""Writing quizzes: what makes a question valid, and the plain-text (YAML) and Kahoot (xlsx) formats.

Parsing never writes: ``quiz_yaml_parse`` and ``kahoot_xlsx_parse`` return a ``QuizDraft`` or raise
``ImportProblems`` listing every problem with its place in the file; ``services.quiz_import``
writes a draft in one transaction, so a bad file imports nothing.
"""

import io
import math
from dataclasses import dataclass, field
from typing import Any

import yaml

from core.errors import PlatformError
from quizzes.game import MAX_TIME_LIMIT, MIN_TIME_LIMIT
from quizzes.generators import SCOPES, generator_names
from quizzes.mathtext import text_problems

KINDS = ("single", "multiple", "truefalse", "numeric", "parametric", "poll")
CHOICE_KINDS = ("single", "multiple", "truefalse", "poll")
POINTS = {"standard": 1000, "double": 2000, "none": 0}
POINTS_NAMES = {value: name for name, value in POINTS.items()}
MAX_CHOICES = 6
MAX_IMPORT_BYTES = 2 * 1024 * 1024
MAX_TEXT = 2000
MAX_CHOICE_TEXT = 200
TRUE_FALSE = [{"text": "True", "correct": False}, {"text": "False", "correct": False}]


class ImportProblems(PlatformError):
    """A file that cannot be imported; ``problems`` lists each one with its place."""

    code = "import_problems"

    def __init__(self, problems: list[str]) -> None:
        super().__init__("import_problems", count=len(problems), problems=" ".join(problems[:3]))
        self.problems = problems


@dataclass
class QuestionDraft:
    kind: str = "single"
    text: str = ""
    choices: list[dict[str, Any]] = field(default_factory=list)
    answer_number: float | None = None
    tolerance: float = 0.0
    generator: str = ""
    notation: str = "lecture"
    scope: str = "lecture"
    explanation: str = ""
    time_limit: int = 20
    points: int = 1000


@dataclass
class QuizDraft:
    title: str
    description: str = ""
    questions: list[QuestionDraft] = field(default_factory=list)


def question_problems(
    *,
    kind: str,
    text: str,
    choices: Any,
    answer_number: float | None,
    tolerance: float,
    generator: str,
    notation: str,
    time_limit: int,
    points: int,
    scope: str = "lecture",
) -> list[str]:
    """Everything wrong with a question, as sentences for the instructor (empty: it is valid)."""
    problems: list[str] = []
    if kind not in KINDS:
        return [f"Unknown question type “{kind}”; use one of {', '.join(KINDS)}."]
    if not isinstance(time_limit, int) or not MIN_TIME_LIMIT <= time_limit <= MAX_TIME_LIMIT:
        problems.append(f"The time limit must be {MIN_TIME_LIMIT}–{MAX_TIME_LIMIT} seconds.")
    if points not in POINTS_NAMES:
        problems.append("Points must be standard (1000), double (2000) or none (0).")
    if len(text or "") > MAX_TEXT:
        problems.append(f"The question text is longer than {MAX_TEXT} characters.")
    if kind != "parametric" and not (text or "").strip():
        problems.append("The question has no text.")
    problems += text_problems(text or "")
    if kind in CHOICE_KINDS:
        if not isinstance(choices, list) or not all(
            isinstance(c, dict) and isinstance(c.get("text"), str) and isinstance(c.get("correct"), bool)
            for c in choices
        ):
            return problems + ['Options must be a list of {"text": …, "correct": true/false}.']
        texts = [c["text"].strip() for c in choices]
        correct = sum(1 for c in choices if c["correct"])
        if kind == "truefalse" and len(choices) != 2:
            problems.append("A true/false question has exactly two options.")
        elif not 2 <= len(choices) <= MAX_CHOICES:
            problems.append(f"A choice question needs 2–{MAX_CHOICES} options (it has {len(choices)}).")
        if any(not t for t in texts):
            problems.append("An option is empty.")
        if any(len(t) > MAX_CHOICE_TEXT for t in texts):
            problems.append(f"An option is longer than {MAX_CHOICE_TEXT} characters.")
        for t in texts:
            problems += text_problems(t)
        if kind == "poll" and correct:
            problems.append("A poll has no correct answer; unmark the options.")
        if kind in ("single", "truefalse") and correct != 1:
            problems.append(f"Mark exactly one correct option (now {correct}).")
        if kind == "multiple" and correct < 1:
            problems.append("Mark at least one correct option.")
    if kind == "numeric":
        if answer_number is None or not math.isfinite(answer_number):
            problems.append("A numeric question needs the answer (a number).")
        if tolerance is None or not math.isfinite(tolerance) or tolerance < 0:
            problems.append("The tolerance must be a number ≥ 0.")
    if kind == "parametric":
        if generator not in generator_names():
            problems.append(f"Unknown generator “{generator}”; known: {', '.join(generator_names())}.")
        if notation not in ("lecture", "pytorch"):
            problems.append("The notation must be lecture or pytorch.")
    if scope not in SCOPES:  # every kind: a stored value is never one nobody checked
        problems.append("The scope must be lecture or advanced.")
    return problems


def draft_problems(draft: QuestionDraft) -> list[str]:
    return question_problems(
        kind=draft.kind,
        text=draft.text,
        choices=draft.choices,
        answer_number=draft.answer_number,
        tolerance=draft.tolerance,
        generator=draft.generator,
        notation=draft.notation,
        scope=draft.scope,
        time_limit=draft.time_limit,
        points=draft.points,
    )


# --- YAML ----------------------------------------------------------------------------------------


def _yaml_question(item: Any, where: str, problems: list[str]) -> QuestionDraft | None:
    if not isinstance(item, dict):
        problems.append(f"{where}: a question must be a mapping with type, text, …")
        return None
    known = {
        "type", "text", "choices", "answer", "tolerance", "generator", "notation", "scope", "explanation",
        "time_limit", "points",
    }  # fmt: skip
    unknown = sorted(str(k) for k in item if k not in known)
    if unknown:
        problems.append(f"{where}: unknown field(s) {', '.join(unknown)}.")
    kind = str(item.get("type", "single"))
    draft = QuestionDraft(kind=kind, text=str(item.get("text") or ""))
    draft.explanation = str(item.get("explanation") or "")
    draft.generator = str(item.get("generator") or "")
    draft.notation = str(item.get("notation") or "lecture")
    draft.scope = str(item.get("scope") or "lecture")
    time_limit = item.get("time_limit", 20)
    draft.time_limit = time_limit if isinstance(time_limit, int) and not isinstance(time_limit, bool) else -1
    points = item.get("points", "standard")
    draft.points = POINTS.get(str(points), points if isinstance(points, int) else -1)
    raw_choices = item.get("choices") or []
    if kind == "truefalse" and isinstance(item.get("answer"), bool):
        raw_choices = [
            {"text": "True", "correct": item["answer"]},
            {"text": "False", "correct": not item["answer"]},
        ]
    if isinstance(raw_choices, list):
        for choice in raw_choices:
            if isinstance(choice, dict):
                draft.choices.append(
                    {"text": str(choice.get("text", "")), "correct": choice.get("correct") is True}
                )
            else:
                draft.choices.append({"text": str(choice), "correct": False})
    else:
        problems.append(f"{where}: choices must be a list.")
    if kind == "numeric":
        for name in ("answer", "tolerance"):
            value = item.get(name, 0 if name == "tolerance" else None)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):
                problems.append(f"{where}: {name} must be a number.")
                value = None
            if name == "answer":
                draft.answer_number = None if value is None else float(value)
            else:
                draft.tolerance = float(value) if value is not None else -1.0
    problems += [f"{where}: {p}" for p in draft_problems(draft)]
    return draft


def quiz_yaml_parse(content: bytes | str) -> QuizDraft:
    """A quiz from its YAML text; raises ImportProblems naming each bad question."""
    if len(content) > MAX_IMPORT_BYTES:
        raise ImportProblems(["The file is larger than 2 MB."])
    try:
        data = yaml.safe_load(content)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        raise ImportProblems([f"{line}not valid YAML ({getattr(error, 'problem', error)})."]) from None
    except UnicodeDecodeError:
        raise ImportProblems(["The file is not UTF-8 text."]) from None
    if not isinstance(data, dict):
        raise ImportProblems(["The file must be a mapping with title and questions."])
    problems: list[str] = []
    title = str(data.get("title") or "").strip()
    if not title:
        problems.append("The quiz has no title.")
    questions = data.get("questions")
    if not isinstance(questions, list) or not questions:
        problems.append("The quiz needs a list of questions.")
        questions = []
    draft = QuizDraft(title=title[:200], description=str(data.get("description") or ""))
    for number, item in enumerate(questions, start=1):
        question = _yaml_question(item, f"Question {number}", problems)
        if question is not None:
            draft.questions.append(question)
    if problems:
        raise ImportProblems(problems)
    return draft


def quiz_yaml_dump(*, title: str, description: str, questions: list[QuestionDraft]) -> str:
    """The YAML text of a quiz; ``quiz_yaml_parse`` reads it back to the same questions."""
    items = []
    for q in questions:
        item: dict[str, Any] = {"type": q.kind, "text": q.text}
        if q.kind in CHOICE_KINDS:
            item["choices"] = [{"text": c["text"], "correct": bool(c["correct"])} for c in q.choices]
        if q.kind == "numeric":
            item["answer"] = q.answer_number
            item["tolerance"] = q.tolerance
        if q.kind == "parametric":
            item["generator"] = q.generator
            item["notation"] = q.notation
            item["scope"] = q.scope
        if q.explanation:
            item["explanation"] = q.explanation
        item["time_limit"] = q.time_limit
        item["points"] = POINTS_NAMES.get(q.points, "standard")
        items.append(item)
    data = {"title": title, "description": description, "questions": items}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


# --- Kahoot's spreadsheet template ----------------------------------------------------------------


def kahoot_xlsx_parse(content: bytes, *, title: str) -> QuizDraft:
    """Questions from Kahoot's xlsx template (question, answers 1–4, time limit, correct answers).

    The header row is found by its "Question" cell, so the template's title rows may stay.
    Raises ImportProblems naming each bad row by its spreadsheet row number.
    """
    import openpyxl

    if len(content) > MAX_IMPORT_BYTES:
        raise ImportProblems(["The file is larger than 2 MB."])
    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises zipfile, KeyError, ValueError… for non-xlsx files
        raise ImportProblems(["The file is not an xlsx spreadsheet (use Kahoot's template)."]) from None
    sheet = book.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header_at = None
    columns: dict[str, int] = {}
    for number, row in enumerate(rows):
        cells = [str(c).strip().lower() if c is not None else "" for c in row]
        if any(c.startswith("question") for c in cells):
            header_at = number
            for i, cell in enumerate(cells):
                if cell.startswith("question"):
                    columns["question"] = i
                elif cell.startswith("answer") and cell[6:].strip()[:1] in "1234":
                    columns[f"answer{cell[6:].strip()[0]}"] = i
                elif cell.startswith("time limit"):
                    columns["time"] = i
                elif cell.startswith("correct"):
                    columns["correct"] = i
            break
    missing = [n for n in ("question", "answer1", "answer2", "time", "correct") if n not in columns]
    if header_at is None or missing:
        raise ImportProblems(
            ["No header row with Question, Answer 1–4, Time limit and Correct answer(s) columns was found."]
        )
    problems: list[str] = []
    draft = QuizDraft(title=title)

    def value(row: tuple, name: str) -> Any:
        index = columns.get(name)
        return row[index] if index is not None and index < len(row) else None

    for number, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        text = value(row, "question")
        answers = [value(row, f"answer{i}") for i in range(1, 5)]
        if text is None and all(a is None for a in answers):
            continue
        where = f"Row {number}"
        options = [(i, str(a).strip()) for i, a in enumerate(answers) if a is not None and str(a).strip()]
        correct_raw = value(row, "correct")
        correct: set[int] = set()
        for part in str(correct_raw if correct_raw is not None else "").replace(";", ",").split(","):
            part = part.strip().removesuffix(".0")
            if not part:
                continue
            if part.isdigit() and 1 <= int(part) <= 4:
                correct.add(int(part) - 1)
            else:
                problems.append(f"{where}: correct answer “{part}” is not a number 1–4.")
        if any(i not in {o[0] for o in options} for i in correct):
            problems.append(f"{where}: a correct answer points to an empty answer cell.")
        time_raw = value(row, "time")
        try:
            time_limit = int(float(time_raw)) if time_raw is not None else 20
        except (TypeError, ValueError):
            problems.append(f"{where}: time limit “{time_raw}” is not a number of seconds.")
            time_limit = 20
        question = QuestionDraft(
            kind="multiple" if len(correct) > 1 else "single",
            text=str(text or "").strip(),
            choices=[{"text": t, "correct": i in correct} for i, t in options],
            time_limit=time_limit,
        )
        problems += [f"{where}: {p}" for p in draft_problems(question)]
        draft.questions.append(question)
    if not draft.questions and not problems:
        problems.append("The spreadsheet has no questions below the header row.")
    if problems:
        raise ImportProblems(problems)
    return draft
