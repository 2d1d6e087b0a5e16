"""The case page: the facts, photos, timeline, and the forms for what the viewer may do now.

Visible only through ``Case.objects.visible_to`` (404 otherwise).  Which
forms appear comes from ``cases.permissions.actions_for``; each posts to
``/cases/<id>/act/<action>/`` with the version shown, and the action
decides again: a stale version or a move the workflow no longer allows is
a clear message, an action the viewer may not take is 404, and bad input
is shown beside its field with nothing written.  Photos are served through
views that check visibility (MEDIA is never public).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from gridgov.cases import actions
from gridgov.cases.forms import (
    ACTION_FORMS,
    ActionForm,
    RegisterForm,
    WhistleForm,
    active_categories,
    category_label,
    unit_target,
    unit_value,
)
from gridgov.cases.models import Case, CasePhoto, Summons, Unit, UnitKind
from gridgov.cases.permissions import actions_for, is_handler, rights_for, status_allows
from gridgov.cases.units import unit_for, units_of
from gridgov.cases.views.case_text import (
    STATUS_COLOURS,
    due_times,
    plain_status,
    requester_display,
    status_label,
    timeline,
)
from gridgov.cases.workflow import Status
from gridgov.core import clock
from gridgov.core.errors import ActionError, NotPermitted
from gridgov.insights.duplicates import duplicate_candidates
from gridgov.places.models import Community, Department, Grid, Organisation, mask_phone
from gridgov.web.forms import add_action_errors


@dataclass(frozen=True)
class ActionUI:
    title: Any
    button: Any
    help: Any = ""
    style: str = "btn-party"


ACTION_UI: dict[str, ActionUI] = {
    "accept": ActionUI(
        gettext_lazy("Accept"),
        gettext_lazy("Accept the case"),
        gettext_lazy("You take the case and have contacted the requester (响应)."),
    ),
    "report": ActionUI(
        gettext_lazy("Report for duty"),
        gettext_lazy("Report for duty"),
        gettext_lazy("Your unit was whistled in: answer that you are on it (报到)."),
    ),
    "resolve": ActionUI(
        gettext_lazy("Resolve"),
        gettext_lazy("Resolve and reply"),
        gettext_lazy("Say what was done; the requester reads this reply."),
    ),
    "whistle": ActionUI(
        gettext_lazy("Blow the whistle"),
        gettext_lazy("Blow the whistle"),
        gettext_lazy(
            "Call in the level above or named units (吹哨); they must report for duty in time."
        ),
        "btn-outline-danger",
    ),
    "request_extension": ActionUI(
        gettext_lazy("Request an extension"),
        gettext_lazy("Request the extension"),
        gettext_lazy("More days to resolve it; the street office decides."),
        "btn-outline-secondary",
    ),
    "return": ActionUI(
        gettext_lazy("Return: not ours"),
        gettext_lazy("Return to the street office"),
        gettext_lazy("The street office will send it to the right unit (回退)."),
        "btn-outline-secondary",
    ),
    "verify": ActionUI(
        gettext_lazy("Verify on site"),
        gettext_lazy("Record the check"),
        gettext_lazy("Check the result on site: close the case or send it back for rework."),
    ),
    "register": ActionUI(
        gettext_lazy("Register"),
        gettext_lazy("Register the case"),
        gettext_lazy("Accept it for handling (立案); choose its category if it has none."),
    ),
    "dispatch": ActionUI(
        gettext_lazy("Dispatch"),
        gettext_lazy("Dispatch"),
        gettext_lazy("Send it to the unit that handles it; the clocks start (派遣)."),
    ),
    "reject": ActionUI(
        gettext_lazy("Reject"),
        gettext_lazy("Reject the case"),
        gettext_lazy("Not accepted (不予受理); the requester reads the reason."),
        "btn-outline-danger",
    ),
    "redispatch": ActionUI(
        gettext_lazy("Redispatch"),
        gettext_lazy("Redispatch"),
        gettext_lazy("Send it to another unit (改派); the clocks start again."),
        "btn-outline-secondary",
    ),
    "decide_extension": ActionUI(
        gettext_lazy("Decide on the extension"),
        gettext_lazy("Record the decision"),
    ),
    "suspend": ActionUI(
        gettext_lazy("Suspend"),
        gettext_lazy("Suspend the case"),
        gettext_lazy("Long-term work (挂账): kept on record, out of the rates until resumed."),
        "btn-outline-secondary",
    ),
    "resume": ActionUI(gettext_lazy("Resume"), gettext_lazy("Resume the case")),
    "reopen": ActionUI(
        gettext_lazy("Reopen"),
        gettext_lazy("Reopen the case"),
        gettext_lazy("Back to its lead unit for handling again; the clocks restart."),
        "btn-outline-secondary",
    ),
    "merge": ActionUI(
        gettext_lazy("Merge as a duplicate"),
        gettext_lazy("Merge"),
        "",
        "btn-outline-secondary",
    ),
    "rate": ActionUI(
        gettext_lazy("Rate the handling"),
        gettext_lazy("Send my rating"),
        gettext_lazy("Unsatisfied reopens the case once."),
    ),
}

DONE: dict[str, Any] = {
    "accept": gettext_lazy("You accepted the case."),
    "report": gettext_lazy("You reported for duty."),
    "resolve": gettext_lazy("The case is resolved; it waits for the check on site."),
    "whistle": gettext_lazy("Whistle blown; the units called must report for duty."),
    "request_extension": gettext_lazy("Extension requested."),
    "return": gettext_lazy("The case went back to the street office."),
    "verify": gettext_lazy("Your check is recorded."),
    "register": gettext_lazy("The case is registered."),
    "dispatch": gettext_lazy("The case is dispatched."),
    "reject": gettext_lazy("The case is rejected."),
    "redispatch": gettext_lazy("The case is redispatched."),
    "decide_extension": gettext_lazy("Your decision is recorded."),
    "suspend": gettext_lazy("The case is suspended."),
    "resume": gettext_lazy("The case is resumed."),
    "reopen": gettext_lazy("The case is reopened."),
    "merge": gettext_lazy("The case is merged."),
    "rate": gettext_lazy("Thank you for your rating."),
}

STALE = gettext_lazy(
    "Someone else changed this case in the meantime. The page now shows it as it is: "
    "check, then try again."
)


def _visible(request: HttpRequest, pk: int) -> Case:
    return get_object_or_404(
        Case.objects.visible_to(request.user).select_related(
            "category",
            "lead_unit",
            "street",
            "community",
            "grid",
            "building",
            "requester",
            "merged_into",
        ),
        pk=pk,
    )


# --------------------------------------------------------------------------- forms


def _acting_unit(unit_id: int | None, case: Case, summonses: list[Summons], user: Any) -> Any:
    candidates = {unit.pk: unit for unit in units_of(user)}
    if case.lead_unit is not None:
        candidates.setdefault(case.lead_unit.pk, case.lead_unit)
    for summons in summonses:
        candidates.setdefault(summons.unit.pk, summons.unit)
    return candidates.get(unit_id) if unit_id is not None else None


def _level_above_name(case: Case, caller: Unit | None) -> str:
    """Who a whistle up calls: the community for a grid, else the street office ("" for it)."""
    if caller is None:
        return ""
    if caller.kind == UnitKind.GRID and case.community is not None:
        return case.community.name
    if caller.kind == UnitKind.STREET:
        return ""
    return case.street.name


def _form(
    action: str,
    case: Case,
    *,
    caller: Unit | None,
    data: Any = None,
    initial: dict[str, Any] | None = None,
) -> ActionForm:
    form_class = ACTION_FORMS[action]
    kwargs: dict[str, Any] = {
        "case": case,
        "prefix": action,
        "initial": {"version": case.version, **(initial or {})},
    }
    if form_class is WhistleForm:
        kwargs["up_label"] = _level_above_name(case, caller)
        kwargs["exclude"] = unit_value(caller) if caller is not None else ""
    if form_class is RegisterForm:
        kwargs["categories"] = active_categories()
    return form_class(data, **kwargs)


def _kept(action: str, data: Any) -> dict[str, Any]:
    """What the person typed into an action form (kept when the case changed under them)."""
    prefix = f"{action}-"
    kept: dict[str, Any] = {}
    for key in data:
        if key.startswith(prefix) and key != f"{prefix}version":
            values = data.getlist(key)
            kept[key[len(prefix) :]] = values if len(values) > 1 else values[0]
    return kept


# --------------------------------------------------------------------------- the page


def _render(
    request: HttpRequest,
    case: Case,
    *,
    bound: dict[str, ActionForm] | None = None,
    kept: dict[str, dict[str, Any]] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    summonses = list(case.summonses.select_related("unit", "summoned_by").order_by("summoned_at"))
    allowed = actions_for(case, user, summonses)
    handler = is_handler(case, user, summonses)
    now = clock.now()
    forms = []
    for action, unit_id in allowed.items():
        caller = _acting_unit(unit_id, case, summonses, user)
        form = (bound or {}).get(action) or _form(
            action, case, caller=caller, initial=(kept or {}).get(action)
        )
        forms.append(
            {
                "action": action,
                "ui": ACTION_UI[action],
                "form": form,
                "as_unit": caller.name if caller is not None else "",
                "open": bool(form.errors) or action in (bound or {}) or action in (kept or {}),
            }
        )
    if forms and not any(item["open"] for item in forms):
        forms[0]["open"] = True
    events = case.events.select_related("unit").order_by("-sequence")  # newest first
    context = {
        "case": case,
        "plain": plain_status(case, requester=case.requester_id == user.pk),
        "status_label": status_label(case.status),
        "colour": STATUS_COLOURS.get(Status(case.status), "secondary"),
        "category": category_label(case.category) if case.category else "",
        "dues": due_times(case, now),
        "summonses": [
            {
                "summons": s,
                "overdue": s.reported_at is None and s.due_at < now,
                "late": s.reported_at is not None and s.reported_at > s.due_at,
            }
            for s in summonses
        ],
        "photos": list(case.photos.all()),
        "timeline": timeline(events, show_actor=handler),
        "handler": handler,
        "requester": requester_display(case, handler=handler, viewer=user),
        "requester_phone": (
            mask_phone(case.requester_phone) if handler and case.requester_phone else ""
        ),
        "forms": forms,
        # Earlier cases of the same problem, for the one who may merge (the dispatcher).
        "duplicates": duplicate_candidates(case, user) if "merge" in allowed else [],
    }
    return render(request, "cases/case/detail.html", context, status=status)


@login_required
@require_GET
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, _visible(request, pk))


# --------------------------------------------------------------------------- acting


def _unit_of(value: Any, case: Case, field: str) -> Unit:
    target = value if not isinstance(value, str) else unit_target(value, case.street_id)
    if not isinstance(target, Community | Grid | Department | Organisation):
        message = _("Choose a unit of this street.")
        raise ActionError(message, {field: [message]})
    return unit_for(target)


def _merge(case: Case, user: Any, data: dict[str, Any], version: int) -> Case:
    number = data["into"].strip()
    into = Case.objects.visible_to(user).filter(number=number).first()
    if into is None:
        message = _("No case with this number that you can see.")
        raise ActionError(message, {"into": [message]})
    return actions.merge_case(case=case, actor=user, into=into, version=version)


Runner = Callable[[Case, Any, dict[str, Any], int], Case]

RUNNERS: dict[str, Runner] = {
    "accept": lambda c, u, d, v: actions.accept_case(case=c, actor=u, note=d["note"], version=v),
    "report": lambda c, u, d, v: actions.report_for_duty(
        case=c, actor=u, note=d["note"], version=v
    ),
    "resolve": lambda c, u, d, v: actions.resolve_case(
        case=c, actor=u, reply=d["reply"], version=v
    ),
    "whistle": lambda c, u, d, v: actions.whistle(
        case=c,
        actor=u,
        reason=d["reason"],
        up=d["target"] == "up",
        units=[] if d["target"] == "up" else [_unit_of(x, c, "units") for x in d["units"]],
        version=v,
    ),
    "request_extension": lambda c, u, d, v: actions.request_extension(
        case=c, actor=u, days=d["days"], reason=d["reason"], version=v
    ),
    "return": lambda c, u, d, v: actions.return_case(
        case=c, actor=u, reason=d["reason"], version=v
    ),
    "verify": lambda c, u, d, v: actions.verify_case(
        case=c, actor=u, ok=d["ok"], note=d["note"], version=v
    ),
    "register": lambda c, u, d, v: actions.register_case(
        case=c, actor=u, category=d["category"], version=v
    ),
    "dispatch": lambda c, u, d, v: actions.dispatch_case(
        case=c, actor=u, unit=_unit_of(d["unit"], c, "unit"), note=d["note"], version=v
    ),
    "reject": lambda c, u, d, v: actions.reject_case(
        case=c, actor=u, reason=d["reason"], version=v
    ),
    "redispatch": lambda c, u, d, v: actions.redispatch_case(
        case=c, actor=u, unit=_unit_of(d["unit"], c, "unit"), reason=d["reason"], version=v
    ),
    "decide_extension": lambda c, u, d, v: actions.decide_extension(
        case=c, actor=u, approve=d["approve"], note=d["note"], version=v
    ),
    "suspend": lambda c, u, d, v: actions.suspend_case(
        case=c, actor=u, reason=d["reason"], version=v
    ),
    "resume": lambda c, u, d, v: actions.resume_case(case=c, actor=u, version=v),
    "reopen": lambda c, u, d, v: actions.reopen_case(
        case=c, actor=u, reason=d["reason"], version=v
    ),
    "merge": _merge,
    "rate": lambda c, u, d, v: actions.rate_case(
        case=c, actor=u, rating=d["rating"], comment=d["comment"], version=v
    ),
}


def _next_url(request: HttpRequest, case: Case) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return case_url(case)


def case_url(case: Case) -> str:
    return reverse("case-detail", args=[case.pk])


def _conflict(
    request: HttpRequest, pk: int, action: str, version: int, message: str
) -> HttpResponse:
    """The case changed or its state refuses the move: say so over the page as it is now.

    What the person typed stays in the form (with the new version) when the
    action is still offered.
    """
    fresh = _visible(request, pk)
    messages.error(request, str(STALE) if fresh.version != version else message)
    return _render(request, fresh, kept={action: _kept(action, request.POST)}, status=409)


@login_required
@require_POST
def case_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    case = _visible(request, pk)
    runner = RUNNERS.get(action)
    if runner is None:
        raise Http404
    user = request.user
    summonses = list(case.summonses.select_related("unit"))
    rights = rights_for(case, user, summonses)
    if action not in rights:
        raise Http404
    caller = _acting_unit(rights[action], case, summonses, user)
    form = _form(action, case, caller=caller, data=request.POST)
    if not form.is_valid():
        return _render(request, case, bound={action: form}, status=400)
    version = form.cleaned_data["version"]
    if not status_allows(action, case.status):
        return _conflict(request, pk, action, version, _("This step is no longer possible."))
    try:
        # One transaction with the unit rows a choice may create: nothing stays on error.
        with transaction.atomic():
            runner(case, user, form.cleaned_data, version)
    except NotPermitted as error:
        raise Http404 from error
    except actions.Conflict as error:
        return _conflict(request, pk, action, version, error.message)
    except ActionError as error:
        add_action_errors(form, error)
        return _render(request, case, bound={action: form}, status=400)
    messages.success(request, str(DONE[action]))
    return redirect(_next_url(request, case))


# --------------------------------------------------------------------------- photos


def _photo(request: HttpRequest, pk: int, photo_id: int) -> CasePhoto:
    case = get_object_or_404(Case.objects.visible_to(request.user), pk=pk)
    return get_object_or_404(CasePhoto, pk=photo_id, case=case)


def _file_response(file: Any, content_type: str) -> FileResponse:
    try:
        handle = file.open("rb")
    except (FileNotFoundError, ValueError) as error:
        raise Http404 from error
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


@login_required
@require_GET
def case_photo(request: HttpRequest, pk: int, photo_id: int) -> FileResponse:
    photo = _photo(request, pk, photo_id)
    return _file_response(photo.image, photo.content_type)


@login_required
@require_GET
def case_thumb(request: HttpRequest, pk: int, photo_id: int) -> FileResponse:
    photo = _photo(request, pk, photo_id)
    if not photo.thumbnail:
        return _file_response(photo.image, photo.content_type)
    return _file_response(photo.thumbnail, "image/jpeg")
