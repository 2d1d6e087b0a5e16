"""Forms of the web UI (input checking only; the actions decide)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from gridgov.core.errors import ActionError


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_("What the token is for, e.g. the program that will use it."),
    )


def add_action_errors(form: forms.Form, error: ActionError) -> None:
    """Show an action's refusal beside the field it names (else above the form)."""
    for field_name, messages in error.errors.items():
        target = field_name if field_name in form.fields else None
        for message in messages:
            form.add_error(target, message)
