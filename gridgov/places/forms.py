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
