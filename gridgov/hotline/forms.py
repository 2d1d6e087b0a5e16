"""The form of the hotline mapping page (input checking only; the actions decide)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from gridgov.cases.models import Category
from gridgov.places.models import Street


class MappingForm(forms.Form):
    hotline_code = forms.CharField(
        label=_("Hotline code"),
        max_length=64,
        help_text=_("The category code the 12345 hotline sends, e.g. 0301."),
    )
    hotline_name = forms.CharField(label=_("Hotline category name"), max_length=100, required=False)
    category = forms.ModelChoiceField(
        label=_("Our category"),
        queryset=Category.objects.filter(active=True).order_by("code"),
        to_field_name="code",
    )
    street = forms.ModelChoiceField(
        label=_("Street"), queryset=Street.objects.none(), empty_label=None
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
