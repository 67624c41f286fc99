from django import forms
from django.utils.translation import gettext_lazy as _

from lifecycle.services.copying import MAX_OFFSET_DAYS


class CopyForm(forms.Form):
    code = forms.CharField(label=_("New course code"), max_length=40)
    term = forms.CharField(label=_("New term"), max_length=20, help_text=_("e.g. 2027/28/1"))
    shift_days = forms.IntegerField(
        label=_("Move every date by (days)"),
        min_value=-MAX_OFFSET_DAYS,
        max_value=MAX_OFFSET_DAYS,
        initial=364,
        help_text=_("364 days keeps the weekdays."),
    )
    dry_run = forms.BooleanField(label=_("Only list what would be made"), required=False, initial=True)


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("Why reopen?"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class RetentionForm(forms.Form):
    retention_days = forms.IntegerField(
        label=_("Keep personal data for (days after closing)"), min_value=30, max_value=3650
    )
