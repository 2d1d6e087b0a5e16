"""The form of the API keys page (input checking only; the actions decide)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from gridgov.places.models import Street


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Key name"),
        max_length=100,
        help_text=_("Who will use the key, e.g. the residents' mini-program."),
    )
    street = forms.ModelChoiceField(
        label=_("Street"), queryset=Street.objects.none(), empty_label=None
    )
    moderated = forms.BooleanField(
        label=_("Moderated: the street office checks each request before it is handled"),
        required=False,
    )

    def __init__(self, *args: Any, streets: QuerySet[Street], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A street admin of one street is not asked which street.
        self.only_street = streets[0] if len(streets) == 1 else None
        if self.only_street is not None:
            del self.fields["street"]
        else:
            field = self.fields["street"]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = streets

    def chosen_street(self) -> Street:
        street = self.cleaned_data.get("street") or self.only_street
        assert street is not None  # the field is required when there are several
        return street
