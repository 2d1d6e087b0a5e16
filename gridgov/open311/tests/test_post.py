"""POST requests: intake through submit_case, the Open311 record, keys, moderation, bad input."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gridgov.cases import actions as case_actions
from gridgov.cases.actions import register_case
from gridgov.cases.models import Case, CaseEvent, CasePhoto, Channel
from gridgov.cases.workflow import Status
from gridgov.open311.actions import create_api_key, revoke_api_key
from gridgov.open311.models import ApiKey, RateWindow, ServiceRequestRecord
from gridgov.open311.tests.helpers import JURISDICTION, ROOT, counts, png_bytes, pothole_form


def post(client, form, fmt="json", **extra):
    return client.post(f"{ROOT}/requests.{fmt}", form, **extra)


def only(response, status=200):
    assert response.status_code == status, response.content
    body = json.loads(response.content)
    assert isinstance(body, list) and len(body) == 1
    return body[0]


def test_a_post_makes_a_case_dispatched_like_every_channel_and_answers_its_number(client, raw_key):
    answer = only(post(client, pothole_form(raw_key)))
    assert set(answer) == {"service_request_id", "service_notice", "account_id"}
    case = Case.objects.get(number=answer["service_request_id"])
    assert case.channel == Channel.OPEN311
    assert case.status == Status.DISPATCHED  # routed and dispatched by submit_case (直派)
    assert case.lead_unit.name == "城市管理科" and case.resolve_due is not None
    assert (case.requester_name, case.requester_phone) == ("王小明", "13900001234")
    assert case.description.endswith("\n损坏类型：坑洼")
    assert [e.action for e in case.events.order_by("sequence")] == [
        "submit",
        "register",
        "dispatch",
    ]
    assert answer["account_id"] == "account-1"
    assert "12" in answer["service_notice"] and "5" in answer["service_notice"]


def test_the_record_keeps_which_key_made_it_and_what_only_open311_knows(client, raw_key):
    answer = only(post(client, pothole_form(raw_key, media_url="https://img.example.cn/1.jpg")))
    record = ServiceRequestRecord.objects.get(case__number=answer["service_request_id"])
    assert record.api_key == ApiKey.objects.get(digest=ApiKey.digest_of(raw_key))
    assert (record.device_id, record.account_id, record.email) == (
        "device-1",
        "account-1",
        "wang@example.cn",
    )
    assert record.attributes == {"damage_type": "pothole"}
    assert record.media_url == "https://img.example.cn/1.jpg"
    assert len(record.token) == 32 and not record.held
    assert record.api_key.last_used_at is not None


def test_xml_post_answers_the_specs_service_requests_element(client, raw_key):
    response = post(client, pothole_form(raw_key), fmt="xml")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert b"<service_requests><request><service_request_id>370203901-" in response.content


def test_multipart_with_a_media_photo_stores_it_as_a_case_photo(client, raw_key):
    media = SimpleUploadedFile("pothole.png", png_bytes(), content_type="image/png")
    answer = only(post(client, {**pothole_form(raw_key), "media": media}))
    photo = CasePhoto.objects.get(case__number=answer["service_request_id"])
    assert photo.content_type == "image/png" and (photo.width, photo.height) == (40, 30)


def test_address_id_is_a_buildings_id_in_the_keys_street(client, raw_key, o311):
    form = pothole_form(raw_key, lat=None, long=None, address_id=str(o311.building_b.pk))
    case = Case.objects.get(number=only(post(client, form))["service_request_id"])
    assert case.building == o311.building_b and case.grid == o311.grid_b
    assert case.address == "青岛市市北区金华路46号"


def test_address_string_alone_makes_a_case_for_the_streets_dispatcher(client, raw_key, o311):
    form = pothole_form(raw_key, lat=None, long=None, address_string="万安一路与金华路路口")
    case = Case.objects.get(number=only(post(client, form))["service_request_id"])
    assert case.status == Status.SUBMITTED and case.street == o311.street
    assert case.address == "万安一路与金华路路口"


def test_a_post_without_description_is_described_by_its_service_and_answers(client, raw_key):
    form = pothole_form(raw_key, description=None)
    case = Case.objects.get(number=only(post(client, form))["service_request_id"])
    assert "道路井盖" in case.description and "坑洼" in case.description


def test_list_attributes_take_keys_and_multivaluelists_take_several(client, raw_key):
    form = pothole_form(
        raw_key,
        service_code="env.sanitation",
        **{"attribute[damage_type]": None, "attribute[waste_type][]": ["construction", "bulky"]},
    )
    record = ServiceRequestRecord.objects.get(
        case__number=only(post(client, form))["service_request_id"]
    )
    assert record.attributes == {"waste_type": ["construction", "bulky"]}
    assert "垃圾类型：建筑垃圾、大件垃圾" in record.case.description


def test_number_attributes_are_stored_as_numbers(client, raw_key):
    form = pothole_form(
        raw_key,
        service_code="utility.heating",
        **{
            "attribute[damage_type]": None,
            "attribute[indoor_temperature]": "14.5",
            "attribute[households_affected]": "12",
        },
    )
    record = ServiceRequestRecord.objects.get(
        case__number=only(post(client, form))["service_request_id"]
    )
    assert record.attributes == {"indoor_temperature": 14.5, "households_affected": 12}


def test_a_description_of_4000_characters_is_taken(client, raw_key):
    assert case_actions.DESCRIPTION_MAX == 4000  # the spec's limit, for every channel
    form = pothole_form(raw_key, description="坑" * 4000, **{"attribute[damage_type]": None})
    case = Case.objects.get(number=only(post(client, form))["service_request_id"])
    assert len(case.description) == 4000


# --------------------------------------------------------------------------- keys


@pytest.mark.parametrize("given", [None, "", "o311_not-a-key"])
def test_a_missing_or_unknown_api_key_is_403_and_writes_nothing(client, raw_key, given):
    before = counts()
    response = post(client, pothole_form(raw_key, api_key=given))
    assert only(response, 403)["code"] == 403
    assert counts() == before


def test_a_revoked_key_is_403(client, raw_key, o311):
    revoke_api_key(key=ApiKey.objects.get(), actor=o311.street_admin)
    assert post(client, pothole_form(raw_key)).status_code == 403


def test_a_key_cannot_post_into_another_street(client, raw_key, o311):
    before = counts()
    other = pothole_form(raw_key, jurisdiction_id="370203902", lat="36.105", long="120.405")
    assert only(post(client, other), 403)["code"] == 403
    # Its own jurisdiction but a point inside the other street's grid: refused as well.
    inside_other = pothole_form(raw_key, lat="36.105", long="120.405")
    assert only(post(client, inside_other), 403)["code"] == 403
    assert counts() == before


def test_a_building_of_another_street_is_an_unknown_address_id(client, raw_key, o311):
    form = pothole_form(raw_key, lat=None, long=None, address_id=str(o311.building_d.pk))
    assert only(post(client, form), 400)["code"] == 400


def test_api_key_and_jurisdiction_may_come_in_the_query_string(client, raw_key):
    form = pothole_form(raw_key, api_key=None, jurisdiction_id=None)
    url = f"{ROOT}/requests.json?api_key={raw_key}&jurisdiction_id={JURISDICTION}"
    assert only(client.post(url, form))["service_request_id"]


# --------------------------------------------------------------------------- moderation


def test_a_moderated_keys_request_waits_for_the_dispatcher_and_answers_a_token(
    client, moderated_key, o311
):
    answer = only(post(client, pothole_form(moderated_key)))
    assert set(answer) == {"token", "service_notice", "account_id"}
    record = ServiceRequestRecord.objects.select_related("case").get(token=answer["token"])
    case = record.case
    assert record.held and case.status == Status.SUBMITTED
    assert "moderation" in case.routing_reason or "审核" in case.routing_reason
    assert not CaseEvent.objects.filter(case=case, action="dispatch").exists()

    token_url = f"{ROOT}/tokens/{answer['token']}.json"
    assert client.get(token_url, {"jurisdiction_id": JURISDICTION}).json() == [
        {"token": answer["token"]}
    ]
    detail = client.get(f"{ROOT}/requests/{case.number}.json", {"jurisdiction_id": JURISDICTION})
    assert detail.status_code == 404  # not public before the dispatcher registers it

    register_case(case=case, actor=o311.street_admin)
    assert client.get(token_url, {"jurisdiction_id": JURISDICTION}).json() == [
        {"service_request_id": case.number, "token": answer["token"]}
    ]
    detail = client.get(f"{ROOT}/requests/{case.number}.json", {"jurisdiction_id": JURISDICTION})
    assert detail.json()[0]["service_request_id"] == case.number


def test_an_unmoderated_requests_token_answers_its_id_at_once(client, raw_key):
    number = only(post(client, pothole_form(raw_key)))["service_request_id"]
    token = ServiceRequestRecord.objects.get(case__number=number).token
    response = client.get(f"{ROOT}/tokens/{token}.xml", {"jurisdiction_id": JURISDICTION})
    assert response.status_code == 200
    assert f"<service_request_id>{number}</service_request_id><token>{token}</token>".encode() in (
        response.content
    )


def test_an_unknown_token_is_404(client, raw_key):
    response = client.get(f"{ROOT}/tokens/nope.json", {"jurisdiction_id": JURISDICTION})
    assert only(response, 404)["code"] == 404


# --------------------------------------------------------------------------- rate limit


def test_a_key_past_its_rate_is_429_with_an_errors_body(client, raw_key, settings):
    settings.GRIDGOV_OPEN311_RATE = "2/m"
    assert post(client, pothole_form(raw_key)).status_code == 200
    assert post(client, pothole_form(raw_key)).status_code == 200
    before = counts()
    response = post(client, pothole_form(raw_key), fmt="xml")
    assert response.status_code == 429
    assert b"<errors><error><code>429</code>" in response.content
    assert int(response["Retry-After"]) >= 1
    assert counts() == before


def test_the_rate_counter_lives_in_the_database_shared_by_every_process(
    client, raw_key, o311, settings
):
    from django.core.cache import cache

    settings.GRIDGOV_OPEN311_RATE = "1/h"
    assert post(client, pothole_form(raw_key)).status_code == 200
    cache.clear()  # another process has another cache: the count must not be there
    assert post(client, pothole_form(raw_key)).status_code == 429
    assert RateWindow.objects.get().count == 2
    _key, other_raw = create_api_key(street=o311.street, name="另一个", actor=o311.street_admin)
    assert post(client, pothole_form(other_raw)).status_code == 200  # per key


def test_a_new_window_starts_a_new_count(client, raw_key, settings):
    import datetime

    from gridgov.core import clock

    settings.GRIDGOV_OPEN311_RATE = "1/m"
    at = datetime.datetime(2026, 11, 23, 9, 15, 10, tzinfo=datetime.UTC)
    with clock.frozen(at):
        assert post(client, pothole_form(raw_key)).status_code == 200
        assert post(client, pothole_form(raw_key)).status_code == 429
    with clock.frozen(at + datetime.timedelta(minutes=1)):
        assert post(client, pothole_form(raw_key)).status_code == 200
    assert RateWindow.objects.count() == 1  # the old window is gone


def test_rate_syntax(settings):
    from django.core.exceptions import ImproperlyConfigured

    from gridgov.open311.ratelimit import parse_rate

    assert parse_rate("60/m") == (60, 60)
    assert parse_rate("1000/hour") == (1000, 3600)
    with pytest.raises(ImproperlyConfigured):
        parse_rate("lots")
