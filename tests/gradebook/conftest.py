"""Fixtures of the gradebook tests (the scenario itself is in tests/gradebook/scenario.py)."""

import pytest

from accounts.models import Role
from accounts.services import enrollment_set
from tests.factories import CourseFactory, UserFactory
from tests.gradebook.scenario import Scenario, scenario_build


@pytest.fixture
def scenario(course, student, other_student, instructor) -> Scenario:
    return scenario_build(course=course, student=student, other_student=other_student, instructor=instructor)


@pytest.fixture
def other_course_instructor(db):
    other = CourseFactory(code="VITMAV45")
    user = UserFactory(username="elsewhere", is_staff=True)
    enrollment_set(course=other, user=user, role=Role.INSTRUCTOR)
    enrollment_set(course=other, user=UserFactory(username="elsewhere-grader"), role=Role.GRADER)
    return user
