"""Bad input to POST requests: the spec's error, in the asked format, and nothing written."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gridgov.open311.tests.helpers import ROOT, counts, png_bytes, pothole_form

NO_ATTR = {"attribute[damage_type]": None}
FIRE = {"service_code": "safety.fire", **NO_ATTR}

BAD_FORMS = {
    # service
    "service_code missing": {"service_code": None},
    # where
    "no location at all": {"lat": None, "long": None},
    "lat without long": {"long": None},
    "long without lat": {"lat": None},
    "lat not a number": {"lat": "north"},
    "long not a number": {"long": "120,305"},
    "lat out of range": {"lat": "91"},
    "long out of range": {"long": "-181"},
    "lat infinite": {"lat": "1e400"},
    "lat nan": {"lat": "nan"},
    "address_id not a number": {"lat": None, "long": None, "address_id": "楼"},
    "address_id unknown": {"lat": None, "long": None, "address_id": "999999"},
    "address_string too long": {"address_string": "路" * 301},
    # description
    "description over 4000": {"description": "坑" * 4001, **NO_ATTR},
    "description too short for a case": {"description": "坑", **NO_ATTR},
    # who
    "email malformed": {"email": "not-an-email"},
    "phone malformed": {"phone": "call me"},
    "names too long": {"first_name": "名" * 30, "last_name": "姓" * 30},
    "device_id too long": {"device_id": "d" * 101},
    "account_id too long": {"account_id": "a" * 101},
    "media_url not a url": {"media_url": "not a url"},
    "media_url not http": {"media_url": "ftp://example.cn/a.jpg"},
    # attributes
    "attribute unknown code": {"attribute[colour]": "red"},
    "attribute malformed key": {"attribute[damage_type": "pothole"},
    "attribute unknown list value": {"attribute[damage_type]": "volcano"},
    "singlevaluelist with two values": {"attribute[damage_type][]": ["pothole", "collapse"]},
    "multivaluelist unknown value": {
        "service_code": "env.sanitation",
        **NO_ATTR,
        "attribute[waste_type][]": ["bulky", "gold"],
    },
    "number not a number": {
        "service_code": "housing.property",
        **NO_ATTR,
        "attribute[floor]": "三楼",
    },
    "number with a unit": {
        "service_code": "utility.heating",
        **NO_ATTR,
        "attribute[indoor_temperature]": "14℃",
    },
    "required attribute missing": FIRE,
    "required attribute empty": {**FIRE, "attribute[people_trapped]": ""},
    "attribute of another service": {
        **FIRE,
        "attribute[people_trapped]": "no",
        "attribute[floor]": "3",
    },
}


@pytest.mark.parametrize("name", list(BAD_FORMS))
def test_malformed_or_missing_parameters_are_400_and_write_nothing(client, raw_key, name):
    before = counts()
    response = client.post(f"{ROOT}/requests.json", pothole_form(raw_key, **BAD_FORMS[name]))
    assert response.status_code == 400, response.content
    [error] = json.loads(response.content)
    assert error["code"] == 400 and error["description"]
    assert counts() == before


def test_an_unknown_service_code_is_404_and_writes_nothing(client, raw_key):
    before = counts()
    response = client.post(f"{ROOT}/requests.xml", pothole_form(raw_key, service_code="no.such"))
    assert response.status_code == 404
    assert b"<code>404</code>" in response.content
    assert counts() == before


def test_a_bad_datetime_attribute_is_400(client, raw_key, o311):
    from gridgov.cases.models import Category
    from gridgov.open311.models import ServiceAttribute

    ServiceAttribute.objects.create(
        category=Category.objects.get(code="facility.lighting"),
        code="since",
        datatype="datetime",
        description="何时开始不亮",
    )
    form = pothole_form(raw_key, service_code="facility.lighting", **NO_ATTR)
    before = counts()
    for value in ("昨天晚上", "2026-13-40T25:00:00"):
        response = client.post(f"{ROOT}/requests.json", {**form, "attribute[since]": value})
        assert response.status_code == 400
    assert counts() == before
    good = client.post(f"{ROOT}/requests.json", {**form, "attribute[since]": "2026-11-22T19:30:00"})
    assert good.status_code == 200
    from gridgov.open311.models import ServiceRequestRecord

    assert ServiceRequestRecord.objects.get().attributes == {"since": "2026-11-22T19:30:00+08:00"}


def test_a_media_file_that_is_not_an_image_is_400_and_writes_nothing(client, raw_key):
    before = counts()
    media = SimpleUploadedFile("pothole.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    response = client.post(f"{ROOT}/requests.json", {**pothole_form(raw_key), "media": media})
    assert response.status_code == 400
    assert "pothole.jpg" in json.loads(response.content)[0]["description"]
    assert counts() == before


def test_two_media_files_are_400(client, raw_key):
    before = counts()
    files = [SimpleUploadedFile(f"{i}.png", png_bytes(), content_type="image/png") for i in (1, 2)]
    response = client.post(f"{ROOT}/requests.json", {**pothole_form(raw_key), "media": files})
    assert response.status_code == 400
    assert counts() == before


def test_control_characters_are_kept_out_of_the_case(client, raw_key):
    from gridgov.cases.models import Case

    form = pothole_form(raw_key, description="路面\x00有坑\x07很危险啊", **NO_ATTR)
    number = json.loads(client.post(f"{ROOT}/requests.json", form).content)[0]["service_request_id"]
    assert Case.objects.get(number=number).description == "路面有坑很危险啊"
