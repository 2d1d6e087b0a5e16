"""Forms of the case pages: they check and convert input; the actions decide and write.

Field names follow the actions' error fields (``description``, ``category``,
``photos``, ``reason``, ``note``, ``reply``, ``days``, ``unit``, ``units``,
``into``, ``rating``, ...) so that ``add_action_errors`` puts every refusal
beside its field.  Each action form carries the case ``version`` the person
saw: acting on a stale page is a conflict, never a silent overwrite.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django import forms
from django.db.models import Model
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from gridgov.cases.models import Case, Category, Rating, UnitKind
from gridgov.core.catalogue import default_catalogue
from gridgov.places.models import Community, Department, Grid, Organisation, OrganisationKind

RADIO = forms.RadioSelect(attrs={"class": "form-check-input"})
# Radio buttons drawn as a row of big buttons (the rating on a phone).
BUTTONS = forms.RadioSelect(attrs={"class": "btn-check"})

# --------------------------------------------------------------------------- categories


def group_names() -> dict[str, str]:
    """Category group code → name in the page's language ("市容环境 / City appearance ...")."""
    english = (get_language() or "").startswith("en")
    names = {}
    for code, both in default_catalogue().get("groups", {}).items():
        chinese, _sep, other = str(both).partition(" / ")
        names[code] = (other or chinese) if english else chinese
    return names


def category_label(category: Category) -> str:
    if (get_language() or "").startswith("en") and category.name_en:
        return category.name_en
    return category.name


def category_choices(categories: Iterable[Category]) -> list[tuple[str, Any]]:
    """Active categories grouped by their group, in catalogue order (for a select)."""
    names = group_names()
    order = list(names)
    grouped: dict[str, list[tuple[str, str]]] = {}
    for category in categories:
        grouped.setdefault(category.group, []).append((category.code, category_label(category)))
    keys = sorted(grouped, key=lambda g: (order.index(g) if g in order else len(order), g))
    return [(names.get(key, key), grouped[key]) for key in keys]


def active_categories() -> list[Category]:
    return list(Category.objects.filter(active=True).order_by("code"))


class CategoryField(forms.ChoiceField):
    """A category chosen by its code; cleans to the Category (or None when optional)."""

    def __init__(self, *, categories: Sequence[Category], **kwargs: Any) -> None:
        self.by_code = {c.code: c for c in categories}
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Category | None:  # type: ignore[override]
        code = super().clean(value)
        return self.by_code.get(code) if code else None


# --------------------------------------------------------------------------- photos


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several uploads; the intake action checks each (type, size, pixels)."""

    widget = MultiplePhotoInput

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if isinstance(data, list | tuple):
            return [item for item in data if item]
        return [data] if data else []


# --------------------------------------------------------------------------- intake


class PlaceFields(forms.Form):
    """A point from the map pin or the phone's GPS (hidden fields the script fills)."""

    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput)

    def point(self) -> tuple[float | None, float | None]:
        return self.cleaned_data.get("lat"), self.cleaned_data.get("lng")


class ReportForm(PlaceFields):
    """A resident's (or enterprise's) report of a problem."""

    description = forms.CharField(
        label=_("What is the problem?"),
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": 4000}),
        help_text=_("5 to 4000 characters: what, where exactly, since when."),
    )
    category = CategoryField(
        label=_("Kind of problem"),
        required=False,
        categories=(),
        help_text=_("Not sure? Leave it; the street office will decide."),
    )
    at_home = forms.BooleanField(label=_("At my home building"), required=False)
    address = forms.CharField(
        label=_("Where exactly (optional)"),
        required=False,
        max_length=300,
        help_text=_("For example: the gate of unit 2, the corner by the shop."),
    )
    photos = PhotosField(label=_("Photos (optional)"))
    anonymous = forms.BooleanField(
        label=_("Report anonymously"),
        required=False,
        help_text=_(
            "Your name is hidden from other residents; the staff handling it still see it."
        ),
    )

    def __init__(
        self,
        *args: Any,
        categories: Sequence[Category],
        home_label: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, CategoryField)
        field.by_code = {c.code: c for c in categories}
        field.choices = [("", _("Not sure")), *category_choices(categories)]
        self.fields["photos"].widget.attrs.update({"accept": "image/jpeg,image/png,image/webp"})
        if home_label:
            self.fields["at_home"].label = _("At my home building: %(building)s") % {
                "building": home_label
            }
        else:
            del self.fields["at_home"]


class PatrolForm(PlaceFields):
    """A grid worker's patrol report (巡查上报): photo, category, point; typing optional."""

    photos = PhotosField(label=_("Photo"))
    category = CategoryField(label=_("Category"), required=False, categories=())
    description = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 4000}),
        help_text=_("Without a note the report says what you found by its category."),
    )

    def __init__(self, *args: Any, categories: Sequence[Category], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, CategoryField)
        field.by_code = {c.code: c for c in categories}
        field.choices = [(c.code, category_label(c)) for c in categories]
        self.fields["photos"].widget = forms.ClearableFileInput(
            attrs={"accept": "image/*", "capture": "environment", "class": "photo-input"}
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("description") and data.get("category") is not None:
            data["description"] = str(
                _("Found on patrol: %(category)s") % {"category": category_label(data["category"])}
            )
        return data


# --------------------------------------------------------------------------- handling units


def _street_units(street_id: int, whistle: bool = False) -> list[tuple[str, list[tuple[str, str]]]]:
    """Units of a street a case can go to: communities, grids, departments, partners.

    Values are ``kind:pk`` of the place or organisation (its Unit row may not
    exist yet; the view makes it with ``units.unit_for`` when acting).
    """
    communities = Community.objects.filter(street_id=street_id).order_by("code")
    grids = Grid.objects.filter(street_id=street_id).order_by("code").values_list("pk", "name")
    departments = Department.objects.filter(street_id=street_id).order_by("code")
    partners = Organisation.objects.filter(
        street_id=street_id, kind=OrganisationKind.PARTNER
    ).order_by("name")
    groups = [
        (_("Communities"), [(f"community:{c.pk}", c.name) for c in communities]),
        (_("Grids"), [(f"grid:{pk}", name) for pk, name in grids]),
        (_("Street departments"), [(f"department:{d.pk}", d.name) for d in departments]),
        (_("Partner units"), [(f"partner:{o.pk}", o.name) for o in partners]),
    ]
    if whistle:  # a whistle mostly calls departments and partners
        groups = groups[2:] + groups[:2]
    return [(str(label), items) for label, items in groups if items]


_TARGET_MODELS: dict[str, type[Model]] = {
    "community": Community,
    "grid": Grid,
    "department": Department,
    "partner": Organisation,
}


def unit_target(value: str, street_id: int) -> Model | None:
    """The place or organisation a ``kind:pk`` choice names, within the street."""
    kind, _sep, pk = value.partition(":")
    model = _TARGET_MODELS.get(kind)
    if model is None or not pk.isdigit():
        return None
    filters: dict[str, Any] = {"pk": int(pk), "street_id": street_id}
    if kind == "partner":
        filters["kind"] = OrganisationKind.PARTNER
    return model._default_manager.filter(**filters).first()


def unit_value(unit: Any) -> str:
    """The ``kind:pk`` choice value of a Unit row."""
    for kind, attr in (
        (UnitKind.COMMUNITY, "community_id"),
        (UnitKind.GRID, "grid_id"),
        (UnitKind.DEPARTMENT, "department_id"),
        (UnitKind.PARTNER, "organisation_id"),
    ):
        if unit.kind == kind:
            return f"{kind}:{getattr(unit, attr)}"
    return ""


# --------------------------------------------------------------------------- actions


class ActionForm(forms.Form):
    """Base of the action forms: the case version the person saw."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        self.case = case
        super().__init__(*args, **kwargs)


def _note(label: Any = None, required: bool = False, rows: int = 2) -> forms.CharField:
    return forms.CharField(
        label=label or _("Note (optional)"),
        required=required,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class NoteForm(ActionForm):
    """accept, report for duty: an optional note."""

    note = _note()


class ReasonForm(ActionForm):
    """return, reject, suspend, reopen: a reason is required (the action says so if missing)."""

    reason = _note(_("Reason"))


class EmptyForm(ActionForm):
    """resume: nothing to say."""


class ResolveForm(ActionForm):
    reply = _note(_("Reply to the requester"), rows=4)


class WhistleForm(ActionForm):
    target = forms.ChoiceField(label=_("Whom to call"), widget=RADIO, choices=())
    units = forms.MultipleChoiceField(
        label=_("Units to summon"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        choices=(),
    )
    reason = _note(_("Why you need them"))

    def __init__(self, *args: Any, up_label: str = "", exclude: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        targets: list[tuple[str, Any]] = []
        if up_label:
            targets.append(("up", _("The level above: %(unit)s") % {"unit": up_label}))
        targets.append(("units", _("Named units (departments, partners, ...)")))
        target = self.fields["target"]
        assert isinstance(target, forms.ChoiceField)
        target.choices = targets
        target.initial = targets[0][0]
        units = self.fields["units"]
        assert isinstance(units, forms.MultipleChoiceField)
        self.groups = [
            (label, [(value, name) for value, name in items if value != exclude])
            for label, items in _street_units(self.case.street_id, whistle=True)
        ]
        units.choices = self.groups

    def unit_groups(self) -> list[tuple[str, list[Any]]]:
        """The units' checkboxes under their group names (communities, grids, ...)."""
        boxes = {str(box.data["value"]): box for box in self["units"].subwidgets}
        return [
            (label, [boxes[value] for value, _name in items if value in boxes])
            for label, items in self.groups
        ]


class ExtensionRequestForm(ActionForm):
    days = forms.IntegerField(label=_("Extra days"), min_value=1, max_value=90, initial=3)
    reason = _note(_("Reason"))


class VerifyForm(ActionForm):
    ok = forms.TypedChoiceField(
        label=_("Result on site"),
        widget=RADIO,
        coerce=lambda value: value == "yes",
        choices=(
            ("yes", _("Solved: close the case")),
            ("no", _("Not solved: send back for rework")),
        ),
        initial="yes",
    )
    note = _note(_("What you found (required for rework)"))


class RegisterForm(ActionForm):
    category = CategoryField(label=_("Category"), required=False, categories=())

    def __init__(self, *args: Any, categories: Sequence[Category], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        assert isinstance(field, CategoryField)
        field.by_code = {c.code: c for c in categories}
        field.choices = [("", "—"), *category_choices(categories)]
        if self.case.category is not None:
            field.initial = self.case.category.code
        else:
            self._suggest(field, categories)

    def _suggest(self, field: forms.Field, categories: Sequence[Category]) -> None:
        """The classifier's top three at intake: the first chosen, all three named."""
        names = {c.code: category_label(c) for c in categories}
        top = [s for s in self.case.suggested_categories if s.get("category") in names]
        if top:
            field.initial = top[0]["category"]
            field.help_text = _("Suggested: %(list)s") % {
                "list": "、".join(f"{names[s['category']]} {s['score']:.0%}" for s in top)
            }


class UnitChoiceForm(ActionForm):
    """dispatch and redispatch: a unit of the case's street."""

    unit = forms.ChoiceField(label=_("Send to"), choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["unit"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "—"), *_street_units(self.case.street_id)]
        if self.case.grid_id:
            field.initial = f"grid:{self.case.grid_id}"

    def clean_unit(self) -> Model:
        target = unit_target(self.cleaned_data["unit"], self.case.street_id)
        if target is None:
            raise forms.ValidationError(_("Choose a unit of this street."))
        return target


class DispatchForm(UnitChoiceForm):
    note = _note()


class RedispatchForm(UnitChoiceForm):
    reason = _note(_("Reason"))


class DecideExtensionForm(ActionForm):
    approve = forms.TypedChoiceField(
        label=_("Decision"),
        widget=RADIO,
        coerce=lambda value: value == "yes",
        choices=(("yes", _("Grant the extension")), ("no", _("Refuse it"))),
        initial="yes",
    )
    note = _note()


class MergeForm(ActionForm):
    into = forms.CharField(
        label=_("Number of the case it duplicates"),
        max_length=40,
        help_text=_("This case is closed as merged; the other one goes on."),
    )


class RateForm(ActionForm):
    rating = forms.ChoiceField(
        label=_("How was it handled?"), widget=BUTTONS, choices=Rating.choices
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 500}),
    )


ACTION_FORMS: dict[str, type[ActionForm]] = {
    "accept": NoteForm,
    "report": NoteForm,
    "resolve": ResolveForm,
    "whistle": WhistleForm,
    "request_extension": ExtensionRequestForm,
    "return": ReasonForm,
    "verify": VerifyForm,
    "register": RegisterForm,
    "dispatch": DispatchForm,
    "reject": ReasonForm,
    "redispatch": RedispatchForm,
    "decide_extension": DecideExtensionForm,
    "suspend": ReasonForm,
    "resume": EmptyForm,
    "reopen": ReasonForm,
    "merge": MergeForm,
    "rate": RateForm,
}
