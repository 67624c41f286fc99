"""Forms of the instructor's pages. Options are written one per line; a leading * marks a correct one."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Course, User
from accounts.selectors import courses_taught_by
from quizzes.authoring import QuestionDraft
from quizzes.game import MAX_TIME_LIMIT, MIN_TIME_LIMIT
from quizzes.generators import generator_get, generator_names
from quizzes.models import BoardNames, QuestionKind, QuestionPoints


def _course_field(user: User) -> forms.ModelChoiceField:
    return forms.ModelChoiceField(
        queryset=courses_taught_by(user=user).filter(enrollments__role="instructor")
        if not user.is_superuser
        else Course.objects.all(),
        required=False,
        label=_("Course"),
        empty_label=_("(no course)"),
    )


class QuizForm(forms.Form):
    title = forms.CharField(max_length=200, label=_("Title"))
    course = forms.ModelChoiceField(queryset=Course.objects.none(), required=False)
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Description")
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"] = _course_field(user)


def choices_to_lines(choices: list[dict[str, Any]]) -> str:
    return "\n".join(("* " if c.get("correct") else "") + c["text"] for c in choices)


def lines_to_choices(text: str) -> list[dict[str, Any]]:
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line:
            correct = line.startswith("*")
            out.append({"text": line.lstrip("*").strip(), "correct": correct})
    return out


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(choices=QuestionKind.choices, label=_("Type"))
    text = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        label=_("Text"),
        help_text=_("Math in LaTeX between $…$, e.g. $\\frac{n+2p-f}{s}+1$."),
    )
    choices = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        label=_("Options"),
        help_text=_("One per line (2–6); start the correct ones with *. True/false: “* True” and “False”."),
    )
    answer_number = forms.FloatField(required=False, label=_("Numeric answer"))
    tolerance = forms.FloatField(required=False, initial=0, min_value=0, label=_("Tolerance"))
    generator = forms.ChoiceField(choices=[], required=False, label=_("Generator"))
    notation = forms.ChoiceField(
        choices=[("lecture", _("lecture")), ("pytorch", "pytorch")], initial="lecture", label=_("Notation")
    )
    scope = forms.ChoiceField(
        choices=[
            ("lecture", _("Lecture: the slide's formula, divisions come out whole")),
            ("advanced", _("Advanced: also dilation, groups, “same” padding, ceil mode")),
        ],
        initial="lecture",
        required=False,  # not sent (a non-parametric question): lecture, see clean_scope
        label=_("Scope"),
    )
    explanation = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}), required=False, label=_("Explanation")
    )
    time_limit = forms.IntegerField(
        min_value=MIN_TIME_LIMIT, max_value=MAX_TIME_LIMIT, initial=20, label=_("Time limit")
    )
    points = forms.TypedChoiceField(
        choices=QuestionPoints.choices, coerce=int, initial=1000, label=_("Points")
    )
    image = forms.ImageField(required=False, label=_("Image"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        generator = self.fields["generator"]
        assert isinstance(generator, forms.ChoiceField)
        # Names in words (the generator's title, "Conv2d output shape"); the key stays the value.
        generator.choices = [("", "—")] + [(n, _(generator_get(n).title)) for n in generator_names()]

    def clean_scope(self) -> str:
        return self.cleaned_data.get("scope") or "lecture"

    def draft(self) -> QuestionDraft:
        data = self.cleaned_data
        return QuestionDraft(
            kind=data["kind"],
            text=data["text"],
            choices=lines_to_choices(data["choices"]),
            answer_number=data["answer_number"],
            tolerance=data["tolerance"] or 0.0,
            generator=data["generator"],
            notation=data["notation"],
            scope=data["scope"],
            explanation=data["explanation"],
            time_limit=data["time_limit"],
            points=data["points"],
        )


class GameStartForm(forms.Form):
    course = forms.ModelChoiceField(queryset=Course.objects.none(), required=False)
    speed_scoring = forms.BooleanField(required=False, initial=True, label=_("Faster answers score more"))
    # Practice is the default: a graded column in the gradebook is always a deliberate choice.
    graded = forms.TypedChoiceField(
        label=_("Counts for the grade?"),
        choices=[
            ("practice", _("Practice: never in the gradebook")),
            ("graded", _("Graded: the points go to the course gradebook")),
        ],
        initial="practice",
        required=False,  # nothing chosen: practice (clean_graded)
        coerce=lambda value: value == "graded",
        widget=forms.RadioSelect,
    )
    verified = forms.BooleanField(
        required=False,
        initial=True,
        label=_("Verified: players must log in (the Neptun code comes from their account)"),
        help_text=_(
            "Leave it on for a graded game: otherwise anyone who types a code plays for that student."
        ),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"] = _course_field(user)

    def clean_graded(self) -> bool:
        return self.cleaned_data.get("graded") is True


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"), help_text=_("YAML (this site's format) or xlsx (Kahoot's spreadsheet template).")
    )
    course = forms.ModelChoiceField(queryset=Course.objects.none(), required=False)

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["course"] = _course_field(user)


class PlayerRemoveForm(forms.Form):
    """Removing a player from the results page: the reason is kept on the player's row."""

    player = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_("Required once the game is over: the gradebook changes."),
    )


class CourseHallForm(forms.Form):
    board_names = forms.ChoiceField(
        label=_("Names on the projector's top 5"),
        choices=BoardNames.choices,
        widget=forms.RadioSelect,
        help_text=_("Only the top 5 are projected. Every result stays on the staff results page."),
    )
