"""API for cases: report, list, read, the ledger of a case, act on it, and the handling units.

Every case comes from ``Case.objects.visible_to(caller)`` (staff of its
place, the units handling it, its requester); anything else answers 404,
like a missing case.  Writes call the actions in :mod:`gridgov.cases.actions`
(the web pages call the same ones): a refused input answers 400 with
messages per field, a wrong role 404, a move the workflow does not allow or
a lost race (stale ``version``) 409.

No ``from __future__ import annotations`` here: ninja builds its request
models from the evaluated signatures of the views.
"""

import datetime
import json
from collections.abc import Callable
from typing import Annotated, Any, cast

import pydantic
from django.db.models import BooleanField, Exists, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.db.models import Case as SqlCase
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from ninja import Body, Query, Router
from ninja import Status as Reply
from ninja.errors import HttpError, ValidationError
from ninja.pagination import paginate

from gridgov.accounts.models import Role, RoleAssignment
from gridgov.cases import actions
from gridgov.cases.filters import filter_cases, overdue_q
from gridgov.cases.models import Case, CaseEvent, CasePhoto, Category, Summons, Unit, UnitKind
from gridgov.cases.permissions import actions_for
from gridgov.cases.schemas import ActionIn, CaseDetailOut, CaseIn, CaseOut, EventOut, UnitOut
from gridgov.cases.units import ensure_units, units_of
from gridgov.cases.workflow import OPEN_HANDLING, TRANSITIONS, Status
from gridgov.core import clock
from gridgov.core.api_auth import auth_user
from gridgov.core.api_schemas import READ_ERRORS, ActionErrorOut, ApiPagination, ErrorOut
from gridgov.core.errors import ActionError
from gridgov.core.scoping import scope_filter, scope_for
from gridgov.places.models import Building, Street

router = Router(tags=["cases"])

WRITE_ERRORS: dict[int, Any] = {400: ActionErrorOut, 401: ErrorOut, 404: ErrorOut}
# Roles that act for a handling unit (dispatch, whistle, report for duty).
HANDLING_ROLES = (
    Role.STREET_ADMIN,
    Role.COMMUNITY_ADMIN,
    Role.GRID_WORKER,
    Role.BRANCH_SECRETARY,
    Role.DEPARTMENT_CLERK,
    Role.PARTNER_STAFF,
)


def _field_error(field: str, message: str) -> ActionError:
    return ActionError(message, {field: [message]})


# --------------------------------------------------------------------------- reading


def _requester_condition(user: Any) -> Q | None:
    """Cases whose requester ``user`` may see (None: all).

    Staff of the case's place, the units handling it (lead or whistled in)
    and the requester; an anonymous requester is hidden from everyone else.
    """
    scope = scope_for(user)
    if scope.everything:
        return None
    condition = (scope_filter(Case.scope_rule, scope) or Q()) | Q(requester_id=user.pk)
    unit_ids = [unit.pk for unit in units_of(user)]
    if unit_ids:
        summoned = Summons.objects.filter(case_id=OuterRef("pk"), unit_id__in=unit_ids)
        condition |= Q(lead_unit_id__in=unit_ids) | Q(Exists(summoned))
    return condition


def _flag(condition: Q | None) -> Any:
    if condition is None:
        return Value(True)
    return SqlCase(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


def cases_for(user: Any, *, scoped: bool = True) -> QuerySet[Case]:
    """Cases ``user`` may read, with what a row shows joined in (one query a page)."""
    rows = Case.objects.visible_to(user) if scoped else Case.objects.all()
    return (
        rows.select_related("category", "street", "community", "grid", "lead_unit", "requester")
        .defer("grid__geometry", "grid__layers")
        .annotate(
            show_requester=_flag(_requester_condition(user)),
            overdue=_flag(overdue_q(clock.now())),
        )
    )


def _photo_url(name: str, photo: CasePhoto) -> str | None:
    """The URL of the page serving a photo (``case-photo``) or its thumbnail (``case-thumb``),
    or None where the case pages are not installed."""
    try:
        return reverse(name, kwargs={"pk": photo.case_id, "photo_id": photo.pk})
    except NoReverseMatch:
        return None


def _is_dispatcher(case: Case, user: Any) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    return any(
        unit.kind == UnitKind.STREET and unit.street_id == case.street_id for unit in units_of(user)
    )


def _with_detail(
    case: Case,
    user: Any,
    *,
    summonses: list[Summons] | None = None,
    photos: list[CasePhoto] | None = None,
) -> Case:
    """Attach co-handlers, photos and the caller's allowed actions to a loaded case
    (its summonses and photos are read unless given)."""
    now = clock.now()
    summonses = list(case.summonses.all()) if summonses is None else summonses
    case.co_handlers = [  # type: ignore[attr-defined]
        {
            "unit": summons.unit,
            "summoned_by": summons.summoned_by,
            "reason": summons.reason,
            "summoned_at": summons.summoned_at,
            "due_at": summons.due_at,
            "reported_at": summons.reported_at,
            "state": (
                "reported"
                if summons.reported_at is not None
                else ("overdue" if summons.due_at < now else "awaiting")
            ),
        }
        for summons in summonses
    ]
    case.photo_list = [  # type: ignore[attr-defined]
        {
            "id": photo.pk,
            "content_type": photo.content_type,
            "width": photo.width,
            "height": photo.height,
            "size": photo.size,
            "url": _photo_url("case-photo", photo),
            "thumbnail_url": _photo_url("case-thumb", photo),
        }
        for photo in (case.photos.all() if photos is None else photos)
    ]
    allowed = list(actions_for(case, user, summonses))
    # The dispatcher's reopen of a closed case (the rating's reopen happens by itself).
    if (
        "reopen" not in allowed
        and case.status in TRANSITIONS["reopen"].sources
        and _is_dispatcher(case, user)
    ):
        allowed.append("reopen")
    case.allowed_actions = allowed  # type: ignore[attr-defined]
    return case


def _detail_queryset(user: Any, *, scoped: bool = True) -> QuerySet[Case]:
    return (
        cases_for(user, scoped=scoped)
        .select_related("merged_into")
        .prefetch_related(
            Prefetch(
                "summonses",
                queryset=Summons.objects.select_related("unit", "summoned_by").order_by(
                    "summoned_at", "id"
                ),
            ),
            "photos",
        )
    )


def case_detail(user: Any, case_id: int, *, scoped: bool = True) -> Case:
    """One case as ``GET /cases/{id}`` shows it to ``user`` (Http404 outside their scope)."""
    return _with_detail(get_object_or_404(_detail_queryset(user, scoped=scoped), pk=case_id), user)


def _is_overdue(case: Case, now: datetime.datetime) -> bool:
    """``overdue_q`` for a case in memory."""
    if case.status == Status.DISPATCHED and case.response_due and case.response_due < now:
        return True
    return bool(case.status in OPEN_HANDLING and case.resolve_due and case.resolve_due < now)


def new_case_detail(case: Case, user: Any, *, with_photos: bool) -> Case:
    """``case_detail`` of the case ``user`` has just submitted, made from the case in memory.

    Intake's answer, without reading back what it wrote: the caller is the
    requester (shown), a new case has no co-handlers, and photos only if some
    were sent.
    """
    case.show_requester = True  # type: ignore[attr-defined]
    case.overdue = _is_overdue(case, clock.now())  # type: ignore[attr-defined]
    photos = list(case.photos.all()) if with_photos else []
    return _with_detail(case, user, summonses=[], photos=photos)


@router.get(
    "/cases",
    response={200: list[CaseOut], 400: ActionErrorOut, **READ_ERRORS},
    summary="List cases",
)
@paginate(ApiPagination)
def list_cases(
    request: HttpRequest,
    status: Annotated[
        list[str] | None,
        Query(description="Statuses (repeat the parameter, or separate with commas)."),
    ] = None,
    category: str | None = Query(None, description="Category code, e.g. env.sanitation."),
    community: int | None = Query(None, description="Community id."),
    grid: int | None = Query(None, description="Grid id."),
    unit: int | None = Query(None, description="Handling unit id: the lead unit or one summoned."),
    channel: str | None = Query(None, description="Intake channel (web, app, hotline, ...)."),
    overdue: str | None = Query(
        None,
        description="true (or now): over a time limit while being handled; late: resolved "
        "after its limit; any: either.",
    ),
    since: Annotated[
        datetime.date | None, Query(description="Submitted on or after (local date).")
    ] = None,
    until: Annotated[
        datetime.date | None, Query(description="Submitted on or before (local date).")
    ] = None,
    q: str | None = Query(None, description="Case number or words of the description."),
) -> QuerySet[Case]:
    """Cases the caller may read, newest first; the filters are the ledger's (台账).

    A filter naming something unknown or outside the caller's view answers
    400 with a message for that parameter.
    """
    user = auth_user(request)
    params = {
        "status": status,
        "category": category,
        "community": community,
        "grid": grid,
        "unit": unit,
        "channel": channel,
        "overdue": overdue,
        "submitted_from": since,
        "submitted_to": until,
        "q": q,
    }
    rows, form = filter_cases(cases_for(user), params, user=user)
    if form.errors:
        names = {"submitted_from": "since", "submitted_to": "until"}
        errors = {
            names.get(field, field): [str(message) for message in messages]
            for field, messages in form.errors.items()
        }
        raise ActionError(_("Check the filters."), errors)
    return rows


@router.get("/cases/{case_id}", response={200: CaseDetailOut, **READ_ERRORS}, summary="One case")
def get_case(request: HttpRequest, case_id: int) -> Case:
    """One case with its co-handlers (whistled-in units and their report for duty), photos
    and ``allowed_actions``: what the caller may do on it now."""
    return case_detail(auth_user(request), case_id)


@router.get(
    "/cases/{case_id}/events",
    response={200: list[EventOut], **READ_ERRORS},
    summary="The ledger of one case",
)
@paginate(ApiPagination)
def list_events(request: HttpRequest, case_id: int) -> QuerySet[CaseEvent] | list[CaseEvent]:
    """The case's ledger events (台账) in order: every accepted step, who, which unit, why."""
    user = auth_user(request)
    case = get_object_or_404(cases_for(user), pk=case_id)
    events = CaseEvent.objects.filter(case_id=case.pk).select_related("unit").order_by("sequence")
    if getattr(case, "show_requester", False) or case.requester_id is None:
        return events
    # The requester is hidden from this caller: so is their name on their own steps.
    rows = list(events)
    for event in rows:
        if event.actor_id == case.requester_id:
            event.actor_name = _("the requester")
    return rows


# --------------------------------------------------------------------------- intake


def _intake_input(request: HttpRequest) -> tuple[CaseIn, list[Any]]:
    """The report's fields from a JSON body or a (multipart) form, and the photos."""
    if request.content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        data: Any = {
            key: request.POST.get(key)
            for key in request.POST
            if key == "description" or request.POST.get(key) != ""
        }
        files = request.FILES.getlist("photos")
    else:
        try:
            data = json.loads(request.body or b"{}")
        except ValueError as exc:
            raise HttpError(400, "Cannot parse request body") from exc
        files = []
    if not isinstance(data, dict):
        raise ValidationError(
            [{"type": "dict_type", "loc": ["body"], "msg": "Input should be an object"}]
        )
    try:
        return CaseIn.model_validate(data), files
    except pydantic.ValidationError as exc:
        errors = []
        for error in exc.errors(include_url=False, include_input=False, include_context=False):
            errors.append({**error, "loc": ["body", *error["loc"]]})
        raise ValidationError(errors) from exc


def _street_ids(user: Any, roles: list[RoleAssignment]) -> set[int]:
    """The streets the user has any role in (every street for an operator).

    ``roles``: the user's active role assignments; each one's street is public
    to them (``scope_for(user).public_street_ids``, without reading them twice).
    """
    if getattr(user, "is_superuser", False):
        return set(Street.objects.values_list("pk", flat=True))
    return {role.street_id for role in roles}


def _only_street(street_ids: set[int]) -> Street | None:
    """The caller's one street, read only if intake needs it (a place outside every grid)."""
    if len(street_ids) != 1:
        return None
    street_id = next(iter(street_ids))
    return cast(Street, SimpleLazyObject(lambda: Street.objects.get(pk=street_id)))


def _category(code: str | None) -> Category | None:
    code = (code or "").strip()
    if not code:
        return None
    category = Category.objects.filter(code=code).first()
    if category is None:
        raise _field_error("category", _("Unknown category: %s") % code)
    return category


def _intake_body() -> dict[str, Any]:
    """The request body of ``POST /cases`` for the OpenAPI document (parsed by hand)."""
    fields = CaseIn.model_json_schema()
    with_photos = {
        **fields,
        "properties": {
            **fields["properties"],
            "photos": {
                "type": "array",
                "items": {"type": "string", "format": "binary"},
                "description": "Photos: JPEG, PNG or WebP.",
            },
        },
    }
    return {
        "required": True,
        "content": {
            "application/json": {"schema": fields},
            "multipart/form-data": {"schema": with_photos},
        },
    }


@router.post(
    "/cases",
    response={201: CaseDetailOut, **WRITE_ERRORS},
    summary="Report a problem or need",
    openapi_extra={"requestBody": _intake_body()},
)
def create_case(request: HttpRequest) -> Reply[Case]:
    """Take in a case (JSON, or multipart form fields with ``photos`` files).

    With a category and a place inside a grid the case is routed and
    dispatched at once (直派): the answer names the lead unit, the due times
    and the routing reason.  Otherwise it waits for the street's dispatcher.
    ``building_id`` must be a building of a street the caller has a role in.
    """
    user = auth_user(request)
    payload, photos = _intake_input(request)
    # Read once: the caller's streets now, their units for ``allowed_actions`` after.
    roles = list(RoleAssignment.objects.filter(user_id=user.pk, active=True))
    streets = _street_ids(user, roles)
    building = None
    if payload.building_id is not None:
        building = (
            Building.objects.filter(pk=payload.building_id, street_id__in=streets)
            .select_related("street", "grid__community")
            .defer("grid__geometry", "grid__layers")
            .first()
        )
        if building is None:
            raise _field_error("building_id", _("Unknown building."))
    case = actions.submit_case(
        description=payload.description,
        actor=user,
        category=_category(payload.category),
        lat=payload.lat,
        lng=payload.lng,
        building=building,
        address=payload.address,
        street=_only_street(streets),
        kind=payload.kind,
        channel=payload.channel,
        priority=payload.priority,
        requester_name=payload.reporter_name,
        requester_phone=payload.reporter_phone,
        anonymous=payload.anonymous,
        photos=photos,
    )
    units_of(user, roles)
    return Reply(201, new_case_detail(case, user, with_photos=bool(photos)))


# --------------------------------------------------------------------------- actions


def _required(field: str, value: Any) -> Any:
    if value is None:
        raise _field_error(field, _("This field is required."))
    return value


def _unit(user: Any, pk: int | None, field: str = "unit") -> Unit:
    unit = Unit.objects.visible_to(user).filter(pk=_required(field, pk)).first()
    if unit is None:
        raise _field_error(field, _("Unknown unit: %s") % pk)
    return unit


def _units(user: Any, pks: list[int]) -> list[Unit]:
    found = {unit.pk: unit for unit in Unit.objects.visible_to(user).filter(pk__in=pks)}
    unknown = [str(pk) for pk in pks if pk not in found]
    if unknown:
        raise _field_error("units", _("Unknown unit: %s") % ", ".join(unknown))
    return [found[pk] for pk in dict.fromkeys(pks)]


def _whistle(case: Case, user: Any, body: ActionIn) -> Case:
    if body.to == "up" and body.units:
        raise _field_error("units", _("Whistle up, or name the units: not both."))
    return actions.whistle(
        case=case,
        actor=user,
        reason=body.reason,
        up=body.to == "up",
        units=_units(user, body.units or []),
        version=body.version,
    )


def _merge(case: Case, user: Any, body: ActionIn) -> Case:
    into = Case.objects.visible_to(user).filter(pk=_required("into", body.into)).first()
    if into is None:
        raise _field_error("into", _("Unknown case: %s") % body.into)
    return actions.merge_case(case=case, actor=user, into=into, version=body.version)


Handler = Callable[[Case, Any, ActionIn], Case]

# action name -> how the body becomes a call of the action (the same names as the ledger's).
ACTIONS: dict[str, Handler] = {
    "register": lambda case, user, body: actions.register_case(
        case=case, actor=user, category=_category(body.category), version=body.version
    ),
    "reject": lambda case, user, body: actions.reject_case(
        case=case, actor=user, reason=body.reason, version=body.version
    ),
    "dispatch": lambda case, user, body: actions.dispatch_case(
        case=case, actor=user, unit=_unit(user, body.unit), note=body.note, version=body.version
    ),
    "accept": lambda case, user, body: actions.accept_case(
        case=case, actor=user, note=body.note, version=body.version
    ),
    "return": lambda case, user, body: actions.return_case(
        case=case, actor=user, reason=body.reason, version=body.version
    ),
    "redispatch": lambda case, user, body: actions.redispatch_case(
        case=case,
        actor=user,
        unit=_unit(user, body.unit),
        reason=body.reason,
        version=body.version,
    ),
    "whistle": _whistle,
    "report": lambda case, user, body: actions.report_for_duty(
        case=case, actor=user, note=body.note, version=body.version
    ),
    "request_extension": lambda case, user, body: actions.request_extension(
        case=case,
        actor=user,
        days=_required("days", body.days),
        reason=body.reason,
        version=body.version,
    ),
    "decide_extension": lambda case, user, body: actions.decide_extension(
        case=case,
        actor=user,
        approve=_required("approve", body.approve),
        note=body.note,
        version=body.version,
    ),
    "resolve": lambda case, user, body: actions.resolve_case(
        case=case, actor=user, reply=body.reply, version=body.version
    ),
    "verify": lambda case, user, body: actions.verify_case(
        case=case, actor=user, ok=_required("ok", body.ok), note=body.note, version=body.version
    ),
    "reopen": lambda case, user, body: actions.reopen_case(
        case=case, actor=user, reason=body.reason, version=body.version
    ),
    "suspend": lambda case, user, body: actions.suspend_case(
        case=case, actor=user, reason=body.reason, version=body.version
    ),
    "resume": lambda case, user, body: actions.resume_case(
        case=case, actor=user, version=body.version
    ),
    "merge": _merge,
    "rate": lambda case, user, body: actions.rate_case(
        case=case,
        actor=user,
        rating=_required("rating", body.rating),
        comment=body.comment,
        version=body.version,
    ),
}


@router.post(
    "/cases/{case_id}/actions/{action}",
    response={200: CaseDetailOut, **WRITE_ERRORS, 409: ErrorOut},
    summary="Act on a case",
)
def act_on_case(
    request: HttpRequest,
    case_id: int,
    action: str,
    payload: Annotated[ActionIn | None, Body()] = None,
) -> Case:
    """Take one workflow step; the answer is the case as ``GET /cases/{id}`` shows it.

    Actions and their bodies (every body may carry ``version``):
    ``register {category?}``, ``reject {reason}``, ``dispatch {unit, note?}``,
    ``accept {note?}``, ``return {reason}``, ``redispatch {unit, reason}``,
    ``whistle {to: "up", reason}`` or ``whistle {units: [...], reason}``,
    ``report {note?}`` (a summoned unit reports for duty),
    ``request_extension {days, reason}``, ``decide_extension {approve, note?}``,
    ``resolve {reply}``, ``verify {ok, note?}`` (a note is required when not
    ok), ``reopen {reason}`` (the street's dispatcher, on a closed case),
    ``suspend {reason}``, ``resume {}``, ``merge {into}``,
    ``rate {rating, comment?}`` (the requester, on a closed case).

    The caller acts for their own unit on the case.  An unknown action, a
    case outside the caller's view or a role that may not take this step
    answers 404; a unit or case named in the body that the caller cannot
    see answers 400 for that field; a step the case's status does not allow,
    or a stale ``version``, 409.
    """
    user = auth_user(request)
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404("unknown action")
    case = get_object_or_404(Case.objects.visible_to(user), pk=case_id)
    handler(case, user, payload or ActionIn.model_validate({}))
    try:
        return case_detail(user, case.pk)
    except Http404:
        # The step took the case out of the caller's view (e.g. returned it).
        return case_detail(user, case.pk, scoped=False)


# --------------------------------------------------------------------------- units


@router.get("/units", response={200: list[UnitOut], **READ_ERRORS}, summary="Handling units")
@paginate(ApiPagination)
def list_units(
    request: HttpRequest,
    kind: Annotated[UnitKind | None, Query(description="Only units of this kind.")] = None,
) -> QuerySet[Unit]:
    """The handling units the caller may dispatch or whistle to: the street office, communities,
    grids, street departments and partner units of every street where the caller acts for a
    unit (none for residents and enterprise contacts)."""
    user = auth_user(request)
    if getattr(user, "is_superuser", False):
        street_ids = set(Street.objects.values_list("pk", flat=True))
    else:
        street_ids = set(
            RoleAssignment.objects.filter(
                user_id=user.pk, active=True, role__in=HANDLING_ROLES
            ).values_list("street_id", flat=True)
        )
    for street in Street.objects.filter(pk__in=street_ids).only("id", "name"):
        ensure_units(street)
    rows = Unit.objects.filter(street_id__in=street_ids)
    if kind is not None:
        rows = rows.filter(kind=kind)
    return rows.order_by("street_id", "kind", "name", "id")
