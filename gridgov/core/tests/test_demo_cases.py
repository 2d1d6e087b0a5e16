"""The demo street's month of case history (demo_cases), played through the real actions."""

from __future__ import annotations

import datetime
import hashlib
import json
import random
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q

from gridgov.accounts.models import Role, RoleAssignment
from gridgov.cases.ledger import verify_ledger
from gridgov.cases.models import (
    Case,
    CaseEvent,
    CaseKind,
    Channel,
    Notification,
    OutboxMessage,
    Rating,
    Summons,
    UnitKind,
)
from gridgov.cases.workflow import OPEN_HANDLING, Status
from gridgov.core import clock
from gridgov.core import demo_texts as T
from gridgov.core.demo_cases import (
    CATEGORY_WEIGHTS,
    DEMO_CASES,
    case_fingerprint,
    events_in_order,
    load_demo_cases,
    say_it,
)
from gridgov.core.demo_data import load_demo
from gridgov.places import index
from gridgov.places.models import Street

FIXED_NOW = datetime.datetime(2026, 11, 23, 14, 30, tzinfo=datetime.UTC)


def fingerprint_hash(street: Street) -> str:
    rows = case_fingerprint(street)
    return hashlib.sha256(json.dumps(rows, ensure_ascii=False).encode()).hexdigest()


@pytest.mark.django_db
def test_the_demo_street_gets_a_month_of_realistic_history() -> None:
    out = StringIO()
    before = clock.now()
    counts = load_demo(stdout=out)
    after = clock.now()
    street = Street.objects.get()
    cases = Case.objects.filter(street=street)
    total = cases.count()

    # ~600 cases, and the summary printed by load_demo
    assert abs(total - DEMO_CASES) <= DEMO_CASES // 10
    assert counts["cases"] == total
    assert f"{total} cases: " in out.getvalue() and " closed" in out.getvalue()

    # every status, most cases closed
    by_status = Counter(cases.values_list("status", flat=True))
    assert set(by_status) == set(Status.values), by_status
    assert by_status[Status.CLOSED] > total / 2
    assert cases.filter(kind__in=CaseKind.values).values("kind").distinct().count() == 4
    channels = set(cases.values_list("channel", flat=True))
    assert {Channel.WEB, Channel.APP, Channel.HOTLINE, Channel.PATROL} <= channels
    assert cases.values("category").distinct().count() >= 25

    # overdue open cases, whistles answered by reports for duty, returns, extensions
    overdue = cases.filter(status__in=OPEN_HANDLING, resolve_due__lt=after)
    assert overdue.count() >= 15
    summonses = Summons.objects.filter(case__street=street)
    assert summonses.count() >= 30
    assert summonses.filter(reported_at__isnull=False).count() >= 25
    assert summonses.filter(unit__kind=UnitKind.COMMUNITY).exists()  # grid → community
    assert summonses.filter(unit__kind=UnitKind.DEPARTMENT).exists()  # → 科室
    actions = Counter(
        CaseEvent.objects.filter(case__street=street).values_list("action", flat=True)
    )
    for action in ("whistle", "report", "return", "redispatch", "request_extension"):
        assert actions[action] >= 5, action
    for action in ("decide_extension", "rework", "reopen", "reject", "merge", "suspend"):
        assert actions[action] >= 1, action
    assert cases.filter(reopen_count__gt=0).count() >= 3
    assert cases.filter(status=Status.MERGED, merged_into__isnull=False).count() >= 5
    assert not cases.filter(status=Status.REJECTED, events__action="reject", events__note="")

    # ratings of all three kinds, each by the case's own requester
    rated = CaseEvent.objects.filter(case__street=street, action="rate")
    assert {e.data["rating"] for e in rated} == set(Rating.values)
    assert not rated.exclude(actor_id=F("case__requester_id")).exists()
    assert {Rating.SATISFIED, Rating.BASICALLY} <= set(cases.values_list("rating", flat=True))

    # the ledger: intact, every event in the past and in time order per case
    checked, problems = verify_ledger()
    assert checked == total and problems == []
    assert events_in_order(street, after) == []
    month_ago = before - datetime.timedelta(days=31)
    assert not CaseEvent.objects.filter(case__street=street, created_at__lt=month_ago).exists()

    # natural, varied texts
    descriptions = list(cases.values_list("description", flat=True))
    assert len(set(descriptions)) >= 400
    assert sum("来电人" in d for d in descriptions) >= 50  # hotline summaries
    assert sum("巡查" in d for d in descriptions) >= 30  # patrol notes
    assert all(5 <= len(d) <= 2000 for d in descriptions)
    replies = set(cases.exclude(reply="").values_list("reply", flat=True))
    assert len(replies) >= 80

    # the personas take part; the extra people cannot log in
    users = get_user_model().objects
    for username in ("resident_a", "grid_worker_a", "enterprise_a"):
        assert cases.filter(requester__username=username).exists(), username
    assert cases.filter(requester__username="grid_worker_a", kind=CaseKind.PATROL).exists()
    acted = set(CaseEvent.objects.filter(case__street=street).values_list("actor_name", flat=True))
    for username in ("street_admin", "community_admin", "grid_worker_a", "grid_worker_b"):
        assert username in acted, username
    assert "dept_urban" in acted
    dispatchers = set(
        CaseEvent.objects.filter(
            case__street=street, action__in=("reject", "merge", "redispatch", "decide_extension")
        ).values_list("actor__username", flat=True)
    )
    assert dispatchers == {"street_admin"}
    verifiers = CaseEvent.objects.filter(case__street=street, action__in=("verify", "rework"))
    roles = set(
        RoleAssignment.objects.filter(
            user_id__in=verifiers.values("actor_id"), active=True
        ).values_list("role", flat=True)
    )
    assert roles <= {Role.GRID_WORKER, Role.COMMUNITY_ADMIN, Role.STREET_ADMIN}
    assert Role.GRID_WORKER in roles
    extra = users.filter(username__startswith="gw_")
    assert extra.count() == 13  # every grid but the personas' two has a worker now
    assert not any(u.has_usable_password() for u in extra)
    assert users.filter(username__startswith="res_").count() == 30

    # notifications tell of the past at the time it happened; the outbox is not replayed
    notes = Notification.objects.filter(case__street=street)
    assert notes.exists()
    assert notes.filter(created_at__lt=after - datetime.timedelta(days=7)).exists()
    assert notes.filter(read_at__isnull=True).exists() and notes.filter(read_at__isnull=False)
    assert not OutboxMessage.objects.filter(delivered_at__isnull=True).exists()


@pytest.mark.django_db
def test_the_history_is_the_same_on_every_load() -> None:
    def load() -> tuple[str, dict[str, int]]:
        index.invalidate()
        with transaction.atomic():
            counts = load_demo(cases=50, now=FIXED_NOW)
            street = Street.objects.get()
            digest = fingerprint_hash(street)
            assert events_in_order(street, FIXED_NOW) == []
            assert verify_ledger()[1] == []
            transaction.set_rollback(True)  # a fresh database for the next load
        assert not Street.objects.exists()
        return digest, {k: v for k, v in counts.items() if k != "seconds"}

    first, second = load(), load()
    assert first == second
    assert first[1]["cases"] == 50


@pytest.mark.django_db
def test_another_seed_tells_another_story() -> None:
    load_demo(cases=0)
    street = Street.objects.get()
    with transaction.atomic():
        load_demo_cases(street, cases=30, now=FIXED_NOW)
        one = fingerprint_hash(street)
        transaction.set_rollback(True)
    counts = load_demo_cases(street, cases=30, now=FIXED_NOW, seed=7, days=10)
    assert fingerprint_hash(street) != one
    assert counts["cases"] == 30
    oldest = Case.objects.filter(street=street).order_by("submitted_at").first()
    assert oldest is not None
    assert FIXED_NOW - oldest.submitted_at < datetime.timedelta(days=10)
    assert not CaseEvent.objects.filter(created_at__gt=FIXED_NOW).exists()


@pytest.mark.django_db
def test_no_history_when_asked_for_none() -> None:
    counts = load_demo(cases=0)
    assert counts["cases"] == 0
    assert not Case.objects.exists()
    assert (
        not get_user_model()
        .objects.filter(Q(username__startswith="gw_") | Q(username__startswith="res_"))
        .exists()
    )
    with pytest.raises(ValueError):
        load_demo_cases(Street.objects.get(), days=0)


def test_every_text_template_fills() -> None:
    fill = {
        "b": "万安一路6号",
        "road": "万安一路",
        "cross": "金华路",
        "u": "2",
        "f": "5",
        "n": "3",
        "dur": "三四天",
        "since": "最近",
        "night": "后半夜",
        "shop": "烧烤店",
        "age": "八十一",
        "kin": "老伴",
        "temp": "14",
        "warm": "19",
        "trade": "环保设备",
        "org": "青岛国林环保科技股份有限公司",
    }
    assert set(T.TEXTS) == set(CATEGORY_WEIGHTS)  # every catalogue category has words
    for code, texts in T.TEXTS.items():
        assert texts.problems and texts.feel and texts.impact and texts.replies, code
        for template in (*texts.problems, *texts.patrol, *texts.hotline, *texts.replies):
            text = template.format(**fill)
            assert "{" not in text and len(text) >= 5, template
    for _said, summary, reason in T.REJECTED:
        assert summary.format(**fill) and reason
    for reasons in T.RETURN_REASONS.values():
        assert all("城市管理科" in r.format(unit="城市管理科") for r in reasons)
    for template in T.CROSSING_TEXTS.values():
        assert all(t.format(**fill) for t in template)
    rng = random.Random(1)
    for code in T.TEXTS:
        for source in ("resident", "hotline", "patrol", "enterprise"):
            for elderly in (False, True):
                text = say_it(source, code, fill, rng, elderly=elderly)
                assert "{" not in text and 5 <= len(text) <= 2000, text
