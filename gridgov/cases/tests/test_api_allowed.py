"""``allowed_actions`` tells the truth: for every persona who sees a case in each status, an
action is listed exactly when taking it (with a good body) succeeds.

Each try runs in a savepoint that is rolled back, so every action is tried on
the same state.
"""

from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction

from gridgov.accounts.actions import create_api_token
from gridgov.cases import actions
from gridgov.cases.models import Case, Category
from gridgov.cases.tests.test_api import (
    ACTION_NAMES,
    RUBBISH,
    DemoApi,
    demo_api,
    grid_a,
    point_in_grid_a,
)
from gridgov.cases.units import unit_for
from gridgov.places.models import Department


@pytest.fixture
def demo(db, client) -> DemoApi:
    api = demo_api(client)
    operator = get_user_model().objects.create_superuser("operator", password="x-op-pass-1")
    api.users["operator"] = operator
    api.tokens["operator"] = create_api_token(user=operator, name="test")[1]
    return api


def report(demo: DemoApi, *, category: bool = True) -> Case:
    lat, lng = point_in_grid_a()
    return actions.submit_case(
        description=RUBBISH,
        category=Category.objects.get(code="env.sanitation") if category else None,
        lat=lat,
        lng=lng,
        actor=demo.users["resident_a"],
    )


def _urban(demo: DemoApi) -> Any:
    return unit_for(Department.objects.get(name="城市管理科"))


def submitted(demo: DemoApi) -> Case:
    return report(demo, category=False)


def registered(demo: DemoApi) -> Case:
    return actions.register_case(
        case=submitted(demo),
        actor=demo.users["street_admin"],
        category=Category.objects.get(code="env.sanitation"),
    )


def dispatched(demo: DemoApi) -> Case:
    return report(demo)


def whistled(demo: DemoApi) -> Case:
    """Accepted; the community reported for duty, 城市管理科 not yet; an extension asked for."""
    worker, community = demo.users["grid_worker_a"], demo.users["community_admin"]
    case = actions.accept_case(case=report(demo), actor=worker)
    case = actions.whistle(case=case, actor=worker, up=True, reason="清不动")
    case = actions.report_for_duty(case=case, actor=community)
    case = actions.whistle(case=case, actor=community, units=[_urban(demo)], reason="调车")
    return actions.request_extension(case=case, actor=worker, days=3, reason="等车")


def resolved(demo: DemoApi) -> Case:
    return actions.resolve_case(case=report(demo), actor=demo.users["grid_worker_a"], reply="好了")


def closed(demo: DemoApi) -> Case:
    return actions.verify_case(case=resolved(demo), actor=demo.users["grid_worker_a"], ok=True)


def rated(demo: DemoApi) -> Case:
    return actions.rate_case(case=closed(demo), actor=demo.users["resident_a"], rating="satisfied")


def returned(demo: DemoApi) -> Case:
    return actions.return_case(case=report(demo), actor=demo.users["grid_worker_a"], reason="物业")


def suspended(demo: DemoApi) -> Case:
    return actions.suspend_case(case=report(demo), actor=demo.users["street_admin"], reason="施工")


STATES: dict[str, Callable[[DemoApi], Case]] = {
    "submitted": submitted,
    "registered": registered,
    "dispatched": dispatched,
    "whistled": whistled,
    "resolved": resolved,
    "closed": closed,
    "rated": rated,
    "returned": returned,
    "suspended": suspended,
}


def good_bodies(demo: DemoApi, anchor: Case) -> dict[str, dict[str, Any]]:
    economy = unit_for(Department.objects.get(name="经济发展科"))  # no persona acts for it
    return {
        "register": {"category": "env.sanitation"},
        "reject": {"reason": "不属于受理范围"},
        "dispatch": {"unit": unit_for(grid_a()).pk},
        "accept": {"note": "已联系"},
        "return": {"reason": "不归我们管"},
        "redispatch": {"unit": unit_for(grid_a().community).pk, "reason": "改派社区"},
        "whistle": {"units": [economy.pk], "reason": "需要协助"},
        "report": {"note": "已到场"},
        "request_extension": {"days": 3, "reason": "等配件"},
        "decide_extension": {"approve": True},
        "resolve": {"reply": "已处理"},
        "verify": {"ok": True},
        "reopen": {"reason": "又出现了"},
        "suspend": {"reason": "等施工"},
        "resume": {},
        "merge": {"into": anchor.pk},
        "rate": {"rating": "satisfied"},
    }


@pytest.mark.parametrize("state", list(STATES))
def test_allowed_actions_are_exactly_the_ones_that_succeed(demo, state):
    anchor = report(demo)  # a case to merge into
    case = STATES[state](demo)
    bodies = good_bodies(demo, anchor)
    checked = 0
    for who in sorted(demo.tokens):
        response = demo.get(who, f"/cases/{case.pk}")
        if response.status_code == 404:
            continue
        allowed = response.json()["allowed_actions"]
        assert set(allowed) <= set(ACTION_NAMES)
        for action in ACTION_NAMES:
            with transaction.atomic():
                outcome = demo.act(who, case.pk, action, bodies[action])
                transaction.set_rollback(True)
            assert (outcome.status_code == 200) == (action in allowed), (
                state,
                who,
                action,
                allowed,
                outcome.status_code,
                outcome.content.decode(),
            )
            assert outcome.status_code in (200, 400, 404, 409)
        checked += 1
    assert checked >= 4  # the requester, grid A's staff, the community, the street, the operator
