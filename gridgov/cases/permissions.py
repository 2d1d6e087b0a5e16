"""Which actions a person may take on a case now: one pure function, shared by the UI and API.

``allowed_actions(case_facts, actor_facts)`` mirrors the checks of
``cases.actions`` (the workflow table for the status, and who acts for which
unit) without touching the database, so it can be tested exhaustively and
used to decide which forms or buttons to offer.  The actions stay the
authority: they check everything again when called.

``actions_for(case, user)`` gathers the facts (two small queries, cached
units) and calls it.  The answer maps each allowed action, in display order,
to the id of the unit the person would act for (``None`` for the requester's
rating, and for an operator acting for the street office when no unit row
exists yet).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from gridgov.cases import workflow
from gridgov.cases.models import Case, UnitKind
from gridgov.cases.units import units_of

# The actions a person can take from the case page or the API, in the order
# they are offered: handling first, then the dispatcher's, then the rating.
ACTIONS: tuple[str, ...] = (
    "accept",
    "report",
    "resolve",
    "whistle",
    "request_extension",
    "return",
    "verify",
    "register",
    "dispatch",
    "reject",
    "redispatch",
    "decide_extension",
    "suspend",
    "resume",
    "reopen",
    "merge",
    "rate",
)

# The street office's actions (指挥中心): whoever acts for the street office of the case.
DISPATCHER_ACTIONS = frozenset(
    {
        "register",
        "reject",
        "dispatch",
        "redispatch",
        "decide_extension",
        "suspend",
        "resume",
        "reopen",
        "merge",
    }
)


@dataclass(frozen=True)
class UnitFacts:
    """A handling unit the actor acts for."""

    pk: int
    kind: str
    street_id: int
    community_id: int | None = None
    grid_id: int | None = None


@dataclass(frozen=True)
class SummonsFacts:
    unit_id: int
    reported: bool


@dataclass(frozen=True)
class CaseFacts:
    """What the rights depend on, read from a case (``case_facts``)."""

    status: str
    street_id: int
    community_id: int | None
    grid_id: int | None
    lead_unit_id: int | None
    requester_id: int | None = None
    summonses: tuple[SummonsFacts, ...] = ()
    extension_requested: bool = False
    rated: bool = False


@dataclass(frozen=True)
class ActorFacts:
    """Who acts: the user's id, whether they are the operator, the units they act for."""

    user_id: int | None
    units: tuple[UnitFacts, ...] = ()
    operator: bool = False


def status_allows(action: str, status: str) -> bool:
    """Does the workflow table allow ``action`` from ``status``?"""
    # "verify" with ok=False is the workflow's "rework", allowed from the same status.
    transition = workflow.TRANSITIONS.get(action)
    return transition is not None and status in transition.sources


def _first_mine(actor: ActorFacts, candidates: Iterable[int | None]) -> int | None | bool:
    """The first candidate unit id the actor acts for; False when none.

    The operator acts for any unit (the first candidate), like ``actions._acting_unit``.
    """
    ids = [pk for pk in candidates if pk is not None]
    if actor.operator:
        return ids[0] if ids else False
    mine = {unit.pk for unit in actor.units}
    for pk in ids:
        if pk in mine:
            return pk
    return False


def _dispatcher_unit(case: CaseFacts, actor: ActorFacts) -> int | None | bool:
    """The street office unit of the case's street, when the actor acts for it."""
    for unit in actor.units:
        if unit.kind == UnitKind.STREET and unit.street_id == case.street_id:
            return unit.pk
    return None if actor.operator else False


def _supervisor_unit(case: CaseFacts, actor: ActorFacts) -> int | None | bool:
    """Grid, then community, then street office of the case's place (``actions._supervisors``)."""
    units = actor.units
    for kind, matches in (
        (UnitKind.GRID, lambda u: case.grid_id is not None and u.grid_id == case.grid_id),
        (
            UnitKind.COMMUNITY,
            lambda u: case.community_id is not None and u.community_id == case.community_id,
        ),
        (UnitKind.STREET, lambda u: u.street_id == case.street_id),
    ):
        for unit in units:
            if unit.kind == kind and matches(unit):
                return unit.pk
    return None if actor.operator else False


def acting_units(case: CaseFacts, actor: ActorFacts) -> dict[str, int | None]:
    """The actions ``actor`` has the right to take on ``case`` whatever its status, with the unit.

    An action missing here is refused by the action as ``NotPermitted`` (404);
    one present here but missing from ``allowed_actions`` is a conflict with
    the case's state (409).
    """
    handlers = [case.lead_unit_id, *(s.unit_id for s in case.summonses)]
    pending = [s.unit_id for s in case.summonses if not s.reported]
    who: dict[str, int | None | bool] = {
        "accept": _first_mine(actor, [case.lead_unit_id]),
        "return": _first_mine(actor, [case.lead_unit_id]),
        "request_extension": _first_mine(actor, [case.lead_unit_id]),
        "whistle": _first_mine(actor, handlers),
        "resolve": _first_mine(actor, handlers),
        "report": _first_mine(actor, pending),
        "verify": _supervisor_unit(case, actor),
        "rate": (
            None if actor.user_id is not None and case.requester_id == actor.user_id else False
        ),
    }
    dispatcher = _dispatcher_unit(case, actor)
    for action in DISPATCHER_ACTIONS:
        who[action] = dispatcher
    return {
        action: unit  # type: ignore[misc]
        for action in ACTIONS
        if (unit := who.get(action, False)) is not False
    }


def allowed_actions(case: CaseFacts, actor: ActorFacts) -> dict[str, int | None]:
    """The actions ``actor`` may take on ``case`` now, each with the unit it would act for."""
    unavailable = set()
    if case.extension_requested:
        unavailable.add("request_extension")
    else:
        unavailable.add("decide_extension")
    if case.rated:
        unavailable.add("rate")
    return {
        action: unit
        for action, unit in acting_units(case, actor).items()
        if action not in unavailable and status_allows(action, case.status)
    }


# --------------------------------------------------------------------------- from the database


def actor_facts(user: Any) -> ActorFacts:
    """The user's units (``units_of``, cached on the user) as facts."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ActorFacts(user_id=None)
    return ActorFacts(
        user_id=user.pk,
        operator=bool(getattr(user, "is_superuser", False)),
        units=tuple(
            UnitFacts(
                pk=unit.pk,
                kind=unit.kind,
                street_id=unit.street_id,
                community_id=unit.community_id,
                grid_id=unit.grid_id,
            )
            for unit in units_of(user)
        ),
    )


def case_facts(case: Case, summonses: Iterable[Any] | None = None) -> CaseFacts:
    """The case's facts; pass its summonses when already loaded (else one query)."""
    if summonses is None:
        rows = [SummonsFacts(u, r is not None) for u, r in _summons_rows(case)]
    else:
        rows = [SummonsFacts(s.unit_id, s.reported_at is not None) for s in summonses]
    return CaseFacts(
        status=case.status,
        street_id=case.street_id,
        community_id=case.community_id,
        grid_id=case.grid_id,
        lead_unit_id=case.lead_unit_id,
        requester_id=case.requester_id,
        summonses=tuple(rows),
        extension_requested=bool(case.extension_days_requested),
        rated=bool(case.rating),
    )


def _summons_rows(case: Case) -> list[tuple[int, Any]]:
    return list(case.summonses.order_by("summoned_at", "id").values_list("unit_id", "reported_at"))


def rights_for(
    case: Case, user: Any, summonses: Iterable[Any] | None = None
) -> dict[str, int | None]:
    """``acting_units`` for a case row and a user (whatever the case's status)."""
    return acting_units(case_facts(case, summonses), actor_facts(user))


def actions_for(
    case: Case, user: Any, summonses: Iterable[Any] | None = None
) -> dict[str, int | None]:
    """``allowed_actions`` for a case row and a user (the API and the case page use this)."""
    return allowed_actions(case_facts(case, summonses), actor_facts(user))


def is_handler(case: Case, user: Any, summonses: Iterable[Any] | None = None) -> bool:
    """Does the user see the case as staff of its place or as a unit involved?

    The requester alone is not a handler: anonymous requesters are hidden
    from everyone but handlers.
    """
    from gridgov.core.scoping import scope_for

    if getattr(user, "is_superuser", False):
        return True
    scope = scope_for(user)
    if (
        scope.everything
        or case.street_id in scope.street_ids
        or (case.community_id is not None and case.community_id in scope.community_ids)
        or (case.grid_id is not None and case.grid_id in scope.grid_ids)
    ):
        return True
    mine = {unit.pk for unit in units_of(user)}
    if not mine:
        return False
    if case.lead_unit_id in mine:
        return True
    if summonses is None:
        return case.summonses.filter(unit_id__in=mine).exists()
    return any(s.unit_id in mine for s in summonses)


__all__ = [
    "ACTIONS",
    "ActorFacts",
    "acting_units",
    "CaseFacts",
    "SummonsFacts",
    "UnitFacts",
    "actions_for",
    "actor_facts",
    "allowed_actions",
    "case_facts",
    "is_handler",
    "rights_for",
    "status_allows",
]
