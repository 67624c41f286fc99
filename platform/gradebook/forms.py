"""Forms only shape input; the rules live in gradebook.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.gradebook_sources import SourceColumn
from gradebook.marks import Thresholds
from gradebook.models import Adjustment, GradebookWeights, GradeCondition


class WeightsForm(forms.ModelForm):
    class Meta:
        model = GradebookWeights
        fields = ["quiz_weight", "assignment_weight", "milestone_weight"]
        help_texts = {
            "quiz_weight": _("Relative weight of the live quizzes."),
            "assignment_weight": _("Relative weight of the homework assignments."),
            "milestone_weight": _("Relative weight of the semester project's milestones."),
        }


class AdjustmentForm(forms.Form):
    column = forms.ChoiceField(label=_("Column"))
    kind = forms.ChoiceField(label=_("Kind"), choices=Adjustment.KIND_CHOICES)
    points = forms.DecimalField(
        label=_("Points (override only)"), required=False, max_digits=8, decimal_places=2, min_value=0
    )
    extension_days = forms.IntegerField(
        label=_("Extension in days (extension only)"), required=False, min_value=1, max_value=365
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)

    def __init__(self, *args, columns: list[SourceColumn], allow_override: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        column_field = self.fields["column"]
        kind_field = self.fields["kind"]
        assert isinstance(column_field, forms.ChoiceField) and isinstance(kind_field, forms.ChoiceField)
        column_field.choices = [(c.key, f"{c.code} {c.title}") for c in columns]
        if not allow_override:
            kind_field.choices = [c for c in Adjustment.KIND_CHOICES if c[0] != "override"]
            del self.fields["points"]


class SearchForm(forms.Form):
    """The table's query parameters (GET): search, filter, sort. Works without JavaScript."""

    q = forms.CharField(label=_("Search Neptun code or name"), required=False, max_length=100)
    show = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[
            ("all", _("all students")),
            ("missing", _("with missing work")),
            ("adjusted", _("with adjustments")),
            ("excused", _("with an excused column")),
        ],
    )
    sort = forms.CharField(required=False, widget=forms.HiddenInput, max_length=40)
    order = forms.ChoiceField(
        required=False, choices=[("asc", "asc"), ("desc", "desc")], widget=forms.HiddenInput
    )


class ThresholdsForm(forms.Form):
    """The lowest total percent of each mark (the service checks that they grow)."""

    two = forms.DecimalField(
        label=_("Mark 2 (elégséges) from %"), min_value=0, max_value=100, decimal_places=2
    )
    three = forms.DecimalField(
        label=_("Mark 3 (közepes) from %"), min_value=0, max_value=100, decimal_places=2
    )
    four = forms.DecimalField(label=_("Mark 4 (jó) from %"), min_value=0, max_value=100, decimal_places=2)
    five = forms.DecimalField(label=_("Mark 5 (jeles) from %"), min_value=0, max_value=100, decimal_places=2)

    @staticmethod
    def initial_for(thresholds: Thresholds) -> dict:
        return {
            "two": thresholds.two,
            "three": thresholds.three,
            "four": thresholds.four,
            "five": thresholds.five,
        }


class ConditionForm(forms.Form):
    purpose = forms.ChoiceField(label=_("For"), choices=GradeCondition.PURPOSES)
    column_key = forms.ChoiceField(label=_("Column"))
    requirement = forms.ChoiceField(label=_("Requires"), choices=GradeCondition.REQUIREMENTS)
    min_percent = forms.DecimalField(
        label=_("Share of the points, % (for 'at least a share')"),
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
    )

    def __init__(self, *args, columns: list[SourceColumn], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        column_field = self.fields["column_key"]
        assert isinstance(column_field, forms.ChoiceField)
        column_field.choices = [(c.key, f"{c.code} {c.title}") for c in columns]

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("requirement") == "min_percent" and data.get("min_percent") is None:
            self.add_error("min_percent", _("Give the share of the points this condition asks for."))
        return data
