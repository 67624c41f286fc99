"""Forms of the grader pages: the upload and the instructor's assignment form (they only shape input; the
rules are checked in grader.services)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from grader import problem_catalog
from grader.models import Assignment, LeaderboardRule, SubmissionKind
from grader.services import AssignmentRules

LOCAL_MINUTES = "%Y-%m-%dT%H:%M"


def _when(**kwargs: Any) -> forms.DateTimeField:
    widget = forms.DateTimeInput(format=LOCAL_MINUTES, attrs={"type": "datetime-local"})
    return forms.DateTimeField(widget=widget, **kwargs)


class SubmissionUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Your file"),
        help_text=_(".csv predictions, .ipynb notebook, .py script or .pt model, as the assignment accepts"),
    )

    def __init__(self, *args: Any, accept: list[str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if accept:
            self.fields["file"].widget.attrs["accept"] = ",".join(accept)


class AssignmentForm(forms.Form):
    """Mirrors ``manage.py create_assignment``; an existing assignment's task cannot change (edit)."""

    title = forms.CharField(max_length=200, label=_("Title"))
    description = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        label=_("Description"),
        help_text=_("Markdown."),
    )
    task = forms.ChoiceField(required=False, label=_("Reference task"))
    bundle = forms.FileField(
        required=False,
        label=_("…or a data bundle (zip)"),
        help_text=_("public/manifest.json and the public files, hidden/test_labels.csv; checked on upload."),
    )
    reference_epochs = forms.IntegerField(
        min_value=1,
        required=False,
        label=_("Reference epochs"),
        help_text=_("Training the reference: empty for the task's default."),
    )
    asset = forms.FileField(
        required=False,
        label=_("Attach a file for students (optional)"),
        help_text=_(
            "Read-only: listed and downloadable on the assignment page, and at $DLIP_ASSETS_DIR (/assets) in "
            "every run (a pretrained network, a helper module). At most 200 MiB."
        ),
    )
    asset_description = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        label=_("What the file is"),
        help_text=_("Shown beside it: what it holds and how to use it (e.g. the expected preprocessing)."),
    )
    kinds = forms.MultipleChoiceField(
        label=_("Accepted submission kinds"),
        choices=SubmissionKind.choices,
        widget=forms.CheckboxSelectMultiple,
        initial=list(SubmissionKind.values),
    )
    points = forms.DecimalField(
        max_digits=6, decimal_places=2, min_value=0, initial=Decimal("10"), label=_("Points")
    )
    score_zero_points = forms.FloatField(
        required=False,
        label=_("Score for zero points"),
        help_text=_(
            "Empty: chance level for accuracy tasks, the task's simple baseline where it names one (the "
            "sequence task: repeating the last hour); otherwise required for error metrics such as MAE."
        ),
    )
    score_full_points = forms.FloatField(
        required=False,
        label=_("Score for full points"),
        help_text=_("Empty: the reference solution's score."),
    )
    opens_at = _when(label=_("Opens at"))
    deadline = _when(label=_("Deadline"))
    late_cutoff = _when(required=False, label=_("Late cut-off"), help_text=_("Empty: no late work accepted."))
    late_penalty_percent_per_day = forms.FloatField(
        min_value=0,
        max_value=100,
        initial=10.0,
        # xgettext:no-python-format
        label=_("Late penalty (% of the points per started day)"),
    )
    daily_limit = forms.IntegerField(
        min_value=1,
        initial=5,
        label=_("Submissions per day"),
        help_text=_("Failed submissions do not count."),
    )
    public_fraction = forms.FloatField(
        min_value=0.01,
        max_value=0.99,
        initial=0.5,
        label=_("Public leaderboard fraction"),
        help_text=_("The share of the test set scored on the public leaderboard; the rest is private."),
    )
    leaderboard_rule = forms.ChoiceField(choices=LeaderboardRule.choices, label=_("Which submission counts"))
    wall_seconds = forms.IntegerField(min_value=1, max_value=24 * 3600, initial=600, label=_("Wall time (s)"))
    memory_mb = forms.IntegerField(min_value=64, initial=4096, label=_("Memory (MiB)"))
    use_gpu = forms.BooleanField(required=False, label=_("Run on a GPU worker"))
    ask_named_dates = forms.BooleanField(
        required=False,
        label=_("Ask for the named dates"),
        help_text=_(
            "Homework 3: a notebook or script must also write named_dates.csv, the predictions of the "
            "task's named dates recorded separately (only for tasks that name dates)."
        ),
    )

    def __init__(self, *args: Any, assignment: Assignment | None = None, **kwargs: Any) -> None:
        self.assignment = assignment
        if assignment is not None:
            kwargs.setdefault("initial", self.initial_from(assignment))
        super().__init__(*args, **kwargs)
        if assignment is not None:
            for name in ("task", "bundle", "reference_epochs"):
                del self.fields[name]
        else:
            choices = [("", gettext("— none: upload a bundle below —"))]
            choices += [(name, name) for name in problem_catalog.catalog_problem_names()]
            task_field = self.fields["task"]
            assert isinstance(task_field, forms.ChoiceField)
            task_field.choices = choices

    @staticmethod
    def initial_from(assignment: Assignment) -> dict[str, Any]:
        names = [
            "title",
            "description",
            "kinds",
            "points",
            "score_zero_points",
            "score_full_points",
            "opens_at",
            "deadline",
            "late_cutoff",
            "late_penalty_percent_per_day",
            "daily_limit",
            "public_fraction",
            "leaderboard_rule",
            "wall_seconds",
            "memory_mb",
            "use_gpu",
            "ask_named_dates",
        ]
        return {name: getattr(assignment, name) for name in names}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.assignment is None and bool(data.get("task")) == bool(data.get("bundle")):
            raise forms.ValidationError(_("Choose a reference task or upload a data bundle (exactly one)."))
        return data

    def rules(self) -> AssignmentRules:
        data = self.cleaned_data
        return AssignmentRules(
            title=data["title"],
            description=data["description"],
            kinds=tuple(data["kinds"]),
            points=data["points"],
            score_zero_points=data["score_zero_points"],
            score_full_points=data["score_full_points"],
            opens_at=data["opens_at"],
            deadline=data["deadline"],
            late_cutoff=data["late_cutoff"],
            late_penalty_percent_per_day=data["late_penalty_percent_per_day"],
            daily_limit=data["daily_limit"],
            public_fraction=data["public_fraction"],
            leaderboard_rule=data["leaderboard_rule"],
            wall_seconds=data["wall_seconds"],
            memory_mb=data["memory_mb"],
            use_gpu=data["use_gpu"],
            ask_named_dates=data["ask_named_dates"],
        )
