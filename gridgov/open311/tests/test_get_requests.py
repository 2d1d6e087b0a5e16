"""GET requests, requests/{id}: the spec's fields, what the public may see, filters and paging."""

from __future__ import annotations

import datetime
import json

import pytest

from gridgov.cases.actions import (
    accept_case,
    merge_case,
    reject_case,
    resolve_case,
    submit_case,
    verify_case,
    whistle,
)
from gridgov.cases.models import Category, Channel
from gridgov.core import clock
from gridgov.open311.tests.helpers import JURISDICTION, ROOT, pothole_form

FIELDS = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
]
RUBBISH = "金华路46号门口的建筑垃圾堆了好几天了，没人清运"


def listing(client, fmt="json", **params):
    params.setdefault("jurisdiction_id", JURISDICTION)
    return client.get(f"{ROOT}/requests.{fmt}", params)


def numbers(client, **params):
    response = listing(client, **params)
    assert response.status_code == 200, response.content
    return [row["service_request_id"] for row in response.json()]


def web_case(world, *, anonymous=False, code="env.sanitation", description=RUBBISH, **place):
    place = place or {"lat": 36.105, "lng": 120.305}
    return submit_case(
        description=description,
        category=Category.objects.get(code=code),
        actor=world.resident,
        requester_name="张三",
        requester_phone="13800001111",
        anonymous=anonymous,
        channel=Channel.WEB,
        **place,
    )


def test_the_list_is_a_bare_array_of_requests_with_the_specs_fields(client, o311):
    case = web_case(o311, building=o311.building_a)
    response = listing(client)
    assert response["Content-Type"] == "application/json; charset=utf-8"
    [row] = response.json()
    assert list(row) == FIELDS
    local = datetime.timezone(datetime.timedelta(hours=8))
    assert row["service_request_id"] == case.number
    assert row["status"] == "open"
    assert row["service_code"] == "env.sanitation" and row["service_name"] == "环境卫生"
    assert row["agency_responsible"] == "一网格"
    assert row["requested_datetime"] == case.submitted_at.astimezone(local).isoformat(
        "T", "seconds"
    )
    assert row["expected_datetime"] == case.resolve_due.astimezone(local).isoformat("T", "seconds")
    assert row["requested_datetime"].endswith("+08:00")
    assert row["address"] == "青岛市市北区万安一路6号" and row["address_id"] == str(
        o311.building_a.pk
    )
    assert (row["lat"], row["long"]) == (o311.building_a.lat, o311.building_a.lng)
    assert row["zipcode"] is None and row["media_url"] is None


def test_updated_datetime_is_the_latest_step(client, o311):
    at = datetime.datetime(2026, 11, 20, 9, 0, tzinfo=datetime.UTC)
    with clock.frozen(at):
        case = web_case(o311)
    with clock.frozen(at + datetime.timedelta(hours=2)):
        accept_case(case=case, actor=o311.grid_worker_a)
    [row] = client.get(
        f"{ROOT}/requests/{case.number}.json", {"jurisdiction_id": JURISDICTION}
    ).json()
    assert row["requested_datetime"] == "2026-11-20T17:00:00+08:00"
    assert row["updated_datetime"] == "2026-11-20T19:00:00+08:00"


def test_get_never_shows_the_requester(client, raw_key, o311):
    web_case(o311)
    client.post(f"{ROOT}/requests.json", pothole_form(raw_key))
    for fmt in ("json", "xml"):
        content = listing(client, fmt).content.decode()
        for secret in (
            "张三",
            "13800001111",
            "王小明",
            "小明",
            "13900001234",
            "wang@example.cn",
            "device-1",
            "account-1",
        ):
            assert secret not in content, (fmt, secret)


def test_phone_numbers_in_the_description_are_masked(client, o311):
    web_case(o311, description="楼下垃圾没人清运，联系我13912345678或0532-88889999")
    [row] = listing(client).json()
    assert "13912345678" not in row["description"] and "139****5678" in row["description"]
    assert "88889999" not in row["description"]


def test_anonymous_cases_of_other_channels_are_not_public(client, o311):
    shown = web_case(o311)
    web_case(o311, anonymous=True)
    assert numbers(client) == [shown.number]


def test_cases_of_other_streets_stay_in_their_jurisdiction(client, o311):
    here = web_case(o311)
    there = web_case(o311, lat=36.105, lng=120.405)
    assert numbers(client) == [here.number]
    assert numbers(client, jurisdiction_id="370203902") == [there.number]
    detail = client.get(f"{ROOT}/requests/{there.number}.json", {"jurisdiction_id": JURISDICTION})
    assert detail.status_code == 404


def test_an_unknown_request_is_404_in_both_formats(client, o311):
    for fmt in ("json", "xml"):
        response = client.get(f"{ROOT}/requests/nope.{fmt}", {"jurisdiction_id": JURISDICTION})
        assert response.status_code == 404
    response = client.get(f"{ROOT}/requests/nope.json", {"jurisdiction_id": JURISDICTION})
    assert json.loads(response.content) == [
        {"code": 404, "description": json.loads(response.content)[0]["description"]}
    ]


# --------------------------------------------------------------------------- public status


def detail(client, case):
    response = client.get(f"{ROOT}/requests/{case.number}.json", {"jurisdiction_id": JURISDICTION})
    assert response.status_code == 200, response.content
    [row] = response.json()
    return row


def test_a_case_is_open_until_closed_and_notes_say_where_it_is_in_plain_words(client, o311):
    case = web_case(o311)
    row = detail(client, case)
    assert row["status"] == "open" and "一网格" in row["status_notes"]
    whistle(case=case, actor=o311.grid_worker_a, reason="内部：需要社区协调车辆", up=True)
    accept_case(case=case, actor=o311.grid_worker_a, note="内部备注：已电话联系")
    row = detail(client, case)
    assert row["status"] == "open" and "内部" not in row["status_notes"]
    resolve_case(case=case, actor=o311.grid_worker_a, reply="垃圾已清运完毕，感谢反映。")
    row = detail(client, case)
    assert (row["status"], row["status_notes"]) == ("open", "垃圾已清运完毕，感谢反映。")
    verify_case(case=case, actor=o311.community_admin, ok=True, note="内部：核查通过")
    row = detail(client, case)
    assert (row["status"], row["status_notes"]) == ("closed", "垃圾已清运完毕，感谢反映。")


def test_a_rejected_case_is_closed_with_its_reason(client, o311):
    case = web_case(o311, code="env.sanitation", lat=None, lng=None, street=o311.street)
    reject_case(case=case, actor=o311.street_admin, reason="不属于街道职责，请拨打12345")
    row = detail(client, case)
    assert (row["status"], row["status_notes"]) == ("closed", "不属于街道职责，请拨打12345")


def test_a_merged_case_is_closed_and_names_the_case_it_joined(client, o311):
    first = web_case(o311)
    second = web_case(o311)
    merge_case(case=second, actor=o311.street_admin, into=first)
    row = detail(client, second)
    assert row["status"] == "closed" and first.number in row["status_notes"]


# --------------------------------------------------------------------------- filters, paging


def test_service_request_id_list_overrides_every_other_filter(client, o311):
    old_at = clock.now() - datetime.timedelta(days=200)
    with clock.frozen(old_at):
        old = web_case(o311)
    new = web_case(o311)
    web_case(o311)
    ids = f"{old.number},{new.number},no-such"
    found = numbers(client, service_request_id=ids, status="closed", service_code="env.ads")
    assert found == [new.number, old.number]


def test_service_code_filters_by_a_comma_list_and_unknown_codes_are_404(client, o311):
    rubbish = web_case(o311)
    road = web_case(o311, code="facility.road", description="路面有坑，很危险，请尽快修")
    web_case(o311, code="env.greening", description="小区里的树枝折断了挂在半空")
    assert numbers(client, service_code="env.sanitation,facility.road") == [
        road.number,
        rubbish.number,
    ]
    assert numbers(client, service_code="facility.road") == [road.number]
    assert listing(client, service_code="env.sanitation,no.such").status_code == 404


def test_status_filters_open_closed_or_both(client, o311):
    open_case = web_case(o311)
    closed_case = web_case(o311, lat=None, lng=None, street=o311.street)
    reject_case(case=closed_case, actor=o311.street_admin, reason="重复反映")
    assert numbers(client, status="open") == [open_case.number]
    assert numbers(client, status="closed") == [closed_case.number]
    assert numbers(client, status="open,closed") == [closed_case.number, open_case.number]
    assert listing(client, status="pending").status_code == 400


def test_dates_default_to_the_last_90_days_and_filter_requested_datetime(client, o311):
    now = clock.now()
    with clock.frozen(now - datetime.timedelta(days=100)):
        old = web_case(o311)
    with clock.frozen(now - datetime.timedelta(days=10)):
        recent = web_case(o311)
    assert numbers(client) == [recent.number]
    window = {
        "start_date": (now - datetime.timedelta(days=120)).isoformat(),
        "end_date": (now - datetime.timedelta(days=50)).isoformat(),
    }
    assert numbers(client, **window) == [old.number]
    # One end given: the other is 90 days away from it.
    start = (now - datetime.timedelta(days=101)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert numbers(client, start_date=start) == [old.number]
    assert numbers(client, end_date=(now - datetime.timedelta(days=5)).isoformat()) == [
        recent.number
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "2026-11-20T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"},
        {"start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-06-01T00:00:00+08:00"},
        {"start_date": "yesterday"},
        {"end_date": "2026-02-30T00:00:00Z"},
        {"page": "0"},
        {"page": "two"},
        {"page_size": "0"},
        {"page_size": "1001"},
        {"page_size": "-5"},
        {"status": "open,pending"},
    ],
)
def test_malformed_query_parameters_are_400(client, o311, params):
    response = listing(client, "xml", **params)
    assert response.status_code == 400
    assert b"<errors><error><code>400</code>" in response.content


def test_paging_is_newest_first_with_page_and_page_size(client, o311):
    at = clock.now() - datetime.timedelta(days=1)
    made = []
    for minute in range(5):
        with clock.frozen(at + datetime.timedelta(minutes=minute)):
            made.append(web_case(o311).number)
    newest_first = made[::-1]
    assert numbers(client, page_size="2") == newest_first[:2]
    assert numbers(client, page_size="2", page="2") == newest_first[2:4]
    assert numbers(client, page_size="2", page="3") == newest_first[4:]
    assert numbers(client, page_size="2", page="4") == []
    assert numbers(client) == newest_first  # default page size 100


def test_the_list_takes_the_same_few_queries_for_many_cases(
    client, o311, django_assert_max_num_queries
):
    for _ in range(11):
        web_case(o311)
    case = web_case(o311, lat=None, lng=None, street=o311.street)
    reject_case(case=case, actor=o311.street_admin, reason="重复")
    with django_assert_max_num_queries(4):
        assert len(listing(client).json()) == 12
