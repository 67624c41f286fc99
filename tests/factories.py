"""factory_boy factories for the models the tests need."""

import factory

from accounts.models import Course, Enrollment, Role, User


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username.lower()}@example.edu")
    full_name = factory.Faker("name")
    password = factory.django.Password("correct-horse-battery")


class StudentFactory(UserFactory):
    neptun_code = factory.Sequence(lambda n: f"S{n:05d}"[:6])
    username = factory.LazyAttribute(lambda u: u.neptun_code)


class CourseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Course
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"VITMMA{19 + n}")
    title = "Deep Learning in practice"
    term = "2026/27/1"


class EnrollmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrollment

    course = factory.SubFactory(CourseFactory)
    user = factory.SubFactory(StudentFactory)
    role = Role.STUDENT
