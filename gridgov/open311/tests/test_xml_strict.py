"""Every XML answer parses with strict XML parsers, with the declaration and the spec's names."""

from __future__ import annotations

import xml.dom.minidom
import xml.etree.ElementTree as ET

from django.core.files.uploadedfile import SimpleUploadedFile

from gridgov.cases.actions import submit_case
from gridgov.cases.models import Category
from gridgov.open311.models import ServiceRequestRecord
from gridgov.open311.tests.helpers import JURISDICTION, ROOT, pothole_form

DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>\n'
REQUEST_FIELDS = {
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
    "token",
    "account_id",
}
# The child elements each element may have (GeoReport v2's names), by element name.
CHILDREN = {
    "discovery": {"changeset", "contact", "key_service", "endpoints"},
    "endpoints": {"endpoint"},
    "endpoint": {"specification", "url", "changeset", "type", "formats"},
    "formats": {"format"},
    "services": {"service"},
    "service": {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    },
    "service_definition": {"service_code", "attributes"},
    "attributes": {"attribute"},
    "attribute": {
        "variable",
        "code",
        "datatype",
        "required",
        "datatype_description",
        "order",
        "description",
        "values",
    },
    "values": {"value"},
    "value": {"key", "name"},
    "service_requests": {"request"},
    "request": REQUEST_FIELDS,
    "errors": {"error"},
    "error": {"code", "description"},
}


def check_xml(response, root: str) -> ET.Element:
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    content = response.content
    assert content.startswith(DECLARATION), content[:60]
    xml.dom.minidom.parseString(content)  # raises on anything malformed
    element = ET.fromstring(content)
    assert element.tag == root

    def walk(node: ET.Element) -> None:
        for child in node:
            assert child.tag in CHILDREN.get(node.tag, set()), (node.tag, child.tag)
            walk(child)

    walk(element)
    return element


def test_every_xml_answer_is_well_formed_with_the_specs_element_names(
    client, raw_key, moderated_key, o311, settings
):
    # A case from another channel whose text XML would choke on if it were not escaped/cleaned.
    submit_case(
        description='路灯 <不亮> & "危险" \x0b 请处理',
        category=Category.objects.get(code="facility.lighting"),
        lat=36.105,
        lng=120.315,
        actor=o311.resident,
    )

    def get(path, **params):
        return client.get(f"{ROOT}/{path}", {"jurisdiction_id": JURISDICTION, **params})

    def post(form, **files):
        return client.post(f"{ROOT}/requests.xml", {**form, **files})

    answers = [
        (client.get(f"{ROOT}/discovery.xml"), "discovery"),
        (get("services.xml"), "services"),
        (get("services/facility.road.xml"), "service_definition"),
        (get("services/facility.lighting.xml"), "service_definition"),
        (get("services/housing.property.xml"), "service_definition"),
    ]
    created = post(pothole_form(raw_key))
    answers.append((created, "service_requests"))
    number = ET.fromstring(created.content).findtext("request/service_request_id")
    held = post(pothole_form(moderated_key))
    answers.append((held, "service_requests"))
    held_token = ET.fromstring(held.content).findtext("request/token")
    token = ServiceRequestRecord.objects.get(case__number=number).token
    answers += [
        (get("requests.xml"), "service_requests"),
        (get("requests.xml", status="closed"), "service_requests"),  # empty list
        (get(f"requests/{number}.xml"), "service_requests"),
        (get(f"tokens/{token}.xml"), "service_requests"),
        (get(f"tokens/{held_token}.xml"), "service_requests"),
    ]
    not_image = SimpleUploadedFile("x.png", b"nope", content_type="image/png")
    settings.GRIDGOV_OPEN311_RATE = "1000/m"
    errors = [
        post(pothole_form(raw_key, lat="north")),  # 400
        post(pothole_form(raw_key), media=not_image),  # 400
        post(pothole_form("o311_wrong")),  # 403
        post(pothole_form(raw_key, service_code="no.such")),  # 404
        get("services/no.such.xml"),  # 404
        get("requests/nope.xml"),  # 404
        get("tokens/nope.xml"),  # 404
        get("services.xml", jurisdiction_id="999"),  # 404
        client.get(f"{ROOT}/services.xml"),  # 400: jurisdiction required
        get("requests.xml", start_date="2026-11-20", end_date="2026-01-01"),  # 400
        client.delete(f"{ROOT}/services.xml"),  # 400: method
        client.get(f"{ROOT}/services.csv"),  # 400: format
        client.get(f"{ROOT}/no/such/path.xml"),  # 404
    ]
    settings.GRIDGOV_OPEN311_RATE = "0/m"
    errors.append(post(pothole_form(raw_key)))  # 429
    assert sorted({r.status_code for r in errors}) == [400, 403, 404, 429]
    answers += [(response, "errors") for response in errors]

    for response, root in answers:
        element = check_xml(response, root)
        if root == "errors":
            assert element.findtext("error/code") == str(response.status_code)
    lighting = [
        r
        for r in ET.fromstring(get("requests.xml").content)
        if r.findtext("service_code") == "facility.lighting"
    ]
    assert lighting[0].findtext("description") == '路灯 <不亮> & "危险"  请处理'
