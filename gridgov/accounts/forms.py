"""Forms of the people pages: checking input only; the actions decide and write.

The target of a role is chosen from the places and units of the admin's
street(s), as one select grouped by kind ("grid:12", "branch:7", ...);
households, which run to thousands, are typed as "building address / dwelling"
and looked up here.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.contrib.auth.password_validation import password_validators_help_texts
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gridgov.accounts.models import Role
from gridgov.core.errors import ActionError
from gridgov.party.models import OrgKind, PartyOrganisation
from gridgov.places.models import (
    Community,
    Department,
    Grid,
    Household,
    Organisation,
    OrganisationKind,
    Street,
)
from gridgov.web.forms import add_action_errors

HOUSEHOLD = "household"

# The kind of target each role takes: the prefix of the target select's values.
ROLE_GROUP: dict[str, str] = {
    Role.STREET_ADMIN: "street",
    Role.COMMUNITY_ADMIN: "community",
    Role.GRID_WORKER: "grid",
    Role.BRANCH_SECRETARY: "branch",
    Role.DEPARTMENT_CLERK: "department",
    Role.PARTNER_STAFF: "partner",
    Role.ENTERPRISE_CONTACT: "enterprise",
    Role.RESIDENT: HOUSEHOLD,
    Role.HOTLINE: "street",
}

GROUP_LABELS: dict[str, Any] = {
    "street": _("Street"),
    "community": _("Communities"),
    "grid": _("Grids"),
    "branch": _("Grid party branches"),
    "department": _("Street departments"),
    "partner": _("Partner units"),
    "enterprise": _("Enterprises"),
}


def _street_prefix(street_name: str, several: bool) -> str:
    return f"{street_name} · " if several else ""


def target_choices(street_ids: Iterable[int]) -> list[tuple[str, Any]]:
    """The places and units of these streets, grouped by kind (seven queries)."""
    street_ids = set(street_ids)
    several = len(street_ids) > 1
    streets = dict(Street.objects.filter(pk__in=street_ids).values_list("pk", "name"))

    def named(street_id: int, name: str) -> str:
        return _street_prefix(streets.get(street_id, ""), several) + name

    groups: dict[str, list[tuple[str, str]]] = {
        "street": [(f"street:{pk}", name) for pk, name in sorted(streets.items())],
        "community": [
            (f"community:{pk}", named(street_id, name))
            for pk, street_id, name in Community.objects.filter(street_id__in=street_ids)
            .order_by("street_id", "code")
            .values_list("pk", "street_id", "name")
        ],
        # values_list: never load the grids' boundaries for a select.
        "grid": [
            (f"grid:{pk}", named(street_id, f"{community} · {name}"))
            for pk, street_id, community, name in Grid.objects.filter(street_id__in=street_ids)
            .order_by("street_id", "code")
            .values_list("pk", "street_id", "community__name", "name")
        ],
        "branch": [
            (f"branch:{pk}", named(street_id, name))
            for pk, street_id, name in PartyOrganisation.objects.filter(
                street_id__in=street_ids, kind=OrgKind.GRID_BRANCH
            )
            .order_by("street_id", "grid__code")
            .values_list("pk", "street_id", "name")
        ],
        "department": [
            (f"department:{pk}", named(street_id, name))
            for pk, street_id, name in Department.objects.filter(street_id__in=street_ids)
            .order_by("street_id", "code")
            .values_list("pk", "street_id", "name")
        ],
    }
    for group, kind in (
        ("partner", OrganisationKind.PARTNER),
        ("enterprise", OrganisationKind.ENTERPRISE),
    ):
        groups[group] = [
            (f"{group}:{pk}", named(street_id, name))
            for pk, street_id, name in Organisation.objects.filter(
                street_id__in=street_ids, kind=kind
            )
            .order_by("street_id", "name")
            .values_list("pk", "street_id", "name")
        ]
    return [("", _("— choose a place or unit —"))] + [
        (GROUP_LABELS[group], options) for group, options in groups.items() if options
    ]


def resolve_target(value: str) -> Any:
    """The object a target select value names (the value was checked against the choices)."""
    group, _sep, pk = value.partition(":")
    queryset: Any = {
        "street": Street.objects.all(),
        "community": Community.objects.all(),
        "grid": Grid.objects.only("pk", "name", "street_id", "community_id"),
        "branch": PartyOrganisation.objects.filter(kind=OrgKind.GRID_BRANCH),
        "department": Department.objects.all(),
        "partner": Organisation.objects.filter(kind=OrganisationKind.PARTNER),
        "enterprise": Organisation.objects.filter(kind=OrganisationKind.ENTERPRISE),
    }[group]
    return queryset.get(pk=int(pk))


def find_household(text: str, street_ids: Iterable[int]) -> Household:
    """The household "万安一路6号 / 1-101" names inside the given streets.

    Before the slash (or the last space): the building's standard address, its
    end, or the building's name; after it: the dwelling.
    """
    text = (text or "").strip()
    if "/" in text:
        address, _sep, dwelling = text.rpartition("/")
    else:
        address, _sep, dwelling = text.rpartition(" ")
    address, dwelling = address.strip(), dwelling.strip()
    if not address or not dwelling:
        raise forms.ValidationError(
            _("Give the building's address and the dwelling, e.g. 万安一路6号 / 1-101.")
        )
    matches = list(
        Household.objects.filter(street_id__in=set(street_ids), dwelling=dwelling)
        .filter(
            Q(building__address=address)
            | Q(building__name=address)
            | Q(building__address__endswith=address)
        )
        .select_related("building")[:2]
    )
    if not matches:
        raise forms.ValidationError(
            _("No household %(dwelling)s at “%(address)s” in your street.")
            % {"dwelling": dwelling, "address": address}
        )
    if len(matches) > 1:
        raise forms.ValidationError(
            _("Several buildings match “%(address)s”; give the full standard address.")
            % {"address": address}
        )
    return matches[0]


class RoleForm(forms.Form):
    """A role and its place or unit in the admin's street(s)."""

    role = forms.ChoiceField(label=_("Role"))
    target = forms.ChoiceField(
        label=_("Place or unit"),
        required=False,
        help_text=_("Only the places and units that fit the chosen role are accepted."),
    )
    household = forms.CharField(
        label=_("Household (building address / dwelling)"),
        required=False,
        max_length=250,
        help_text=_("For residents, e.g. 万安一路6号 / 1-101."),
    )

    def __init__(self, *args: Any, street_ids: Iterable[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.street_ids = set(street_ids)
        cast(forms.ChoiceField, self.fields["role"]).choices = [
            ("", _("— choose a role —")),
            *Role.choices,
        ]
        cast(forms.ChoiceField, self.fields["target"]).choices = target_choices(self.street_ids)

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        role = cleaned.get("role")
        if not role:
            return cleaned
        group = ROLE_GROUP[role]
        if group == HOUSEHOLD:
            try:
                cleaned["target_object"] = find_household(
                    cleaned.get("household", ""), self.street_ids
                )
            except forms.ValidationError as error:
                self.add_error("household", error)
            return cleaned
        value = cleaned.get("target") or ""
        if not value:
            if "target" not in self.errors:
                self.add_error("target", _("Choose the place or unit for this role."))
        elif value.partition(":")[0] != group:
            self.add_error(
                "target",
                _("The role “%(role)s” needs one of: %(kind)s.")
                % {"role": Role(role).label, "kind": GROUP_LABELS[group]},
            )
        else:
            cleaned["target_object"] = resolve_target(value)
        return cleaned

    def add_action_errors(self, error: ActionError) -> None:
        """The action's refusal beside its field ("target" is the household for residents)."""
        if self.cleaned_data.get("role") == Role.RESIDENT and "target" in error.errors:
            errors = dict(error.errors)
            errors[HOUSEHOLD] = errors.pop("target")
            error = ActionError(error.message, errors)
        add_action_errors(self, error)


def _password_field(label: Any, *, help_text: Any = "") -> forms.CharField:
    return forms.CharField(
        label=label,
        strip=False,
        help_text=help_text,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class PasswordForm(forms.Form):
    """A new password, typed twice; its strength is checked by the action."""

    password = _password_field(_("New password"))
    password_again = _password_field(_("New password again"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].help_text = " ".join(password_validators_help_texts())

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        first, second = cleaned.get("password"), cleaned.get("password_again")
        if first and second and first != second:
            self.add_error("password_again", _("The two passwords differ."))
        return cleaned


class NewPersonForm(PasswordForm, RoleForm):
    """A new account and its first role (clean() runs both parents' checks)."""

    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("Used to sign in: letters, digits and @ . + - _"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
    )
    full_name = forms.CharField(label=_("Full name"), max_length=150, required=False)

    field_order = [
        "username",
        "full_name",
        "password",
        "password_again",
        "role",
        "target",
        "household",
    ]

    def __init__(self, *args: Any, street_ids: Iterable[int], **kwargs: Any) -> None:
        super().__init__(*args, street_ids=street_ids, **kwargs)
        self.fields["password"].label = _("Password")
        self.fields["password_again"].label = _("Password again")
