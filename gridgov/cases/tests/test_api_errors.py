"""Bad input on every case endpoint: each answers clearly (400 per field, 404, 409, 422)
and writes nothing."""

import io
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gridgov.accounts.models import Role
from gridgov.cases.actions import accept_case, resolve_case, verify_case
from gridgov.cases.models import Case, CaseEvent, CasePhoto, Category, Summons
from gridgov.cases.tests.test_api import (
    RUBBISH,
    DemoApi,
    demo_api,
    grid_a,
    point_in_grid_a,
    rubbish_report,
)
from gridgov.cases.units import unit_for
from gridgov.places.actions import create_building, create_community, create_grid, create_street
from gridgov.places.models import Household
from tests.personas import square


@pytest.fixture
def demo(db, client) -> DemoApi:
    return demo_api(client)


@pytest.fixture
def elsewhere(db) -> dict[str, Any]:
    """Another street with a grid and a building, out of the demo personas' view."""
    street = create_street(code="370203999", name="别处街道")
    community = create_community(street=street, code="370203999001", name="别处社区")
    grid = create_grid(
        community=community,
        code="370203999001001",
        name="别处网格",
        geometry=square(121.00, 37.00, 121.01, 37.01),
    )
    building = create_building(name="别处1号", address="别处1号", lat=37.005, lng=121.005)
    return {"street": street, "grid": grid, "building": building, "unit": unit_for(grid)}


def snapshot() -> tuple[Any, ...]:
    return (
        Case.objects.count(),
        CaseEvent.objects.count(),
        Summons.objects.count(),
        CasePhoto.objects.count(),
        sorted(Case.objects.values_list("id", "version", "status", "event_count")),
    )


@contextmanager
def writes_nothing() -> Iterator[None]:
    before = snapshot()
    yield
    assert snapshot() == before


def refused(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()
    body = response.json()
    assert body["detail"]
    if field is not None:
        assert field in body["errors"], body
        assert all(body["errors"][field])
    return body


# --------------------------------------------------------------------------- POST /cases


@pytest.mark.parametrize(
    "change, field",
    [
        ({"description": ""}, "description"),
        ({"description": "    "}, "description"),
        ({"description": "短短"}, "description"),
        ({"description": "长" * 4001}, "description"),
        ({"category": "env.no_such_thing"}, "category"),
        ({"lat": 95.0}, "lat"),
        ({"lng": -181.0}, "lat"),
        ({"lng": None}, "lat"),
        ({"channel": "pigeon"}, "channel"),
        ({"kind": "gossip"}, "kind"),
        ({"priority": "whenever"}, "priority"),
        ({"lat": None, "lng": None, "building_id": 999_999_999}, "building_id"),
    ],
)
def test_bad_reports_are_400_with_the_field(demo, change, field):
    with writes_nothing():
        refused(demo.post("resident_a", "/cases", rubbish_report(**change)), 400, field)


def test_an_inactive_category_and_another_streets_building_are_refused(demo, elsewhere):
    Category.objects.filter(code="env.ads").update(active=False)
    with writes_nothing():
        refused(
            demo.post("resident_a", "/cases", rubbish_report(category="env.ads")), 400, "category"
        )
        report = rubbish_report(lat=None, lng=None, building_id=elsewhere["building"].pk)
        refused(demo.post("grid_worker_a", "/cases", report), 400, "building_id")


@pytest.mark.parametrize(
    "body, status",
    [
        ('{"category": "env.sanitation"}', 422),  # no description at all
        ('{"description": "路灯坏了好几天", "lat": "north"}', 422),
        ('["路灯坏了好几天"]', 422),
        ('{"description": ', 400),
    ],
)
def test_malformed_reports_are_refused(demo, body, status):
    with writes_nothing():
        response = demo.client.post(
            "/api/v1/cases",
            body,
            content_type="application/json",
            headers=demo.headers("resident_a"),
        )
        assert response.status_code == status, response.content
        assert response.json()["detail"]


def test_reporting_needs_a_bearer_token(demo):
    with writes_nothing():
        assert (
            demo.client.post("/api/v1/cases", rubbish_report(), "application/json").status_code
            == 401
        )
        demo.client.force_login(demo.users["resident_a"])
        response = demo.client.post("/api/v1/cases", rubbish_report(), "application/json")
        assert response.status_code == 401  # the session is for reading only


def jpeg(name: str = "现场.jpg") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), (200, 80, 40)).save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def multipart(demo: DemoApi, photos: list[Any]) -> Any:
    lat, lng = point_in_grid_a()
    return demo.client.post(
        "/api/v1/cases",
        {
            "description": RUBBISH,
            "category": "env.sanitation",
            "lat": lat,
            "lng": lng,
            "photos": photos,
        },
        headers=demo.headers("resident_a"),
    )


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("notes.txt", b"just some words", content_type="image/jpeg"),
        SimpleUploadedFile("fake.png", b"\x89PNG\r\n\x1a\nbroken", content_type="image/png"),
    ],
)
def test_a_non_image_photo_is_refused(demo, upload):
    with writes_nothing():
        body = refused(multipart(demo, [jpeg(), upload]), 400, "photos")
        assert upload.name in body["errors"]["photos"][0]


def test_an_oversized_photo_and_too_many_photos_are_refused(demo, settings):
    settings.GRIDGOV_PHOTO_MAX_BYTES = 1000
    with writes_nothing():
        refused(multipart(demo, [jpeg("big.jpg")]), 400, "photos")
    settings.GRIDGOV_PHOTO_MAX_BYTES = 10_000_000
    settings.GRIDGOV_PHOTOS_PER_CASE = 2
    with writes_nothing():
        refused(multipart(demo, [jpeg(), jpeg(), jpeg()]), 400, "photos")
    assert multipart(demo, [jpeg(), jpeg()]).status_code == 201


# --------------------------------------------------------------------------- actions


@pytest.fixture
def case(demo) -> dict[str, Any]:
    """resident_a's rubbish report, dispatched to grid A."""
    response = demo.post("resident_a", "/cases", rubbish_report())
    assert response.status_code == 201, response.content
    return response.json()


def _ids(demo: DemoApi, case: dict[str, Any], elsewhere: dict[str, Any]) -> dict[str, Any]:
    return {
        "grid_a_unit": unit_for(grid_a()).pk,
        "elsewhere_unit": elsewhere["unit"].pk,
        "case": case["id"],
    }


Body = Callable[[dict[str, Any]], dict[str, Any]]

BAD_ACTIONS: list[tuple[str, str, Body, int, str | None]] = [
    # a role that may not take the step: 404, like a case outside the caller's view
    ("grid_worker_b", "accept", lambda ids: {}, 404, None),
    ("dept_urban", "accept", lambda ids: {}, 404, None),
    ("resident_a", "accept", lambda ids: {}, 404, None),
    ("community_admin", "accept", lambda ids: {}, 404, None),
    ("street_admin", "resolve", lambda ids: {"reply": "已处理"}, 404, None),
    (
        "grid_worker_a",
        "redispatch",
        lambda ids: {"unit": ids["grid_a_unit"], "reason": "x"},
        404,
        None,
    ),
    ("grid_worker_a", "report", lambda ids: {}, 404, None),  # nobody summoned grid A
    ("resident_a", "rate", lambda ids: {"rating": "satisfied"}, 409, None),  # not closed yet
    ("grid_worker_a", "frobnicate", lambda ids: {}, 404, None),
    # a reason, reply, number or choice missing where required
    ("grid_worker_a", "return", lambda ids: {}, 400, "reason"),
    ("grid_worker_a", "return", lambda ids: {"reason": "   "}, 400, "reason"),
    ("grid_worker_a", "whistle", lambda ids: {"to": "up"}, 400, "reason"),
    ("grid_worker_a", "whistle", lambda ids: {"reason": "清不动"}, 400, "units"),
    ("grid_worker_a", "request_extension", lambda ids: {"reason": "等配件"}, 400, "days"),
    ("grid_worker_a", "request_extension", lambda ids: {"days": 0, "reason": "x"}, 400, "days"),
    ("grid_worker_a", "request_extension", lambda ids: {"days": 3}, 400, "reason"),
    ("grid_worker_a", "resolve", lambda ids: {}, 400, "reply"),
    ("street_admin", "redispatch", lambda ids: {"unit": ids["grid_a_unit"]}, 400, "reason"),
    ("street_admin", "redispatch", lambda ids: {"reason": "改派"}, 400, "unit"),
    ("street_admin", "suspend", lambda ids: {}, 400, "reason"),
    ("street_admin", "decide_extension", lambda ids: {}, 400, "approve"),
    ("street_admin", "decide_extension", lambda ids: {"approve": True}, 400, "approve"),
    ("street_admin", "merge", lambda ids: {}, 400, "into"),
    ("street_admin", "merge", lambda ids: {"into": ids["case"]}, 400, "into"),
    ("street_admin", "merge", lambda ids: {"into": 999_999_999}, 400, "into"),
    ("street_admin", "reopen", lambda ids: {}, 400, "reason"),
    # a unit the caller cannot see, or of no street of theirs
    ("street_admin", "redispatch", lambda ids: {"unit": 999_999_999, "reason": "x"}, 400, "unit"),
    (
        "street_admin",
        "redispatch",
        lambda ids: {"unit": ids["elsewhere_unit"], "reason": "x"},
        400,
        "unit",
    ),
    ("grid_worker_a", "whistle", lambda ids: {"units": [999_999_999], "reason": "x"}, 400, "units"),
    (
        "grid_worker_a",
        "whistle",
        lambda ids: {"units": [ids["elsewhere_unit"]], "reason": "x"},
        400,
        "units",
    ),
    (
        "grid_worker_a",
        "whistle",
        lambda ids: {"units": [ids["grid_a_unit"]], "reason": "x"},
        400,
        "units",
    ),
    (
        "grid_worker_a",
        "whistle",
        lambda ids: {"to": "up", "units": [ids["grid_a_unit"]], "reason": "x"},
        400,
        "units",
    ),
    # moves the workflow does not allow now: 409
    ("grid_worker_a", "verify", lambda ids: {"ok": True}, 409, None),
    ("street_admin", "reject", lambda ids: {"reason": "不受理"}, 409, None),
    ("street_admin", "register", lambda ids: {}, 409, None),
    ("street_admin", "reopen", lambda ids: {"reason": "重办"}, 409, None),
    ("street_admin", "resume", lambda ids: {}, 409, None),
    # a lost race: the version the caller saw is stale
    ("grid_worker_a", "accept", lambda ids: {"version": 0}, 409, None),
    # malformed bodies
    ("grid_worker_a", "request_extension", lambda ids: {"days": "many", "reason": "x"}, 422, None),
    ("grid_worker_a", "whistle", lambda ids: {"to": "down", "reason": "x"}, 422, None),
]


@pytest.mark.parametrize(
    "who, action, body, status, field",
    BAD_ACTIONS,
    ids=[
        f"{who}-{action}-{status}-{field or ''}-{i}"
        for i, (who, action, _b, status, field) in enumerate(BAD_ACTIONS)
    ],
)
def test_bad_actions_answer_clearly_and_write_nothing(
    demo, case, elsewhere, who, action, body, status, field
):
    payload = body(_ids(demo, case, elsewhere))
    with writes_nothing():
        response = demo.act(who, case["id"], action, payload)
        assert response.status_code == status, response.content.decode()
        detail = response.json()["detail"]
        assert detail
        if field is not None:
            assert field in response.json()["errors"]
    # the case is untouched and the lead unit can still act on it
    assert (
        demo.act("grid_worker_a", case["id"], "accept", {"version": case["version"]}).status_code
        == 200
    )


def test_a_missing_case_is_404_everywhere(demo):
    for path in ("/cases/999999999", "/cases/999999999/events"):
        assert demo.get("street_admin", path).status_code == 404
    with writes_nothing():
        assert demo.act("street_admin", 999_999_999, "reject", {"reason": "x"}).status_code == 404


def closed(demo: DemoApi, case: dict[str, Any]) -> Case:
    row = Case.objects.get(pk=case["id"])
    worker = demo.users["grid_worker_a"]
    accept_case(case=row, actor=worker)
    resolve_case(case=row, actor=worker, reply="已清理")
    return verify_case(case=row, actor=worker, ok=True)


def test_only_the_requester_rates_and_only_once(demo, case):
    closed(demo, case)
    neighbour = Household.objects.filter(grid=grid_a()).order_by("-id").first()
    demo.add_user("resident_z", Role.RESIDENT, neighbour)
    with writes_nothing():
        for who in ("grid_worker_a", "street_admin", "community_admin", "resident_z"):
            response = demo.act(who, case["id"], "rate", {"rating": "satisfied"})
            assert response.status_code == 404, (who, response.content)
        refused(demo.act("resident_a", case["id"], "rate", {}), 400, "rating")
        refused(demo.act("resident_a", case["id"], "rate", {"rating": "meh"}), 400, "rating")
    rated = demo.act("resident_a", case["id"], "rate", {"rating": "basically_satisfied"})
    assert rated.status_code == 200 and rated.json()["rating"] == "basically_satisfied"
    with writes_nothing():
        refused(demo.act("resident_a", case["id"], "rate", {"rating": "satisfied"}), 409)


def test_verification_that_fails_needs_a_note(demo, case):
    row = Case.objects.get(pk=case["id"])
    resolve_case(case=row, actor=demo.users["grid_worker_a"], reply="已清理")
    with writes_nothing():
        refused(demo.act("grid_worker_a", case["id"], "verify", {}), 400, "ok")
        refused(demo.act("grid_worker_a", case["id"], "verify", {"ok": False}), 400, "note")
    again = demo.act("grid_worker_a", case["id"], "verify", {"ok": False, "note": "还有一堆"})
    assert again.status_code == 200 and again.json()["status"] == "dispatched"


# --------------------------------------------------------------------------- reading


@pytest.mark.parametrize(
    "params, field",
    [
        ({"status": "lost"}, "status"),
        ({"status": "dispatched,lost"}, "status"),
        ({"category": "env.no_such_thing"}, "category"),
        ({"grid": 999_999_999}, "grid"),
        ({"community": 999_999_999}, "community"),
        ({"unit": 999_999_999}, "unit"),
        ({"channel": "pigeon"}, "channel"),
        ({"overdue": "maybe"}, "overdue"),
        ({"since": "2025-02-01", "until": "2025-01-01"}, "until"),
    ],
)
def test_bad_list_filters_are_400_with_the_parameter(demo, case, params, field):
    refused(demo.get("street_admin", "/cases", **params), 400, field)


def test_filters_naming_another_streets_places_are_refused(demo, case, elsewhere):
    refused(demo.get("street_admin", "/cases", grid=elsewhere["grid"].pk), 400, "grid")
    refused(demo.get("street_admin", "/cases", unit=elsewhere["unit"].pk), 400, "unit")


@pytest.mark.parametrize(
    "path, params",
    [
        ("/cases", {"since": "yesterday"}),
        ("/cases", {"limit": 0}),
        ("/cases", {"offset": -1}),
        ("/units", {"kind": "army"}),
    ],
)
def test_malformed_query_parameters_are_422(demo, path, params):
    assert demo.get("street_admin", path, **params).status_code == 422


@pytest.mark.parametrize("path", ["/cases", "/cases/1", "/cases/1/events", "/units", "/me"])
def test_reading_needs_authentication(demo, path):
    assert demo.client.get(f"/api/v1{path}").status_code == 401
