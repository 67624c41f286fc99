"""Forms only shape input; the rules live in projects.services."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.models import Milestone, RubricCriterion
from projects.services import RubricLine


class ProjectRegisterForm(forms.Form):
    title = forms.CharField(max_length=200, label=gettext_lazy("Project title"))
    description = forms.CharField(
        label=gettext_lazy("Short description (optional)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    teammates = forms.CharField(
        label=gettext_lazy("Teammates' Neptun codes"),
        required=False,
        help_text=gettext_lazy(
            "Up to 3, separated by spaces or commas: they are invited and join when they accept. "
            "Leave empty to work alone."
        ),
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )

    def member_codes(self) -> list[str]:
        return [c for c in re.split(r"[\s,;]+", self.cleaned_data.get("teammates") or "") if c]


class MemberAddForm(forms.Form):
    neptun_code = forms.CharField(
        label=gettext_lazy("New member's Neptun code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )


class SubmissionForm(forms.Form):
    """One form per milestone on the page; the prefix keeps their field ids apart."""

    repository_url = forms.CharField(
        label=gettext_lazy("Repository URL"),
        required=False,
        max_length=500,
        widget=forms.URLInput(attrs={"placeholder": "https://github.com/team/project", "inputmode": "url"}),
    )
    pdf = forms.FileField(
        label=gettext_lazy("Report (PDF)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,application/pdf"}),
    )
    in_english = forms.BooleanField(
        label=gettext_lazy("Everything in this submission (code comments, README, report) is in English."),
        required=False,
    )

    def __init__(self, *args, milestone: Milestone, has_pdf: bool = False, **kwargs) -> None:
        kwargs.setdefault("prefix", f"m{milestone.id}")
        super().__init__(*args, **kwargs)
        self.fields["repository_url"].required = milestone.needs_url
        if not milestone.needs_url:
            self.fields["repository_url"].label = _("Repository URL (optional)")
        # A PDF is always accepted (e.g. an exploration report for milestone 1); required where needed.
        if not milestone.needs_pdf:
            self.fields["pdf"].label = _("Report (PDF, optional)")
        hint = _("At most %(size)s.") % {"size": milestone.max_pdf_megabytes}
        if has_pdf:
            hint += " " + _("Leave empty to keep the PDF you submitted before.")
        self.fields["pdf"].help_text = hint


class GradeForm(forms.Form):
    """A points field per rubric criterion, then the comment."""

    comment = forms.CharField(
        label=gettext_lazy("Comment for the team"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args, criteria: list[RubricCriterion], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        comment = self.fields.pop("comment")
        for criterion in criteria:
            self.fields[f"criterion_{criterion.id}"] = forms.DecimalField(
                label=f"{criterion.name} (0–{criterion.max_points})",
                min_value=Decimal(0),
                max_value=criterion.max_points,
                decimal_places=1,
                help_text=criterion.description,
                widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
            )
        self.fields["comment"] = comment

    def scores(self) -> dict[int, Decimal]:
        return {c.id: self.cleaned_data[f"criterion_{c.id}"] for c in self.criteria}


class TeamRulesForm(forms.Form):
    teams_close_at = forms.DateTimeField(
        label=gettext_lazy("Team registration closes"),
        required=False,
        help_text=gettext_lazy(
            "After it students no longer form, join or leave teams themselves; the staff still can. "
            "Empty: at the first milestone's deadline."
        ),
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class MilestoneForm(forms.Form):
    """One milestone on the instructor's page; the rubric as text, one criterion a line: ``Name: points``."""

    title = forms.CharField(max_length=200, label=gettext_lazy("Title"))
    deadline = forms.DateTimeField(
        label=gettext_lazy("Deadline"),
        input_formats=["%Y-%m-%dT%H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    description = forms.CharField(
        label=gettext_lazy("What to hand in"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    needs_url = forms.BooleanField(label=gettext_lazy("A repository URL is required"), required=False)
    needs_pdf = forms.BooleanField(label=gettext_lazy("A PDF report is required"), required=False)
    rubric = forms.CharField(
        label=gettext_lazy("Rubric"),
        help_text=gettext_lazy(
            "One criterion a line: its name, a colon, its maximum points (e.g. Report: 10)."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def clean_rubric(self) -> list[RubricLine]:
        lines: list[RubricLine] = []
        for number, raw in enumerate(self.cleaned_data["rubric"].splitlines()[:50], start=1):
            if not raw.strip():
                continue
            name, colon, points = raw.rpartition(":")
            try:
                value = Decimal(points.strip().replace(",", "."))
            except InvalidOperation:
                value = Decimal("NaN")
            in_range = value.is_finite() and Decimal("0.5") <= value <= 1000
            if not colon or not name.strip() or not in_range:
                raise forms.ValidationError(
                    _(
                        "Line %(line)s: write the criterion's name, a colon and 0.5 to 1000 points, "
                        "e.g. Report: 10."
                    )
                    % {"line": number}
                )
            if value != value.quantize(Decimal("0.1")):
                raise forms.ValidationError(
                    _("Line %(line)s: give points with at most one decimal (e.g. 2.5).") % {"line": number}
                )
            lines.append(RubricLine(name.strip()[:200], value.quantize(Decimal("0.1"))))
        if not lines:
            raise forms.ValidationError(_("Give at least one criterion."))
        return lines

    @staticmethod
    def initial_for(milestone: Milestone) -> dict:
        return {
            "title": milestone.title,
            "deadline": timezone.localtime(milestone.deadline),
            "description": milestone.description,
            "needs_url": milestone.needs_url,
            "needs_pdf": milestone.needs_pdf,
            "rubric": "\n".join(
                f"{c.name}: {c.max_points}" for c in milestone.criteria.order_by("order", "id")
            ),
        }
