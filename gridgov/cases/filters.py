"""Filters of the case ledger (台账): one form and one function for the web list, exports and API.

``filter_cases(queryset, params, user=...)`` checks the parameters with
:class:`CaseFilterForm` and narrows an already scoped queryset (always start
from ``Case.objects.visible_to(user)``: a filter never widens what a user
sees).  Parameters (all optional, names shared by the ledger page, its Excel
exports, the case map and ``GET /api/v1/cases``):

``q``               case number or words of the description
``community``       community id;  ``grid``: grid id
``unit``            handling unit id: the lead unit or a unit whistled in
``category``        category code (e.g. ``env.sanitation``)
``status``          one or more statuses (repeat the parameter)
``channel``         intake channel (``web``, ``hotline``, ...)
``submitted_from``, ``submitted_to``  dates (YYYY-MM-DD, local time, inclusive)
``overdue``         ``now`` (over a time limit while dispatched or accepted;
                    ``true``/``1``/``yes`` mean the same), ``late`` (resolved
                    after its resolution limit), ``any`` (either)

The overdue rules live here too (:func:`overdue_q`, :func:`due_soon_q`) so that
the workbench, the ledger and the API count the same cases.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any

from django import forms
from django.db.models import F, Q, QuerySet
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.cases.models import Case, Category, Channel, Summons, Unit
from gridgov.cases.workflow import OPEN_HANDLING, Status
from gridgov.core import clock
from gridgov.places.models import Community, Grid

# Statuses in which a case is still someone's work (the map, "open cases" queues).
CLOSED_STATUSES = (Status.CLOSED, Status.REJECTED, Status.MERGED)
OPEN_STATUSES = tuple(s for s in Status if s not in CLOSED_STATUSES)
# Words that mean "overdue now" for callers that send a boolean (the API).
_TRUE = {"true", "1", "yes", "on"}
_FALSE = {"false", "0", "no", "off"}


def overdue_q(now: datetime.datetime) -> Q:
    """Over a time limit: no first contact by ``response_due``, or unresolved by ``resolve_due``.

    Only while the clocks run (dispatched or accepted); an accepted case has
    met its response limit, so only its resolution limit counts.
    """
    return Q(status=Status.DISPATCHED, response_due__lt=now) | Q(
        status__in=OPEN_HANDLING, resolve_due__lt=now
    )


def due_soon_q(now: datetime.datetime, hours: int = 24) -> Q:
    """Not overdue yet, but a response or resolution limit falls within ``hours``."""
    soon = now + datetime.timedelta(hours=hours)
    return (
        Q(status=Status.DISPATCHED, response_due__gte=now, response_due__lt=soon)
        | Q(status__in=OPEN_HANDLING, resolve_due__gte=now, resolve_due__lt=soon)
    ) & ~overdue_q(now)


def late_q() -> Q:
    """Resolved after the resolution limit (超期办结)."""
    return Q(resolved_at__isnull=False, resolve_due__isnull=False, resolved_at__gt=F("resolve_due"))


class GridChoiceField(forms.ModelChoiceField):
    """Grids named with their community: two communities may both have a "第一网格"."""

    def label_from_instance(self, obj: Any) -> str:
        community = obj.community.name
        return obj.name if obj.name.startswith(community) else f"{community} · {obj.name}"


class CaseFilterForm(forms.Form):
    """The ledger's filters; the choice lists hold only what ``user`` may see."""

    q = forms.CharField(label=_("Number or text"), required=False, max_length=100)
    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=Community.objects.none(),
        required=False,
        empty_label=_("All communities"),
    )
    grid = GridChoiceField(
        label=_("Grid"), queryset=Grid.objects.none(), required=False, empty_label=_("All grids")
    )
    unit = forms.ModelChoiceField(
        label=_("Handling unit"),
        queryset=Unit.objects.none(),
        required=False,
        empty_label=_("All units"),
    )
    category = forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=False,
        to_field_name="code",
        empty_label=_("All categories"),
    )
    status = forms.MultipleChoiceField(
        label=_("Status"),
        choices=Status.choices,
        required=False,
        help_text=_("Hold Ctrl to choose several."),
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("All channels")), *Channel.choices], required=False
    )
    submitted_from = forms.DateField(
        label=_("Submitted from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    submitted_to = forms.DateField(
        label=_("Submitted until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    overdue = forms.ChoiceField(
        label=_("Time limits"),
        choices=[
            ("", _("Any")),
            ("now", _("Overdue now")),
            ("late", _("Resolved late")),
            ("any", _("Overdue now or resolved late")),
        ],
        required=False,
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        communities = Community.objects.all()
        grids = Grid.objects.all()
        units = Unit.objects.all()
        if user is not None:
            communities = communities.visible_to(user)
            grids = grids.visible_to(user)
            units = units.visible_to(user)
        fields = self.fields
        fields["community"].queryset = communities.only("id", "name").order_by(  # type: ignore[attr-defined]
            "street_id", "code"
        )
        fields["grid"].queryset = (  # type: ignore[attr-defined]
            grids.select_related("community")
            .only("id", "name", "community__name")
            .order_by("street_id", "code")
        )
        fields["unit"].queryset = units.order_by("street_id", "kind", "name")  # type: ignore[attr-defined]
        fields["category"].queryset = Category.objects.order_by("code")  # type: ignore[attr-defined]

    def full_clean(self) -> None:
        if self.is_bound:
            self.data = _normalised(self.data)
        super().full_clean()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("submitted_from"), cleaned.get("submitted_to")
        if start and end and start > end:
            self.add_error("submitted_to", _("The end of the period is before its start."))
        return cleaned

    def is_filtered(self) -> bool:
        """Did the caller narrow the list (for the "clear filters" link)?"""
        if not self.is_bound or not hasattr(self, "cleaned_data"):
            return False
        return any(value not in (None, "", []) for value in self.cleaned_data.values())


def _normalised(data: Any) -> QueryDict:
    """API conveniences: ``overdue=true`` means "overdue now"; ``status=a,b`` two statuses."""
    query = _as_query_dict(data).copy()
    raw = str(query.get("overdue", "")).strip().lower()
    if raw in _TRUE | _FALSE:
        query["overdue"] = "now" if raw in _TRUE else ""
    if "status" in query:
        statuses = [s.strip() for v in query.getlist("status") for s in v.split(",")]
        query.setlist("status", [s for s in statuses if s])
    return query


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _as_query_dict(params: Mapping[str, Any] | None) -> QueryDict:
    """Any mapping (a QueryDict, a dict from the API) as a QueryDict; lists stay lists."""
    if isinstance(params, QueryDict):
        return params
    query = QueryDict(mutable=True)
    for key, value in (params or {}).items():
        if value is None:
            continue
        if isinstance(value, list | tuple | set):
            query.setlist(key, [str(v) for v in value])
        elif isinstance(value, bool):
            query[key] = "true" if value else "false"
        else:
            query[key] = str(value)
    return query


def apply_filters(
    queryset: QuerySet[Case], cleaned: Mapping[str, Any], now: datetime.datetime | None = None
) -> QuerySet[Case]:
    """Narrow ``queryset`` by a valid form's ``cleaned_data``."""
    now = now or clock.now()
    text = (cleaned.get("q") or "").strip()
    if text:
        queryset = queryset.filter(Q(number__icontains=text) | Q(description__icontains=text))
    if cleaned.get("community"):
        queryset = queryset.filter(community=cleaned["community"])
    if cleaned.get("grid"):
        queryset = queryset.filter(grid=cleaned["grid"])
    if cleaned.get("unit"):
        unit = cleaned["unit"]
        queryset = queryset.filter(
            Q(lead_unit=unit) | Q(pk__in=Summons.objects.filter(unit=unit).values("case_id"))
        )
    if cleaned.get("category"):
        queryset = queryset.filter(category=cleaned["category"])
    if cleaned.get("status"):
        queryset = queryset.filter(status__in=cleaned["status"])
    if cleaned.get("channel"):
        queryset = queryset.filter(channel=cleaned["channel"])
    if cleaned.get("submitted_from"):
        queryset = queryset.filter(submitted_at__gte=_local_midnight(cleaned["submitted_from"]))
    if cleaned.get("submitted_to"):
        end = cleaned["submitted_to"] + datetime.timedelta(days=1)
        queryset = queryset.filter(submitted_at__lt=_local_midnight(end))
    overdue = cleaned.get("overdue")
    if overdue == "now":
        queryset = queryset.filter(overdue_q(now))
    elif overdue == "late":
        queryset = queryset.filter(late_q())
    elif overdue == "any":
        queryset = queryset.filter(overdue_q(now) | late_q())
    return queryset


def filter_cases(
    queryset: QuerySet[Case],
    params: Mapping[str, Any] | None,
    *,
    user: Any = None,
    now: datetime.datetime | None = None,
) -> tuple[QuerySet[Case], CaseFilterForm]:
    """(the filtered queryset, the bound form).

    With invalid parameters the queryset is empty and ``form.errors`` says
    why, field by field (the API answers 400 with them).  ``user`` limits
    the form's choice lists (and accepted ids) to what the user may see.
    """
    form = CaseFilterForm(_as_query_dict(params), user=user)
    if not form.is_valid():
        return queryset.none(), form
    return apply_filters(queryset, form.cleaned_data, now), form
