"""Forms only shape input; the rules live in gradebook.services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from core.gradebook_sources import SourceColumn
from gradebook.models import Adjustment, GradebookWeights


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
