"""Discovery, services, service definitions and the error contract (GeoReport v2)."""

from __future__ import annotations

import json

import pytest

from gridgov.cases.models import Category
from gridgov.open311.models import Datatype, ServiceAttribute
from gridgov.open311.tests.helpers import JURISDICTION, ROOT

SPEC_DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}


def get(client, path, **params):
    params.setdefault("jurisdiction_id", JURISDICTION)
    return client.get(f"{ROOT}/{path}", params)


def errors_of(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = json.loads(response.content)
    assert isinstance(body, list) and len(body) == 1
    assert set(body[0]) == {"code", "description"}
    assert body[0]["code"] == response.status_code and body[0]["description"]
    return body[0]


def test_discovery_describes_the_v2_endpoint_and_its_formats(client, o311):
    response = client.get(f"{ROOT}/discovery.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert isinstance(body, dict)
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    assert "/open311/keys/" in body["key_service"]
    [endpoint] = body["endpoints"]
    assert endpoint == {
        "specification": "http://wiki.open311.org/GeoReport_v2",
        "url": "http://testserver/open311/v2",
        "changeset": body["changeset"],
        "type": "production",
        "formats": ["text/xml", "application/json"],
    }


def test_discovery_contact_comes_from_the_setting(client, o311, settings):
    settings.GRIDGOV_OPEN311_CONTACT = "街道指挥中心 0532-12345678"
    assert client.get(f"{ROOT}/discovery.json").json()["contact"] == "街道指挥中心 0532-12345678"


def test_services_are_a_bare_array_of_every_active_category(client, o311):
    Category.objects.filter(code="env.ads").update(active=False)
    response = get(client, "services.json")
    assert response.status_code == 200
    services = response.json()
    assert isinstance(services, list)
    assert [s["service_code"] for s in services] == list(
        Category.objects.filter(active=True).order_by("code").values_list("code", flat=True)
    )
    assert "env.ads" not in {s["service_code"] for s in services}
    road = next(s for s in services if s["service_code"] == "facility.road")
    assert road == {
        "service_code": "facility.road",
        "service_name": "道路井盖",
        "description": "路面破损、坑洼、井盖缺失松动、人行道",
        "metadata": True,
        "type": "realtime",
        "keywords": "路面破损, 坑洼, 井盖缺失松动, 人行道, Roads and manhole covers",
        "group": "市政设施",
    }
    lighting = next(s for s in services if s["service_code"] == "facility.lighting")
    assert lighting["metadata"] is False


def test_service_definition_lists_the_attributes_with_spec_fields(client, o311):
    response = get(client, "services/safety.fire.json")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"service_code", "attributes"} and body["service_code"] == "safety.fire"
    [trapped] = body["attributes"]
    assert trapped == {
        "variable": True,
        "code": "people_trapped",
        "datatype": "singlevaluelist",
        "required": True,
        "datatype_description": "有人被困请同时拨打119",
        "order": 1,
        "description": "是否有人员被困",
        "values": [
            {"key": "yes", "name": "是"},
            {"key": "no", "name": "否"},
            {"key": "unknown", "name": "不清楚"},
        ],
    }


def test_a_service_without_attributes_has_an_empty_definition(client, o311):
    body = get(client, "services/facility.lighting.json").json()
    assert body == {"service_code": "facility.lighting", "attributes": []}


def test_the_catalogue_ships_attributes_of_every_spec_list_and_number_kind(o311):
    attributes = ServiceAttribute.objects.select_related("category")
    assert {a.datatype for a in attributes} <= SPEC_DATATYPES
    shipped = {(a.category.code, a.code, a.datatype) for a in attributes}
    assert {
        ("facility.road", "damage_type", Datatype.SINGLEVALUELIST),
        ("safety.fire", "people_trapped", Datatype.SINGLEVALUELIST),
        ("housing.property", "floor", Datatype.NUMBER),
        ("utility.heating", "indoor_temperature", Datatype.NUMBER),
        ("utility.heating", "households_affected", Datatype.NUMBER),
        ("env.sanitation", "waste_type", Datatype.MULTIVALUELIST),
    } <= shipped
    road = attributes.get(code="damage_type")
    assert [v["name"] for v in road.values] == ["坑洼", "井盖缺失", "井盖松动", "路面塌陷"]


def test_attribute_sync_adds_missing_ones_and_keeps_a_deployments_edits(o311):
    from gridgov.open311.catalogue import sync_service_attributes

    ServiceAttribute.objects.filter(code="floor").update(description="所在楼层")
    ServiceAttribute.objects.filter(code="waste_type").delete()
    assert sync_service_attributes() == 1
    assert ServiceAttribute.objects.get(code="floor").description == "所在楼层"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_or_inactive_service_code_is_404(client, o311, fmt):
    Category.objects.filter(code="env.ads").update(active=False)
    for code in ("no.such", "env.ads"):
        response = get(client, f"services/{code}.{fmt}")
        assert response.status_code == 404
        assert response["Content-Type"].startswith(
            "application/json" if fmt == "json" else "text/xml"
        )


def test_an_unknown_jurisdiction_is_404(client, o311):
    for path in ("services.json", "services/facility.road.json", "requests.json"):
        error = errors_of(get(client, path, jurisdiction_id="999"))
        assert error["code"] == 404 and "999" in error["description"]


def test_jurisdiction_is_required_when_the_deployment_holds_several_streets(client, o311):
    response = client.get(f"{ROOT}/services.json")
    assert errors_of(response)["code"] == 400
    assert "jurisdiction_id" in errors_of(response)["description"]


def test_jurisdiction_is_optional_with_a_single_street(client, db):
    from gridgov.cases.catalogue import sync_categories
    from gridgov.places.actions import create_street

    sync_categories()
    create_street(code="370203999", name="独街道")
    assert client.get(f"{ROOT}/services.json").status_code == 200
    assert client.get(f"{ROOT}/requests.json").json() == []
    assert client.get(f"{ROOT}/services.json", {"jurisdiction_id": "370203999"}).status_code == 200


def test_an_unknown_format_suffix_answers_an_errors_body_never_html(client, o311):
    response = get(client, "services.html")
    assert response.status_code == 400
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert b"<errors><error><code>400</code>" in response.content
    asked_json = client.get(f"{ROOT}/services.yaml", HTTP_ACCEPT="application/json")
    assert errors_of(asked_json)["code"] == 400


@pytest.mark.parametrize(
    "method,path",
    [
        ("put", "requests.json"),
        ("delete", "services.json"),
        ("post", "services/facility.road.json"),
    ],
)
def test_a_wrong_method_is_a_400_errors_body_with_allow(client, o311, method, path):
    response = getattr(client, method)(f"{ROOT}/{path}")
    assert errors_of(response)["code"] == 400
    assert "GET" in response["Allow"]


@pytest.mark.parametrize("path", ["", "/", "/nothing.json", "/requests", "/services/x/y.json"])
def test_any_other_path_under_v2_is_a_404_errors_body(client, o311, path):
    response = client.get(f"{ROOT}{path}", HTTP_ACCEPT="application/json")
    assert errors_of(response)["code"] == 404


def test_a_failure_inside_a_view_is_the_specs_general_service_error(client, o311, monkeypatch):
    from gridgov.open311 import views

    def broken():
        raise RuntimeError("database went away")

    monkeypatch.setattr(views, "public_cases", broken)
    for fmt in ("json", "xml"):
        response = get(client, f"requests.{fmt}")
        assert response.status_code == 400
        assert b"database went away" not in response.content
        assert b"<html" not in response.content.lower()
    assert errors_of(get(client, "requests.json"))["code"] == 400


def test_errors_are_in_the_deployments_language_whatever_the_browser_says(client, raw_key):
    from gridgov.open311.tests.helpers import pothole_form

    client.cookies["django_language"] = "en"
    response = client.post(
        f"{ROOT}/requests.json",
        pothole_form(raw_key, description="坑", **{"attribute[damage_type]": None}),
    )
    assert "请用" in errors_of(response)["description"]  # the existing zh-hans catalogue
