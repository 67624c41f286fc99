from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.neptun import InvalidNeptunCode, neptun_normalize


def login_username_normalize(raw: str) -> str:
    """The username a login attempt is for: an existing username as typed, else the Neptun code it spells."""
    raw = raw.strip()
    if User.objects.filter(username=raw).exists():
        return raw
    try:
        return neptun_normalize(raw)
    except InvalidNeptunCode:
        return raw


def login_username(request: HttpRequest, credentials: dict | None) -> str:
    """For django-axes: the attempt's username, normalised like the form does it.

    So ``abc123``, `` ABC123`` and ``ABC123`` count against one lock, not three.
    """
    raw = (credentials or {}).get("username") or request.POST.get("username") or ""
    return login_username_normalize(str(raw)[:150])


class LoginForm(AuthenticationForm):
    """Students type their Neptun code in any case and with stray spaces; staff their username."""

    username = forms.CharField(
        label=_("Neptun code or username"),
        max_length=150,
        widget=forms.TextInput(
            attrs={"autofocus": True, "autocapitalize": "characters", "autocomplete": "username"}
        ),
    )

    def clean_username(self) -> str:
        return login_username_normalize(self.cleaned_data["username"])


class ActivationForm(forms.Form):
    password = forms.CharField(
        label=_("New password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password_again = forms.CharField(
        label=_("New password again"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") != cleaned.get("password_again"):
            raise forms.ValidationError(_("The two passwords differ."))
        return cleaned


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file exported from Neptun (.csv or .xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )
