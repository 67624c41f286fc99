"""Forms only shape input; the rules live in projects.services."""

import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from projects.models import Milestone, RubricCriterion


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
