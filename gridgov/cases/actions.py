"""Actions on cases: intake with routing, and every workflow step (one ledger event each).

Each action locks the case row, checks the move against the workflow table
(``WorkflowError`` → 409), checks that the actor acts for the right unit
(``NotPermitted``), applies the change and appends exactly one ledger event,
all in one transaction.  ``version`` (optional) is the case version the
caller saw: a stale one is a lost race (``Conflict`` → 409).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from gridgov.algorithms.dedupe import cell_number, reading
from gridgov.algorithms.geo import valid_lng_lat
from gridgov.cases import notify, workflow
from gridgov.cases.ledger import append_event
from gridgov.cases.models import (
    Case,
    CaseEvent,
    CaseKind,
    CaseNumberCounter,
    Category,
    Channel,
    Priority,
    Rating,
    Summons,
    Unit,
    UnitKind,
)
from gridgov.cases.photos import check_photos, save_photos
from gridgov.cases.routing import route
from gridgov.cases.units import unit_for, units_of
from gridgov.cases.workflow import Status
from gridgov.core import clock
from gridgov.core.errors import ActionError, NotPermitted
from gridgov.insights.classifier import suggest
from gridgov.places import index
from gridgov.places.models import Building, Grid, Street

# 4000: the Open311 limit; hotline summaries and long letters fit too.
DESCRIPTION_MIN, DESCRIPTION_MAX = 5, 4000


class Conflict(ActionError):
    """Someone else changed the case first (entry points answer 409)."""


def _error(field: str, message: str) -> ActionError:
    return ActionError(message, {field: [message]})


def _required(field: str, value: str) -> str:
    value = (value or "").strip()
    if not value:
        raise _error(field, _("This field is required."))
    return value


def _is_operator(actor: Any) -> bool:
    return actor is None or bool(getattr(actor, "is_superuser", False))


def _acting_unit(actor: Any, candidates: Sequence[Unit | None]) -> Unit:
    """The first candidate unit the actor acts for (the operator acts for any)."""
    units = [unit for unit in candidates if unit is not None]
    if _is_operator(actor) and units:
        return units[0]
    mine = {unit.pk for unit in units_of(actor)}
    for unit in units:
        if unit.pk in mine:
            return unit
    raise NotPermitted(_("You may not do this on this case."))


def _lock(case: Case, version: int | None) -> Case:
    # of=("self",): lock the case row only (PostgreSQL refuses FOR UPDATE on
    # the nullable side of the outer joins that select_related makes).
    locked = (
        Case.objects.select_for_update(of=("self",))
        .select_related("street", "community", "grid", "category", "lead_unit")
        .get(pk=case.pk)
    )
    if version is not None and locked.version != version:
        raise Conflict(_("The case was changed by someone else; reload it and try again."))
    return locked


class _Pending:
    """What intake's steps write at its end: their events (their notices: the worker)."""

    def __init__(self) -> None:
        self.events: list[CaseEvent] = []

    def write(self) -> None:
        CaseEvent.objects.bulk_create(self.events)


def _step(
    case: Case,
    action: str,
    *,
    actor: Any,
    unit: Unit | None,
    note: str = "",
    data: dict[str, Any] | None = None,
    target_units: Sequence[Unit] = (),
    to_status: str | None = None,
    pending: _Pending | None = None,
    **changes: Any,
) -> Case:
    """Apply one workflow move to a locked case and write its ledger event.

    With ``pending`` nothing is written yet: the caller saves the case and
    writes ``pending`` before its transaction ends; the case's notices are
    left to the worker (``notices_pending``).
    """
    try:
        transition = workflow.check(action, case.status)
    except workflow.WorkflowError as exc:
        raise Conflict(
            _("This step is not possible while the case is %(status)s.")
            % {"status": Status(case.status).label}
        ) from exc
    if pending is None and case.notices_pending:
        notify.announce(case)  # the intake's notices first, in the order of the steps
    before = case.status
    case.status = to_status or transition.target or case.status
    case.kpis_pending = True  # the worker moves its KPI counts (insights.kpis)
    for field, value in changes.items():
        setattr(case, field, value)
    event = append_event(
        case,
        action=action,
        actor=actor,
        from_status=before,
        to_status=case.status,
        unit=unit,
        target_units=target_units,
        note=note,
        data=data,
        save=pending is None,
    )
    case.version += 1
    if pending is None:
        case.save()
        notify.case_changed(case, event)
    else:
        pending.events.append(event)
    return case


def _start_clocks(
    case: Case, now: datetime.datetime, resolve_due: datetime.datetime | None = None
) -> dict[str, Any]:
    """The due times of a dispatch; ``resolve_due``: a deadline set outside (12345) wins."""
    category = case.category
    assert category is not None
    return {
        "dispatched_at": now,
        "response_due": now + datetime.timedelta(hours=category.response_hours),
        "resolve_due": resolve_due or now + datetime.timedelta(days=category.resolve_days),
        "accepted_at": None,
    }


def _deadline_data(resolve_due: datetime.datetime | None) -> dict[str, Any] | None:
    """What a dispatch records when the deadline came from outside (the ledger shows why)."""
    return (
        {"resolve_due": resolve_due.isoformat(), "deadline_set_by": "caller"}
        if resolve_due
        else None
    )


# --------------------------------------------------------------------------- intake


def _next_number(street: Street, now: datetime.datetime) -> str:
    day = timezone.localdate(now)
    last = _count_up(street, day)
    if last is None:  # the day's first case makes the row
        try:
            with transaction.atomic():
                CaseNumberCounter.objects.create(street=street, day=day, last=1)
            last = 1
        except IntegrityError:  # another intake made it first
            last = _count_up(street, day)
    assert last is not None
    return f"{street.code}-{day:%Y%m%d}-{last:04d}"


def _count_up(street: Street, day: datetime.date) -> int | None:
    """Add one to the street's counter of ``day`` and return it (None: no counter yet).

    One ``UPDATE ... RETURNING`` (PostgreSQL; SQLite >= 3.35): the row stays
    locked until the transaction ends, so numbers are handed out one at a time.
    """
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {quote(CaseNumberCounter._meta.db_table)} SET {quote('last')} = "
            f"{quote('last')} + 1 WHERE {quote('street_id')} = %s AND {quote('day')} = %s "
            f"RETURNING {quote('last')}",
            [street.pk, connection.ops.adapt_datefield_value(day)],
        )
        row = cursor.fetchone()
    return None if row is None else int(row[0])


# A grid's boundary and the columns stored after it: SQLite reads a column behind a
# big value by walking its overflow pages, so intake reads the grid's names and ids only.
_GRID_TAIL = (
    "geometry",
    "layers",
    "min_lng",
    "min_lat",
    "max_lng",
    "max_lat",
    "area_m2",
    "created_at",
    "updated_at",
)


def _units_at(grid_id: int, community_id: int, street_id: int) -> dict[str, Unit]:
    """The existing units of a grid, its community and its street, by kind; the grid's
    unit with the grid (not its boundary), its community and street: one query."""
    rows = (
        Unit.objects.filter(
            Q(kind=UnitKind.GRID, grid_id=grid_id)
            | Q(kind=UnitKind.COMMUNITY, community_id=community_id)
            | Q(kind=UnitKind.STREET, street_id=street_id)
        )
        .select_related("grid__community", "grid__street")
        .defer(*(f"grid__{name}" for name in _GRID_TAIL))
    )
    return {unit.kind: unit for unit in rows}


def _grid_at(lat: float, lng: float) -> tuple[Grid | None, dict[str, Unit]]:
    """The grid holding the point with its community and street, and their units found."""
    for _attempt in range(2):
        place = index.locate_grid_place(lat, lng)
        if place is None:
            return None, {}
        units = _units_at(*place)
        grid_unit = units.get(UnitKind.GRID)
        if grid_unit is not None and grid_unit.grid is not None:
            grid = grid_unit.grid  # with its community and street, loaded with the unit
            if (grid.community_id, grid.street_id) == place[1:]:
                return grid, units
        else:  # the grid's unit is made when first needed: read the grid itself
            found = (
                Grid.objects.select_related("community", "street")
                .defer(*_GRID_TAIL)
                .filter(pk=place[0])
                .first()
            )
            if found is not None and (found.community_id, found.street_id) == place[1:]:
                return found, units
        # Changed by another process since this one's index was checked: look again.
        index.invalidate()
    return None, {}


def _place_of(
    *,
    lat: float | None,
    lng: float | None,
    building: Building | None,
    street: Street | None,
) -> tuple[Street, Grid | None, str, dict[str, Unit]]:
    """Street and grid of the reported place, why if there is no grid, and units found."""
    if building is not None:
        return building.street, building.grid, "", {}
    if (lat is None) != (lng is None):
        raise _error("lat", _("Give both latitude and longitude."))
    grid: Grid | None = None
    units: dict[str, Unit] = {}
    if lat is not None:
        if not valid_lng_lat(lng, lat):
            raise _error("lat", _("Coordinates out of range."))
        grid, units = _grid_at(float(lat), float(lng))  # type: ignore[arg-type]
    if grid is not None:
        return grid.street, grid, "", units
    if street is None:
        streets = list(Street.objects.all()[:2])
        if len(streets) != 1:
            raise _error("lat", _("Say where the problem is: a point inside a grid or a building."))
        street = streets[0]
    reason = (
        _("The point lies outside every grid: the street's dispatcher decides.")
        if lat is not None
        else _("No place given: the street's dispatcher decides.")
    )
    return street, None, reason, {}


def _classified(
    description: str, *, choose: bool
) -> tuple[Category | None, list[dict[str, Any]], str]:
    """The classifier's top three; with ``choose``, also its category when sure enough (直派)
    and why.

    Below ``GRIDGOV_AUTO_DISPATCH_CONFIDENCE`` the case keeps no category and
    waits for the dispatcher, who sees the suggestions.  The suggestions are
    kept even when the reporter chose a category: the duplicate search reads
    them to tell what a report is about.
    """
    best = suggest([description])[0]
    suggested = [{"category": code, "score": round(score, 4)} for code, score in best.top]
    if not choose:
        return None, suggested, ""
    threshold = settings.GRIDGOV_AUTO_DISPATCH_CONFIDENCE
    category = Category.objects.filter(code=best.category, active=True).first()
    if category is None:
        return None, suggested, ""
    figures = {"category": category.name, "confidence": best.confidence, "threshold": threshold}
    if best.confidence >= threshold:
        sure = _(
            "Classified automatically as %(category)s "
            "(confidence %(confidence).2f ≥ %(threshold).2f)."
        )
        return category, suggested, sure % figures
    unsure = _(
        "The classifier is unsure (best guess %(category)s at %(confidence).2f, "
        "below %(threshold).2f): the street's dispatcher decides."
    )
    return None, suggested, unsure % figures


@transaction.atomic
def submit_case(
    *,
    description: str,
    actor: Any,
    category: Category | None = None,
    lat: float | None = None,
    lng: float | None = None,
    building: Building | None = None,
    address: str = "",
    street: Street | None = None,
    kind: str = CaseKind.DEMAND,
    channel: str = Channel.WEB,
    priority: str = Priority.NORMAL,
    requester_name: str = "",
    requester_phone: str = "",
    anonymous: bool = False,
    photos: Sequence[Any] = (),
    hold: bool = False,
    resolve_due: datetime.datetime | None = None,
    why_waiting: str = "",
    auto_dispatch: bool = True,
) -> Case:
    """Take in a problem or need; route it, and dispatch it at once when the rule is clear (直派).

    With a category and a grid, the case is registered and dispatched to the
    unit the category's handler names there; otherwise it waits for the
    street's dispatcher, with the reason stored.  Nothing accepted is lost:
    a place outside every grid still makes a case.  ``hold`` (a moderated
    Open311 key) skips the automatic register and dispatch: the case waits
    for the street's dispatcher.  ``resolve_due``: a deadline set by the
    sender (a 12345 order): every dispatch uses it instead of the category's.
    ``why_waiting``: the routing reason when the case waits for the dispatcher.
    ``auto_dispatch``: without a category, the classifier may choose one when
    it is sure enough (``GRIDGOV_AUTO_DISPATCH_CONFIDENCE``); False keeps such
    a case for the dispatcher whatever the classifier says.
    """
    description = (description or "").strip()
    if not DESCRIPTION_MIN <= len(description) <= DESCRIPTION_MAX:
        raise _error(
            "description",
            _("Describe the problem in %(min)d to %(max)d characters.")
            % {"min": DESCRIPTION_MIN, "max": DESCRIPTION_MAX},
        )
    for field, value, choices in (
        ("kind", kind, CaseKind.values),
        ("channel", channel, Channel.values),
        ("priority", priority, Priority.values),
    ):
        if value not in choices:
            raise _error(field, _("Unknown value: %s") % value)
    if category is not None and not category.active:
        raise _error("category", _("This category is no longer in use."))
    checked_photos = check_photos(photos)
    the_street, grid, reason, units = _place_of(lat=lat, lng=lng, building=building, street=street)
    choose = category is None and not hold and auto_dispatch
    guess, suggested, classified = _classified(description, choose=choose)
    category = category or guess
    now = clock.now()
    case = Case(
        submitted_at=now,
        deadline_given=resolve_due,
        kind=kind,
        channel=channel,
        priority=priority,
        category=category,
        description=description,
        lat=building.lat if building and lat is None else lat,
        lng=building.lng if building and lng is None else lng,
        geo_cell=None,
        building=building,
        address=(address or (building.address if building else ""))[:300],
        requester=actor if getattr(actor, "pk", None) else None,
        requester_name=requester_name[:50],
        requester_phone=requester_phone[:32],
        anonymous=anonymous,
        street=the_street,
        community_id=grid.community_id if grid else None,
        grid=grid,
        # Its notices are written by the worker (sweep.announce_pending), off the request path.
        notices_pending=True,
        suggested_categories=suggested,
        text_reading=reading(description),
        routing_reason=(
            _("Held for moderation: the street's dispatcher checks it first.")
            if hold
            else reason
            or why_waiting
            or classified
            or _("No category yet: the street's dispatcher decides.")
        ),
    )
    if case.lat is not None and case.lng is not None:
        case.geo_cell = cell_number(case.lat, case.lng)
    if grid is not None and Grid.community.is_cached(grid):
        case.community = grid.community  # loaded with the grid: routing needs no query for it
    dispatcher = units.get(UnitKind.STREET) or unit_for(the_street)
    routed = None
    if category is not None and grid is not None and not hold:
        routed = route(case, category, units)
    # Numbered last, after the reads: the street's counter row stays locked
    # until the transaction ends, and every intake of the street waits for it.
    case.number = _next_number(the_street, now)
    case.save()
    inserted = _column_values(case)
    saved_photos = save_photos(case, checked_photos, actor)
    # The steps below are written together at the end: one UPDATE of the case
    # and one INSERT per table instead of a round of writes per step (inside
    # the transaction nobody can tell the difference; intake is the hot path).
    pending = _Pending()
    submitted = append_event(
        case,
        action="submit",
        actor=actor,
        from_status="",
        to_status=case.status,
        unit=dispatcher,
        data={
            "channel": channel,
            "kind": kind,
            "photos": [p.image.name for p in saved_photos],
            **({"held": True} if hold else {}),
            **({"resolve_due": resolve_due.isoformat()} if resolve_due else {}),
        },
        save=False,
    )
    pending.events.append(submitted)
    case.lead_unit = dispatcher
    if routed is not None:
        lead, why = routed
        case.routing_reason = (f"{classified} {why}" if classified else why)[:300]
        _step(case, "register", actor=None, unit=dispatcher, registered_at=now, pending=pending)
        _step(
            case,
            "dispatch",
            actor=None,
            unit=dispatcher,
            target_units=[lead],
            note=why,
            lead_unit=lead,
            pending=pending,
            data=_deadline_data(resolve_due),
            **_start_clocks(case, now, resolve_due),
        )
    # The columns the steps changed since the INSERT, not the whole row.
    changed = [name for name, value in _column_values(case).items() if inserted[name] != value]
    case.save(update_fields=changed)
    pending.write()
    return case


def _column_values(case: Case) -> dict[str, Any]:
    """The case's column values by attribute name (``lead_unit_id``, not ``lead_unit``)."""
    return {field.attname: getattr(case, field.attname) for field in Case._meta.concrete_fields}


# --------------------------------------------------------------------------- dispatcher


def _dispatcher(case: Case, actor: Any) -> Unit:
    return _acting_unit(actor, [unit_for(case.street)])


@transaction.atomic
def register_case(
    *, case: Case, actor: Any, category: Category | None = None, version: int | None = None
) -> Case:
    """立案: the dispatcher accepts the case for handling (and may set its category)."""
    case = _lock(case, version)
    unit = _dispatcher(case, actor)
    category = category or case.category
    if category is None:
        raise _error("category", _("Choose a category before registering."))
    return _step(
        case, "register", actor=actor, unit=unit, category=category, registered_at=clock.now()
    )


@transaction.atomic
def reject_case(*, case: Case, actor: Any, reason: str, version: int | None = None) -> Case:
    """不予受理: refused, with the reason the requester will read."""
    reason = _required("reason", reason)
    case = _lock(case, version)
    return _step(case, "reject", actor=actor, unit=_dispatcher(case, actor), note=reason)


def _check_unit(case: Case, unit: Unit) -> None:
    if unit.street_id != case.street_id:
        raise _error("unit", _("That unit belongs to another street."))


@transaction.atomic
def dispatch_case(
    *, case: Case, actor: Any, unit: Unit, note: str = "", version: int | None = None
) -> Case:
    """派遣: the dispatcher sends a registered case to a unit; the clocks start."""
    case = _lock(case, version)
    dispatcher = _dispatcher(case, actor)
    _check_unit(case, unit)
    if case.category is None:
        raise _error("category", _("Choose a category before dispatching."))
    now = clock.now()
    reason = note.strip() or _("Dispatched by the street's dispatcher.")
    deadline = case.deadline_given
    return _step(
        case,
        "dispatch",
        actor=actor,
        unit=dispatcher,
        target_units=[unit],
        note=note,
        lead_unit=unit,
        routing_reason=reason[:300],
        data=_deadline_data(deadline),
        **_start_clocks(case, now, deadline),
    )


@transaction.atomic
def redispatch_case(
    *, case: Case, actor: Any, unit: Unit, reason: str, version: int | None = None
) -> Case:
    """改派: the dispatcher sends the case to another unit (after 回退, or to override)."""
    reason = _required("reason", reason)
    case = _lock(case, version)
    dispatcher = _dispatcher(case, actor)
    _check_unit(case, unit)
    # Only an uncategorised case (never dispatched) lacks a category: _step refuses it (409).
    deadline = case.deadline_given if case.category is not None else None
    clocks = _start_clocks(case, clock.now(), deadline) if case.category is not None else {}
    return _step(
        case,
        "redispatch",
        actor=actor,
        unit=dispatcher,
        target_units=[unit],
        note=reason,
        lead_unit=unit,
        routing_reason=reason[:300],
        data=_deadline_data(deadline),
        **clocks,
    )


@transaction.atomic
def suspend_case(*, case: Case, actor: Any, reason: str, version: int | None = None) -> Case:
    """挂账: seasonal or engineering work; out of the rate denominators until resumed."""
    reason = _required("reason", reason)
    case = _lock(case, version)
    return _step(
        case,
        "suspend",
        actor=actor,
        unit=_dispatcher(case, actor),
        note=reason,
        data={"resume_to": case.status},
    )


@transaction.atomic
def resume_case(*, case: Case, actor: Any, version: int | None = None) -> Case:
    case = _lock(case, version)
    unit = _dispatcher(case, actor)
    last = case.events.filter(action="suspend").order_by("-sequence").first()
    back_to = (last.data.get("resume_to") if last else None) or Status.REGISTERED
    # 挂账 time does not count against the handlers: the clocks that were running
    # when the case was suspended move on by the time it spent suspended.
    changes: dict[str, Any] = {}
    paused = clock.now() - last.created_at if last else datetime.timedelta(0)
    if paused > datetime.timedelta(0):
        if case.response_due and not case.accepted_at:
            changes["response_due"] = case.response_due + paused
        if case.resolve_due and not case.resolved_at:
            changes["resolve_due"] = case.resolve_due + paused
    data = {"paused_seconds": int(paused.total_seconds())} if changes else None
    return _step(case, "resume", actor=actor, unit=unit, to_status=back_to, data=data, **changes)


@transaction.atomic
def merge_case(*, case: Case, actor: Any, into: Case, version: int | None = None) -> Case:
    """Mark ``case`` as a duplicate of ``into`` (the surviving case)."""
    case = _lock(case, version)
    unit = _dispatcher(case, actor)
    if into.pk == case.pk or into.street_id != case.street_id:
        raise _error("into", _("Merge into another case of the same street."))
    if into.status in (Status.MERGED, Status.REJECTED):
        raise _error("into", _("That case is itself closed as merged or rejected."))
    return _step(
        case, "merge", actor=actor, unit=unit, merged_into=into, data={"into": into.number}
    )


@transaction.atomic
def decide_extension(
    *, case: Case, actor: Any, approve: bool, note: str = "", version: int | None = None
) -> Case:
    """延期: the dispatcher approves or refuses the lead unit's request."""
    case = _lock(case, version)
    unit = _dispatcher(case, actor)
    days = case.extension_days_requested
    if not days:
        raise _error("approve", _("No extension was requested."))
    changes: dict[str, Any] = {"extension_days_requested": None}
    if approve and case.resolve_due is not None:
        changes["resolve_due"] = case.resolve_due + datetime.timedelta(days=days)
    return _step(
        case,
        "decide_extension",
        actor=actor,
        unit=unit,
        note=note,
        data={"approved": approve, "days": days},
        **changes,
    )


# --------------------------------------------------------------------------- handling units


def _lead(case: Case, actor: Any) -> Unit:
    return _acting_unit(actor, [case.lead_unit])


def _handlers(case: Case) -> list[Unit | None]:
    """The lead unit and every unit whistled in (co-handlers until the case closes)."""
    return [case.lead_unit, *(s.unit for s in case.summonses.select_related("unit"))]


@transaction.atomic
def accept_case(*, case: Case, actor: Any, note: str = "", version: int | None = None) -> Case:
    """响应: the lead unit makes first contact."""
    case = _lock(case, version)
    return _step(
        case, "accept", actor=actor, unit=_lead(case, actor), note=note, accepted_at=clock.now()
    )


@transaction.atomic
def return_case(*, case: Case, actor: Any, reason: str, version: int | None = None) -> Case:
    """回退: "not ours"; the dispatcher re-dispatches."""
    reason = _required("reason", reason)
    case = _lock(case, version)
    unit = _lead(case, actor)
    return _step(
        case, "return", actor=actor, unit=unit, note=reason, lead_unit=unit_for(case.street)
    )


def _level_above(case: Case, unit: Unit) -> Unit:
    if unit.kind == UnitKind.GRID and case.community is not None:
        return unit_for(case.community)
    return unit_for(case.street)


@transaction.atomic
def whistle(
    *,
    case: Case,
    actor: Any,
    reason: str,
    up: bool = False,
    units: Sequence[Unit] = (),
    version: int | None = None,
) -> Case:
    """吹哨: summon the level above or named units; each must report for duty in time."""
    reason = _required("reason", reason)
    case = _lock(case, version)
    caller = _acting_unit(actor, _handlers(case))
    called = [_level_above(case, caller)] if up else list(units)
    if not called:
        raise _error("units", _("Whistle up, or name the units to summon."))
    for unit in called:
        _check_unit(case, unit)
        if unit.pk == caller.pk:
            raise _error("units", _("A unit cannot summon itself."))
    now = clock.now()
    due = now + datetime.timedelta(minutes=settings.GRIDGOV_REPORT_FOR_DUTY_MINUTES)
    for unit in called:
        Summons.objects.update_or_create(
            case=case,
            unit=unit,
            defaults={
                "summoned_by": caller,
                "reason": reason[:500],
                "summoned_at": now,
                "due_at": due,
                "reported_at": None,
            },
        )
    return _step(
        case,
        "whistle",
        actor=actor,
        unit=caller,
        target_units=called,
        note=reason,
        data={"up": up, "report_due": due.isoformat()},
    )


@transaction.atomic
def report_for_duty(*, case: Case, actor: Any, note: str = "", version: int | None = None) -> Case:
    """报到: a summoned unit answers the whistle; it stays a co-handler (事不完、人不撤)."""
    case = _lock(case, version)
    pending = {
        s.unit_id: s for s in case.summonses.filter(reported_at__isnull=True).select_related("unit")
    }
    unit = _acting_unit(actor, [s.unit for s in pending.values()])
    summons = pending[unit.pk]
    now = clock.now()
    summons.reported_at = now
    summons.save(update_fields=["reported_at"])
    return _step(
        case, "report", actor=actor, unit=unit, note=note, data={"late": now > summons.due_at}
    )


@transaction.atomic
def request_extension(
    *, case: Case, actor: Any, days: int, reason: str, version: int | None = None
) -> Case:
    reason = _required("reason", reason)
    if not isinstance(days, int) or not 1 <= days <= 90:
        raise _error("days", _("Ask for 1 to 90 days."))
    case = _lock(case, version)
    unit = _lead(case, actor)
    if case.extension_days_requested:
        raise _error("days", _("An extension request is already waiting for a decision."))
    return _step(
        case,
        "request_extension",
        actor=actor,
        unit=unit,
        note=reason,
        data={"days": days},
        extension_days_requested=days,
    )


@transaction.atomic
def resolve_case(*, case: Case, actor: Any, reply: str, version: int | None = None) -> Case:
    """办结: the lead unit or a co-handler gives the reply; the lead unit stays responsible."""
    reply = _required("reply", reply)
    case = _lock(case, version)
    unit = _acting_unit(actor, _handlers(case))
    return _step(
        case, "resolve", actor=actor, unit=unit, note=reply, reply=reply, resolved_at=clock.now()
    )


def _supervisors(case: Case) -> list[Unit | None]:
    """Who verifies on site: the grid, the community or the street office."""
    return [
        unit_for(case.grid) if case.grid else None,
        unit_for(case.community) if case.community else None,
        unit_for(case.street),
    ]


@transaction.atomic
def verify_case(
    *, case: Case, actor: Any, ok: bool, note: str = "", version: int | None = None
) -> Case:
    """核查结案: closed when the result holds on site, else rework (返工) back to dispatched."""
    case = _lock(case, version)
    unit = _acting_unit(actor, _supervisors(case))
    if ok:
        return _step(case, "verify", actor=actor, unit=unit, note=note, closed_at=clock.now())
    note = _required("note", note)
    return _step(
        case, "rework", actor=actor, unit=unit, note=note, resolved_at=None, accepted_at=None
    )


@transaction.atomic
def reopen_case(*, case: Case, actor: Any, reason: str, version: int | None = None) -> Case:
    """重新办理: the dispatcher reopens a closed case to its lead unit; the clocks restart."""
    reason = _required("reason", reason)
    case = _lock(case, version)
    unit = _dispatcher(case, actor)
    changes: dict[str, Any] = {"accepted_at": None}
    if case.category is not None:
        changes.update(_start_clocks(case, clock.now()))
    return _step(
        case,
        "reopen",
        actor=actor,
        unit=unit,
        note=reason,
        target_units=[case.lead_unit] if case.lead_unit else [],
        reopen_count=case.reopen_count + 1,
        rating="",
        rating_comment="",
        rated_at=None,
        closed_at=None,
        resolved_at=None,
        **changes,
    )


# --------------------------------------------------------------------------- requester


@transaction.atomic
def rate_case(
    *, case: Case, actor: Any, rating: str, comment: str = "", version: int | None = None
) -> Case:
    """回访评价: the requester rates a closed case; 不满意 reopens it once (policy)."""
    if rating not in Rating.values:
        raise _error("rating", _("Choose satisfied, basically satisfied or unsatisfied."))
    case = _lock(case, version)
    if actor is None or case.requester_id != getattr(actor, "pk", None):
        raise NotPermitted(_("Only the requester rates a case."))
    if case.rating:
        raise Conflict(_("This case has been rated already."))
    now = clock.now()
    _step(
        case,
        "rate",
        actor=actor,
        unit=None,
        note=comment[:500],
        data={"rating": rating},
        rating=rating,
        rating_comment=comment[:500],
        rated_at=now,
    )
    if rating == Rating.UNSATISFIED and case.reopen_count < settings.GRIDGOV_REOPENS_ON_UNSATISFIED:
        _step(
            case,
            "reopen",
            actor=actor,
            unit=None,
            note=comment[:500],
            reopen_count=case.reopen_count + 1,
            rating="",
            rating_comment="",
            rated_at=None,
            closed_at=None,
            resolved_at=None,
            accepted_at=None,
        )
    return case
