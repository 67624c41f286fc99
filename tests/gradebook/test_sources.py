"""The gradebook's columns come from the registered sources (core.gradebook_sources): a new kind of
graded work is one provider; the gradebook queries no other app's tables; codes never renumber."""

import ast
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

import gradebook
from core import gradebook_sources
from core.gradebook_sources import Category, HistorySection, SourceCell, SourceColumn
from gradebook.exports import export_header
from gradebook.selectors import gradebook_for_course, gradebook_student_history
from tests.gradebook.scenario import assignment_make

D = Decimal
pytestmark = pytest.mark.django_db


@dataclass
class SignatureSource:
    """A made-up kind of graded work: the lab signature, 1 point, given to whoever is listed."""

    signed: set[int] = field(default_factory=set)
    name: str = "signature"
    order: int = 25

    def columns(self, *, course, now):
        return [SourceColumn(key="signature:1", category=Category.MILESTONE, code="S1", title="Lab signature",
                             max_points=D(1))]  # fmt: skip

    def cells(self, *, course, columns, students, only):
        return {(s.pk, "signature:1"): SourceCell(points=D(1)) for s in students if s.pk in self.signed}

    def history(self, *, course, student, columns, cells, as_student):
        cell = cells.get("signature:1")
        return HistorySection(
            title="Signature",
            template="quizzes/gradebook_history.html",  # any template of an app: the games table, empty
            context={"games": [], "signed": cell is not None and not cell.missing},
        )


@pytest.fixture
def signature(student):
    source = SignatureSource(signed={student.pk})
    gradebook_sources.gradebook_source_register(source)
    yield source
    gradebook_sources._SOURCES.pop(source.name)


def test_a_registered_source_adds_its_column_cells_total_and_history(
    scenario, student, other_student, signature
):
    course = scenario.game.course
    book = gradebook_for_course(course=course)
    assert [c.code for c in book.columns] == ["Q1", "HW1", "HW2", "S1", "M1"]  # by the sources' order
    mine, theirs = book.rows
    assert mine.cell("signature:1").points == D(1) and not mine.cell("signature:1").missing
    assert theirs.cell("signature:1").missing
    # The project category now has 21 points: 15 + 1 for the signed student, 15 + 0 for the other.
    assert mine.total.by_category[Category.MILESTONE] == D("76.19")
    assert theirs.total.by_category[Category.MILESTONE] == D("71.43")
    assert "S1 Lab signature (1)" in export_header(book)
    history = gradebook_student_history(course=course, student=student, as_student=True)
    assert [s.source for s in history.sections] == ["quizzes", "grader", "signature", "projects"]
    assert history.section("signature").context["signed"] is True


def test_the_history_page_shows_every_sources_section(client, scenario, student, signature):
    client.force_login(student)
    page = client.get(reverse("gradebook:my_grades", args=[scenario.game.course.code])).content.decode()
    for source in ("quizzes", "grader", "signature", "projects"):
        assert f'id="history-{source}"' in page
    assert page.index('id="history-grader"') < page.index('id="history-signature"')


def test_the_gradebook_imports_no_feature_apps_models_or_rules():
    """Weights, adjustments and totals only: every column comes through a source."""
    root = Path(gradebook.__file__).parent
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            offenders += [
                f"{path.name}: {n}" for n in names if n.split(".")[0] in ("quizzes", "grader", "projects")
            ]
    assert offenders == []


def test_column_codes_never_renumber_when_work_is_added(scenario):
    course = scenario.game.course
    before = {c.key: c.code for c in gradebook_for_course(course=course).columns}
    assert sorted(before.values()) == ["HW1", "HW2", "M1", "Q1"]
    # An assignment with the earliest deadline of all, added last: it is HW3, the others keep theirs.
    early = assignment_make(course, title="Warm-up", deadline=timezone.now() - timedelta(days=30))
    after = {c.key: c.code for c in gradebook_for_course(course=course).columns}
    assert {key: after[key] for key in before} == before
    assert after[f"assignment:{early.pk}"] == "HW3"


def test_full_names_are_on_hover_and_in_the_exports(client, scenario, instructor):
    course = scenario.game.course
    client.force_login(instructor)
    page = client.get(reverse("gradebook:course", args=[course.code])).content.decode()
    assert f'title="{scenario.homework.title}"' in page
    header = export_header(gradebook_for_course(course=course))
    assert "HW1 CNN on digits (10)" in header and "HW2 LSTM forecast (10)" in header
