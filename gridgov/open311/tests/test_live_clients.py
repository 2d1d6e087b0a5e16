"""Third-party Open311 clients against a live server.

* ``georeport`` (PyPI, Apache-2.0): services, service definitions and request
  queries, in JSON and in XML (parsed with xmltodict).
* ``civicbot`` (PyPI, MIT): its ``Open311Client`` posts a request with an
  api_key (validating it first against our service list and definition) and
  reads tokens; it speaks JSON only.
* The XML POST and the multipart ``media`` upload, which neither client
  does, go through plain ``requests``.
"""

from __future__ import annotations

import pytest
import requests
from civicbot.http import HttpTransport, RateLimiter
from civicbot.open311 import CONFIRM_TOKEN, Open311Client
from civicbot.registry import Endpoint
from georeport import GeoReport

from gridgov.cases.actions import register_case
from gridgov.cases.models import Case
from gridgov.open311.tests.helpers import JURISDICTION, png_bytes, pothole_form


@pytest.fixture
def live(live_server, transactional_db):
    """The personas' world and two keys, committed so the server's thread sees them."""
    from gridgov.open311.actions import create_api_key
    from gridgov.open311.catalogue import sync_service_attributes
    from tests.personas import build_world

    world = build_world()
    sync_service_attributes()
    _key, world.places["raw_key"] = create_api_key(street=world.street, name="客户端", actor=None)
    _key, world.places["moderated_key"] = create_api_key(
        street=world.street, name="审核", moderated=True, actor=None
    )
    world.places["root"] = f"{live_server.url}/open311/v2"
    return world


def civicbot_client(live) -> Open311Client:
    endpoint = Endpoint(id="gridgov", name="测试街道", base_url=live.root, write=True)
    # No politeness delay against our own test server (tests never sleep).
    transport = HttpTransport(rate_limiter=RateLimiter(min_interval=0))
    return Open311Client(endpoint, transport, jurisdiction_id=JURISDICTION)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_reads_services_definitions_and_requests(live, fmt):
    form = pothole_form(live.raw_key)
    posted = requests.post(f"{live.root}/requests.json", data=form, timeout=10).json()
    number = posted[0]["service_request_id"]

    client = GeoReport(live.root, jurisdiction=JURISDICTION, output_format=fmt)
    services = client.get_service_list()
    road = next(s for s in services if s["service_code"] == "facility.road")
    assert road["service_name"] == "道路井盖" and road["group"] == "市政设施"
    assert str(road["metadata"]).lower() == "true"

    definition = client.get_service_definition("facility.road")
    attribute = (
        definition["attributes"][0] if fmt == "json" else definition["attributes"]["attribute"]
    )
    assert attribute["code"] == "damage_type" and attribute["datatype"] == "singlevaluelist"

    found = client.get_service_requests(service_code="facility.road", status="open")
    rows = found if isinstance(found, list) else [found]  # xmltodict: one element is a dict
    assert [row["service_request_id"] for row in rows] == [number]
    one = client.get_service_request(number)
    assert one["service_request_id"] == number and one["status"] == "open"
    assert "13900001234" not in str(one) and "王" not in str(one.get("description"))


def test_civicbot_posts_with_an_api_key_and_reads_the_request(live):
    client = civicbot_client(live)
    sent = client.create_request(
        "facility.road",
        dry_run=False,
        confirm=CONFIRM_TOKEN,
        api_key=live.raw_key,
        validate_remote=True,  # checks the form against our services and definition first
        lat=36.105,
        lng=120.305,
        description="金华路46号门口路面塌陷，有车差点掉进去",
        attributes={"damage_type": "collapse"},
        first_name="小明",
        last_name="王",
    )
    [answer] = sent.response
    number = answer["service_request_id"]
    assert Case.objects.get(number=number).channel == "open311"
    request = client.get_request(number)
    assert request["service_code"] == "facility.road" and request["status"] == "open"
    listed = client.list_requests(service_request_ids=[number], page_size=10)
    assert [row["service_request_id"] for row in listed] == [number]


def test_civicbot_follows_a_moderated_request_through_its_token(live):
    client = civicbot_client(live)
    sent = client.create_request(
        "safety.fire",
        dry_run=False,
        confirm=CONFIRM_TOKEN,
        api_key=live.moderated_key,
        lat=36.105,
        lng=120.305,
        description="楼道里堆满杂物，还有电动车在充电",
        attributes={"people_trapped": "no"},
    )
    [answer] = sent.response
    token = answer["token"]
    assert "service_request_id" not in answer
    assert client.get_token(token) == [{"token": token}]
    case = Case.objects.get(open311__token=token)
    register_case(case=case, actor=live.street_admin)
    assert client.get_token(token) == [{"service_request_id": case.number, "token": token}]


def test_plain_requests_posts_xml_and_a_media_photo(live):
    response = requests.post(
        f"{live.root}/requests.xml",
        data=pothole_form(live.raw_key),
        files={"media": ("pothole.png", png_bytes(), "image/png")},
        timeout=10,
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/xml; charset=utf-8"
    assert "<service_request_id>370203901-" in response.text
    refused = requests.post(
        f"{live.root}/requests.json", data=pothole_form("o311_wrong"), timeout=10
    )
    assert refused.status_code == 403 and refused.json()[0]["code"] == 403
