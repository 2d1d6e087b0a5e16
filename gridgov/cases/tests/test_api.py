"""The case loop through the API on the demo street (湖岛街道), as the personas.

resident_a reports construction rubbish in 宜昌路社区第一网格 → routed to the
grid's unit with due times → grid_worker_a accepts and whistles up → the
community admin whistles 城市管理科 → dept_urban reports for duty and
resolves → grid_worker_a verifies → resident_a rates.  grid_worker_b, in the
next grid, gets 404 on the case throughout.
"""

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from gridgov.accounts.actions import assign_role, create_api_token, create_user
from gridgov.accounts.models import Role
from gridgov.cases.actions import submit_case
from gridgov.cases.ledger import verify_ledger
from gridgov.cases.models import Case, CaseEvent, Category, Unit
from gridgov.cases.units import unit_for
from gridgov.core.demo_data import PERSONAS, load_demo
from gridgov.places.models import Building, Department, Grid, Household

RUBBISH = "宜昌路上有人倒了一大堆装修的建筑垃圾, 已经堆了好几天了, 没人清运, 占了半条人行道"
ACTION_NAMES = (
    "register",
    "reject",
    "dispatch",
    "accept",
    "return",
    "redispatch",
    "whistle",
    "report",
    "request_extension",
    "decide_extension",
    "resolve",
    "verify",
    "reopen",
    "suspend",
    "resume",
    "merge",
    "rate",
)


@dataclass
class DemoApi:
    """The demo street loaded, a token per persona, and a client speaking JSON."""

    client: Any
    tokens: dict[str, str]
    users: dict[str, Any]

    def headers(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def get(self, who: str, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1{path}", params, headers=self.headers(who))

    def post(self, who: str, path: str, data: Any = None) -> Any:
        body = "" if data is None else json.dumps(data)
        return self.client.post(
            f"/api/v1{path}", body, content_type="application/json", headers=self.headers(who)
        )

    def act(self, who: str, case_id: int, action: str, body: Any = None) -> Any:
        return self.post(who, f"/cases/{case_id}/actions/{action}", body or {})

    def ok(self, response: Any, status: int = 200) -> Any:
        assert response.status_code == status, response.content.decode()
        return response.json()

    def add_user(self, username: str, role: Role, target: Any) -> Any:
        user = create_user(username=username, password="x-demo-pass-1", full_name=username)
        assign_role(user=user, role=role, target=target)
        self.users[username] = user
        self.tokens[username] = create_api_token(user=user, name="test")[1]
        return user


def demo_api(client: Any) -> DemoApi:
    """Load the demo street and give every persona a token (the other API tests use it too)."""
    load_demo(cases=0)  # the street and personas; no month of history
    names = [username for username, _role, _target in PERSONAS]
    users = {u.username: u for u in get_user_model().objects.filter(username__in=names)}
    tokens = {name: create_api_token(user=user, name="test")[1] for name, user in users.items()}
    return DemoApi(client=client, tokens=tokens, users=users)


@pytest.fixture
def demo(db, client) -> DemoApi:
    return demo_api(client)


def grid_a() -> Grid:
    return Grid.objects.get(name="宜昌路社区第一网格")


def point_in_grid_a() -> tuple[float, float]:
    building = Building.objects.filter(grid=grid_a()).order_by("id").first()
    assert building is not None
    return building.lat, building.lng


def rubbish_report(**extra: Any) -> dict[str, Any]:
    lat, lng = point_in_grid_a()
    return {
        "description": RUBBISH,
        "category": "env.sanitation",
        "lat": lat,
        "lng": lng,
        "channel": "app",
        **extra,
    }


def assert_hidden_from_grid_b(api: DemoApi, case_id: int) -> None:
    """grid_worker_b (the next grid) can neither read nor touch the case."""
    events = CaseEvent.objects.filter(case_id=case_id).count()
    assert api.get("grid_worker_b", f"/cases/{case_id}").status_code == 404
    assert api.get("grid_worker_b", f"/cases/{case_id}/events").status_code == 404
    listed = api.ok(api.get("grid_worker_b", "/cases"))
    assert case_id not in [row["id"] for row in listed["items"]]
    for action in ACTION_NAMES:
        body = {
            "reason": "试试",
            "reply": "试试",
            "note": "试试",
            "ok": True,
            "rating": "satisfied",
        }
        response = api.act("grid_worker_b", case_id, action, body)
        assert response.status_code == 404, (action, response.content)
    assert CaseEvent.objects.filter(case_id=case_id).count() == events


def test_the_whole_loop_through_the_api_on_the_demo_street(demo):
    api = demo
    grid = grid_a()
    grid_unit = unit_for(grid)

    # resident_a reports: routed to grid A's unit at once (直派), with due times.
    created = api.ok(api.post("resident_a", "/cases", rubbish_report()), 201)
    case_id = created["id"]
    assert created["status"] == "dispatched"
    assert created["number"].startswith("370203016-")
    assert created["category"] == {"code": "env.sanitation", "name": "环境卫生"}
    assert created["street"]["name"] == "湖岛街道"
    assert created["community"]["name"] == "宜昌路社区"
    assert created["grid"] == {"id": grid.pk, "name": "宜昌路社区第一网格"}
    assert created["lead_unit"] == {"kind": "grid", "id": grid_unit.pk, "name": grid.name}
    assert created["response_due"] and created["resolve_due"]
    assert created["response_due"] < created["resolve_due"]
    assert "宜昌路社区第一网格" in created["routing_reason"]
    assert created["channel"] == "app" and created["overdue"] is False
    assert created["requester"]["user_id"] == api.users["resident_a"].pk
    assert created["allowed_actions"] == []  # the requester waits (rates once it is closed)
    assert_hidden_from_grid_b(api, case_id)

    # grid_worker_a sees it in the grid's queue, accepts, then whistles up to the community.
    queue = api.ok(api.get("grid_worker_a", "/cases", status="dispatched"))
    assert [row["id"] for row in queue["items"]] == [case_id]
    seen = api.ok(api.get("grid_worker_a", f"/cases/{case_id}"))
    assert {"accept", "whistle", "resolve", "return", "verify"} - set(seen["allowed_actions"]) == {
        "verify"
    }
    case = api.ok(api.act("grid_worker_a", case_id, "accept", {"note": "已联系, 下午到现场"}))
    assert case["status"] == "accepted" and case["accepted_at"]
    case = api.ok(
        api.act(
            "grid_worker_a",
            case_id,
            "whistle",
            {
                "to": "up",
                "reason": "垃圾量大, 网格清不动, 需要社区协调",
                "version": case["version"],
            },
        )
    )
    community_unit = unit_for(grid.community)
    assert [(h["unit"]["id"], h["state"]) for h in case["co_handlers"]] == [
        (community_unit.pk, "awaiting")
    ]
    assert_hidden_from_grid_b(api, case_id)

    # community_admin whistles 城市管理科, found among the units it may summon.
    units = api.ok(api.get("community_admin", "/units", kind="department"))["items"]
    urban = next(u for u in units if u["name"] == "城市管理科")
    assert urban["department_id"] == Department.objects.get(name="城市管理科").pk
    case = api.ok(
        api.act(
            "community_admin",
            case_id,
            "whistle",
            {"units": [urban["id"]], "reason": "需要城管调车清运"},
        )
    )
    assert [h["unit"]["name"] for h in case["co_handlers"]] == ["宜昌路社区", "城市管理科"]
    assert_hidden_from_grid_b(api, case_id)

    # dept_urban sees the case now, reports for duty and resolves it.
    seen = api.ok(api.get("dept_urban", f"/cases/{case_id}"))
    assert "report" in seen["allowed_actions"] and "resolve" in seen["allowed_actions"]
    assert seen["requester"]["user_id"] == api.users["resident_a"].pk  # a handler
    case = api.ok(api.act("dept_urban", case_id, "report", {"note": "已到场"}))
    assert case["co_handlers"][1]["state"] == "reported"
    case = api.ok(api.act("dept_urban", case_id, "resolve", {"reply": "已调车清运完毕"}))
    assert case["status"] == "resolved" and case["reply"] == "已调车清运完毕"
    assert case["lead_unit"]["id"] == grid_unit.pk  # the lead unit stays responsible
    assert_hidden_from_grid_b(api, case_id)

    # grid_worker_a verifies on site; resident_a rates.
    assert "verify" in api.ok(api.get("grid_worker_a", f"/cases/{case_id}"))["allowed_actions"]
    case = api.ok(api.act("grid_worker_a", case_id, "verify", {"ok": True, "note": "现场已干净"}))
    assert case["status"] == "closed" and case["closed_at"]
    mine = api.ok(api.get("resident_a", f"/cases/{case_id}"))
    assert mine["allowed_actions"] == ["rate"]
    case = api.ok(
        api.act("resident_a", case_id, "rate", {"rating": "satisfied", "comment": "很快, 谢谢"})
    )
    assert case["status"] == "closed" and case["rating"] == "satisfied"
    assert case["allowed_actions"] == []
    assert_hidden_from_grid_b(api, case_id)

    # The ledger holds every step, in order.
    events = api.ok(api.get("resident_a", f"/cases/{case_id}/events"))
    assert events["count"] == 10
    rows = events["items"]
    assert [e["sequence"] for e in rows] == list(range(1, 11))
    assert [(e["action"], e["from_status"], e["to_status"]) for e in rows] == [
        ("submit", "", "submitted"),
        ("register", "submitted", "registered"),
        ("dispatch", "registered", "dispatched"),
        ("accept", "dispatched", "accepted"),
        ("whistle", "accepted", "accepted"),
        ("whistle", "accepted", "accepted"),
        ("report", "accepted", "accepted"),
        ("resolve", "accepted", "resolved"),
        ("verify", "resolved", "closed"),
        ("rate", "closed", "closed"),
    ]
    assert [e["actor_name"] for e in rows] == [
        "resident_a",
        "system",
        "system",
        "grid_worker_a",
        "grid_worker_a",
        "community_admin",
        "dept_urban",
        "dept_urban",
        "grid_worker_a",
        "resident_a",
    ]
    assert rows[2]["units"] == [{"id": grid_unit.pk, "kind": "grid", "name": grid.name}]
    assert rows[4]["units"][0]["id"] == community_unit.pk
    assert rows[5]["unit"]["id"] == community_unit.pk and rows[5]["units"][0]["id"] == urban["id"]
    assert rows[6]["unit"]["name"] == "城市管理科" and rows[6]["note"] == "已到场"
    assert rows[9]["data"] == {"rating": "satisfied"}
    assert rows[0]["time"] <= rows[-1]["time"]
    assert verify_ledger() == (1, [])


def test_the_list_filters_and_paginates(demo):
    api = demo
    first = api.ok(api.post("resident_a", "/cases", rubbish_report()), 201)
    second = api.ok(
        api.post("resident_a", "/cases", rubbish_report(category=None, description="想咨询社区")),
        201,
    )
    assert second["status"] == "submitted" and second["lead_unit"]["kind"] == "street"
    everything = api.ok(api.get("street_admin", "/cases"))
    assert [row["id"] for row in everything["items"]] == [second["id"], first["id"]]
    assert everything["count"] == 2

    def ids(**params: Any) -> list[int]:
        return [row["id"] for row in api.ok(api.get("street_admin", "/cases", **params))["items"]]

    assert ids(status="submitted") == [second["id"]]
    assert ids(status="submitted,dispatched") == [second["id"], first["id"]]
    assert ids(category="env.sanitation") == [first["id"]]
    assert ids(grid=grid_a().pk) == [second["id"], first["id"]]
    assert ids(community=grid_a().community_id, channel="app") == [second["id"], first["id"]]
    assert ids(unit=first["lead_unit"]["id"]) == [first["id"]]
    assert ids(overdue="true") == []
    assert ids(since="2000-01-01", until="2999-12-31") == [second["id"], first["id"]]
    assert ids(until="2000-01-01") == []
    assert ids(q=first["number"]) == [first["id"]]
    page = api.ok(api.get("street_admin", "/cases", limit=1, offset=1))
    assert page["count"] == 2 and [row["id"] for row in page["items"]] == [first["id"]]
    # the resident sees only their own cases; grid B's worker none of these
    assert [r["id"] for r in api.ok(api.get("resident_a", "/cases"))["items"]] == [
        second["id"],
        first["id"],
    ]
    assert api.ok(api.get("grid_worker_b", "/cases"))["count"] == 0


def test_overdue_cases_are_flagged_and_filtered(demo):
    api = demo
    created = api.ok(api.post("resident_a", "/cases", rubbish_report()), 201)
    Case.objects.filter(pk=created["id"]).update(response_due="2001-01-01T00:00:00Z")
    listed = api.ok(api.get("grid_worker_a", "/cases", overdue="true"))
    assert [(row["id"], row["overdue"]) for row in listed["items"]] == [(created["id"], True)]


def test_the_list_makes_the_same_queries_however_many_cases(demo, django_assert_max_num_queries):
    api = demo
    lat, lng = point_in_grid_a()
    resident = api.users["resident_a"]
    sanitation = Category.objects.get(code="env.sanitation")

    def add(count: int) -> None:
        for i in range(count):
            submit_case(
                description=f"{RUBBISH} ({i})",
                category=sanitation if i % 2 else None,
                lat=lat,
                lng=lng,
                actor=resident,
                anonymous=bool(i % 3),
            )

    def queries(who: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            listed = api.ok(api.get(who, "/cases"))
        assert listed["items"]
        return len(captured)

    add(3)
    few = {who: queries(who) for who in ("street_admin", "grid_worker_a", "resident_a")}
    add(30)
    for who, count in few.items():
        with django_assert_max_num_queries(count):
            assert api.ok(api.get(who, "/cases"))["count"] == 33
    assert max(few.values()) <= 8


def test_units_lists_what_the_caller_may_dispatch_or_summon_to(demo):
    api = demo
    assert not Unit.objects.exists()  # nothing made until needed
    rows = api.ok(api.get("grid_worker_a", "/units"))["items"]
    kinds = [row["kind"] for row in rows]
    assert kinds.count("street") == 1 and kinds.count("community") == 3
    assert kinds.count("grid") == 15 and kinds.count("department") == 6
    assert kinds.count("partner") == 4
    clinic = next(row for row in rows if row["name"] == "永新中医院")
    assert clinic["grid_id"] == grid_a().pk and clinic["organisation_id"]
    again = api.ok(api.get("dept_urban", "/units"))["items"]
    assert again == rows  # made once, listed the same for everyone of the street
    grids = api.ok(api.get("street_admin", "/units", kind="grid"))["items"]
    assert [row["kind"] for row in grids] == ["grid"] * 15
    # residents and enterprise contacts dispatch and summon nobody
    assert api.ok(api.get("resident_a", "/units"))["count"] == 0
    assert api.ok(api.get("enterprise_a", "/units"))["count"] == 0


def test_me_names_the_units_the_caller_acts_for(demo):
    api = demo
    me = api.ok(api.get("grid_worker_a", "/me"))
    assert me["units"] == [{"id": unit_for(grid_a()).pk, "kind": "grid", "name": grid_a().name}]
    secretary = api.ok(api.get("branch_secretary_a", "/me"))
    assert [u["kind"] for u in secretary["units"]] == ["grid"]
    assert api.ok(api.get("dept_urban", "/me"))["units"][0]["name"] == "城市管理科"
    assert api.ok(api.get("resident_a", "/me"))["units"] == []
    # a fresh clerk with two roles sees both units at once
    social = Department.objects.get(name="社会事务科")
    clerk = api.add_user("clerk_social", Role.DEPARTMENT_CLERK, social)
    assign_role(user=clerk, role=Role.COMMUNITY_ADMIN, target=grid_a().community)
    units = api.ok(api.get("clerk_social", "/me"))["units"]
    assert [(u["kind"], u["name"]) for u in units] == [
        ("community", "宜昌路社区"),
        ("department", "社会事务科"),
    ]


def test_the_requester_is_shown_to_handlers_and_hidden_from_other_residents(demo):
    api = demo
    created = api.ok(
        api.post(
            "resident_a",
            "/cases",
            rubbish_report(anonymous=True, reporter_name="张先生", reporter_phone="13912345678"),
        ),
        201,
    )
    case_id = created["id"]
    expected = {
        "user_id": api.users["resident_a"].pk,
        "name": "张先生",
        "phone": "13912345678",
    }
    assert created["anonymous"] is True and created["requester"] == expected
    for staff in ("grid_worker_a", "community_admin", "street_admin", "branch_secretary_a"):
        assert api.ok(api.get(staff, f"/cases/{case_id}"))["requester"] == expected
        listed = api.ok(api.get(staff, "/cases"))["items"]
        assert [row["requester"] for row in listed] == [expected]
    # another resident of the same grid: not their case, so not found at all
    neighbour = Household.objects.filter(grid=grid_a()).order_by("-id").first()
    api.add_user("resident_z", Role.RESIDENT, neighbour)
    assert api.get("resident_z", f"/cases/{case_id}").status_code == 404
    assert api.get("resident_z", f"/cases/{case_id}/events").status_code == 404
    assert api.ok(api.get("resident_z", "/cases"))["count"] == 0
    for outsider in ("dept_urban", "partner_clinic", "enterprise_a"):
        assert api.get(outsider, f"/cases/{case_id}").status_code == 404


def test_reopen_by_the_dispatcher_and_the_dispatchers_other_steps(demo):
    api = demo
    created = api.ok(
        api.post("resident_a", "/cases", rubbish_report(category=None, description="路灯不亮了")),
        201,
    )
    case_id = created["id"]
    seen = api.ok(api.get("street_admin", f"/cases/{case_id}"))
    assert seen["allowed_actions"] == ["register", "reject", "merge"]
    case = api.ok(api.act("street_admin", case_id, "register", {"category": "facility.lighting"}))
    assert case["status"] == "registered" and case["category"]["code"] == "facility.lighting"
    urban = unit_for(Department.objects.get(name="城市管理科"))
    case = api.ok(api.act("street_admin", case_id, "dispatch", {"unit": urban.pk}))
    assert case["status"] == "dispatched" and case["lead_unit"]["id"] == urban.pk
    case = api.ok(
        api.act("dept_urban", case_id, "request_extension", {"days": 5, "reason": "等配件"})
    )
    assert case["extension_days_requested"] == 5
    assert (
        "decide_extension"
        in api.ok(api.get("street_admin", f"/cases/{case_id}"))["allowed_actions"]
    )
    due = case["resolve_due"]
    case = api.ok(api.act("street_admin", case_id, "decide_extension", {"approve": True}))
    assert case["extension_days_requested"] is None and case["resolve_due"] > due
    case = api.ok(api.act("street_admin", case_id, "suspend", {"reason": "等待道路施工结束"}))
    assert case["status"] == "suspended"
    case = api.ok(api.act("street_admin", case_id, "resume"))
    assert case["status"] == "dispatched"
    case = api.ok(api.act("dept_urban", case_id, "resolve", {"reply": "已更换灯泡"}))
    case = api.ok(api.act("street_admin", case_id, "verify", {"ok": True}))
    assert case["status"] == "closed"
    assert "reopen" in case["allowed_actions"]
    assert "reopen" not in api.ok(api.get("grid_worker_a", f"/cases/{case_id}"))["allowed_actions"]
    assert api.act("grid_worker_a", case_id, "reopen", {"reason": "又坏了"}).status_code == 404
    case = api.ok(api.act("street_admin", case_id, "reopen", {"reason": "居民反映又不亮了"}))
    assert case["status"] == "dispatched" and case["reopen_count"] == 1
    assert case["closed_at"] is None and case["lead_unit"]["id"] == urban.pk
    events = api.ok(api.get("street_admin", f"/cases/{case_id}/events"))["items"]
    assert events[-1]["action"] == "reopen" and events[-1]["note"] == "居民反映又不亮了"
    assert verify_ledger() == (1, [])


def test_return_redispatch_reject_and_merge(demo):
    api = demo
    first = api.ok(api.post("resident_a", "/cases", rubbish_report()), 201)
    case = api.ok(api.act("grid_worker_a", first["id"], "return", {"reason": "属于物业管理范围"}))
    assert case["status"] == "returned" and case["lead_unit"]["kind"] == "street"
    community = unit_for(grid_a().community)
    case = api.ok(
        api.act(
            "street_admin",
            first["id"],
            "redispatch",
            {"unit": community.pk, "reason": "交社区协调物业"},
        )
    )
    assert case["status"] == "dispatched" and case["routing_reason"] == "交社区协调物业"
    duplicate = api.ok(api.post("resident_a", "/cases", rubbish_report()), 201)
    case = api.ok(api.act("street_admin", duplicate["id"], "merge", {"into": first["id"]}))
    assert case["status"] == "merged" and case["merged_into"] == {
        "id": first["id"],
        "number": first["number"],
    }
    third = api.ok(
        api.post(
            "resident_a",
            "/cases",
            rubbish_report(category=None, description="想问一下办居住证的事"),
        ),
        201,
    )
    case = api.ok(api.act("street_admin", third["id"], "reject", {"reason": "不属于受理范围"}))
    assert case["status"] == "rejected"


def test_a_report_by_building_and_with_photos(demo, client):
    api = demo
    building = Building.objects.filter(grid=grid_a()).order_by("id").first()
    created = api.ok(
        api.post(
            "grid_worker_a",
            "/cases",
            {
                "description": "楼道里堆满了纸箱, 有消防隐患",
                "category": "env.sanitation",
                "building_id": building.pk,
                "kind": "patrol",
                "channel": "patrol",
            },
        ),
        201,
    )
    assert created["building_id"] == building.pk and created["grid"]["id"] == grid_a().pk
    assert created["address"] == building.address and created["kind"] == "patrol"

    import io

    from PIL import Image

    def jpeg(name: str) -> Any:
        out = io.BytesIO()
        Image.new("RGB", (640, 480), (90, 120, 40)).save(out, format="JPEG")
        out.name = name
        out.seek(0)
        return out

    lat, lng = point_in_grid_a()
    response = client.post(
        "/api/v1/cases",
        {
            "description": RUBBISH,
            "category": "env.sanitation",
            "lat": str(lat),
            "lng": str(lng),
            "anonymous": "true",
            "building_id": "",
            "photos": [jpeg("现场1.jpg"), jpeg("现场2.jpg")],
        },
        headers=api.headers("resident_a"),
    )
    created = api.ok(response, 201)
    assert created["anonymous"] is True and created["status"] == "dispatched"
    assert [(p["width"], p["height"], p["content_type"]) for p in created["photos"]] == [
        (640, 480, "image/jpeg")
    ] * 2
    events = api.ok(api.get("resident_a", f"/cases/{created['id']}/events"))["items"]
    assert len(events[0]["data"]["photos"]) == 2
    for photo, name in [(p, n) for p in created["photos"] for n in ("case-photo", "case-thumb")]:
        try:  # where the case pages are installed, they serve the photos
            expected = reverse(name, kwargs={"pk": created["id"], "photo_id": photo["id"]})
        except NoReverseMatch:
            expected = None
        assert photo["url" if name == "case-photo" else "thumbnail_url"] == expected
