"""The hot spots page and turning a hot spot into a proactive case (未诉先办)."""

import pytest

from gridgov.cases import actions
from gridgov.cases.models import Case, Category
from gridgov.core.models import AuditLogEntry

M = 1 / 111_000


@pytest.fixture
def flooding(world):
    drainage = Category.objects.get(code="facility.drainage")
    return [
        actions.submit_case(
            description=f"路口又积水了，第{i}次",
            category=drainage,
            lat=36.105 + i * 20 * M,
            lng=120.305,
            actor=world.resident,
        )
        for i in range(4)
    ]


@pytest.mark.django_db
def test_the_page_shows_the_hot_spot_to_staff_of_the_place(world, login, flooding):
    page = login("grid_worker_a").get("/insights/hotspots/")

    assert page.status_code == 200
    spots = page.context["spots"]
    assert len(spots) == 1 and len(spots[0].cluster.reports) == 4
    assert not page.context["may_open"]  # a grid worker sees it; supervisors act
    assert login("grid_worker_b").get("/insights/hotspots/").context["spots"] == []
    assert login("resident").get("/insights/hotspots/").status_code == 404


@pytest.mark.django_db
def test_a_supervisor_opens_one_proactive_case_for_the_hot_spot(world, login, flooding):
    client = login("community_admin")
    page = client.get("/insights/hotspots/")
    assert page.context["may_open"]
    key = page.context["spots"][0].key

    answer = client.post("/insights/hotspots/open/", {"place": world.c1.code, "key": key})

    case = Case.objects.exclude(pk__in=[c.pk for c in flooding]).get()
    assert answer.status_code == 302 and answer["Location"] == f"/cases/{case.pk}/"
    assert case.kind == "patrol" and case.category.code == "facility.drainage"
    assert case.status == "dispatched" and "未诉先办" in case.description
    entry = AuditLogEntry.objects.get(action="insights.open_proactive_case")
    assert sorted(entry.data["cases"]) == sorted(c.pk for c in flooding)


@pytest.mark.django_db
def test_others_cannot_open_proactive_cases_and_stale_keys_are_refused(world, login, flooding):
    key = login("community_admin").get("/insights/hotspots/").context["spots"][0].key
    before = Case.objects.count()

    worker = login("grid_worker_a").post(
        "/insights/hotspots/open/", {"place": world.grid_a.code, "key": key}
    )
    stale = login("street_admin").post(
        "/insights/hotspots/open/", {"place": world.street.code, "key": "facility.drainage:999999"}
    )
    outsider = login("community_admin_2").post(
        "/insights/hotspots/open/", {"place": world.c1.code, "key": key}
    )

    assert worker.status_code == 404
    assert stale.status_code == 302 and "hotspots" in stale["Location"]
    assert outsider.status_code == 404
    assert Case.objects.count() == before
