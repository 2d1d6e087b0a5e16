"""Forms of the places pages: the import upload and the export choice."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from gridgov.places.io import GEOJSON, XLSX


class PlaceImportForm(forms.Form):
    """A GeoJSON or .xlsx file; "check only" by default, so people look before they write."""

    file = forms.FileField(
        label=_("File"),
        widget=forms.FileInput(attrs={"accept": ".geojson,.json,.xlsx"}),
        help_text=_(
            "GeoJSON (.geojson, .json) with communities, grids and buildings, "
            "or Excel (.xlsx) with the sheets 楼栋 and 住户."
        ),
    )
    dry_run = forms.BooleanField(
        label=_("Check only (dry run): write nothing"), required=False, initial=True
    )
    # Off by default: an existing grid code stays a duplicate error unless the
    # admin says the file is a redraw (re-zoning moves buildings and members).
    update = forms.BooleanField(
        label=_("Update existing grids (redraw boundaries)"),
        required=False,
        initial=False,
        help_text=_(
            "A grid whose code exists is redrawn (same community); then buildings, "
            "party groups and members follow the new borders."
        ),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit and upload.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(limit)d MB.") % {"limit": limit // (1024 * 1024)}
            )
        return upload


class PlaceExportForm(forms.Form):
    """What to download: the format and, optionally, one street by code."""

    format = forms.ChoiceField(
        label=_("Format"),
        choices=[
            (GEOJSON, _("GeoJSON (communities, grids, buildings)")),
            (XLSX, _("Excel (buildings, households)")),
        ],
    )
    street = forms.CharField(label=_("Street"), required=False, max_length=32)
