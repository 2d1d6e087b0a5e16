"""Reading Open311 parameters: every malformed or missing one is a 400 (404 for unknown ids).

Nothing here writes; the views call these before any action, so bad input
changes nothing.
"""

from __future__ import annotations

import datetime
import math
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.http import QueryDict
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from gridgov.open311.formats import Open311Error, clean_text
from gridgov.open311.models import ApiKey, Datatype, ServiceAttribute
from gridgov.places.models import Street

DESCRIPTION_MAX = 4000  # GeoReport v2: "limited to 4,000 characters"
STRING_MAX = 200  # an attribute of datatype "string"
NAME_MAX = 50  # first and last name together (cases keep 50)
ID_MAX = 100  # device_id, account_id
MEDIA_URL_MAX = 500
PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX = 100, 1000
RANGE_MAX = datetime.timedelta(days=90)  # start_date .. end_date, as the spec says
CLOSED, OPEN = "closed", "open"

_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_PHONE = re.compile(r"^[0-9+\-() ]{3,32}$")
_ATTRIBUTE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
_CJK = re.compile(r"[\u3400-\u9fff]")


def bad(description: str) -> Open311Error:
    return Open311Error(400, description)


def text(data: QueryDict, name: str) -> str:
    """A parameter's value without surrounding space and characters XML cannot hold."""
    return clean_text(str(data.get(name, "") or "")).strip()


# --------------------------------------------------------------------------- who and where


def jurisdiction(data: QueryDict) -> Street | None:
    """The street named by ``jurisdiction_id`` (its code).

    Required only when the deployment holds more than one street; an unknown
    one is a 404.  None when the deployment has no street at all.
    """
    code = text(data, "jurisdiction_id")
    if code:
        street = Street.objects.filter(code=code).first()
        if street is None:
            raise Open311Error(404, _("Unknown jurisdiction_id: %s") % code)
        return street
    streets = list(Street.objects.order_by("pk")[:2])
    if len(streets) > 1:
        raise bad(_("jurisdiction_id is required: this server serves several streets."))
    return streets[0] if streets else None


def api_key(raw: str) -> ApiKey:
    """The active key with this value, else 403 (missing, unknown or revoked alike)."""
    if not raw:
        raise Open311Error(403, _("api_key is required to submit a request."))
    key = (
        ApiKey.objects.select_related("street")
        .filter(digest=ApiKey.digest_of(raw), revoked_at__isnull=True)
        .first()
    )
    if key is None:
        raise Open311Error(403, _("Invalid api_key: it is unknown or has been revoked."))
    return key


def when(value: str, name: str) -> datetime.datetime:
    """A W3C / ISO 8601 date-time (e.g. 2026-11-23T09:15:00+08:00); without a zone, local time."""
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise bad(
            _("%(name)s is not a date and time (e.g. 2026-11-23T09:15:00+08:00): %(value)s")
            % {"name": name, "value": value[:40]}
        )
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def number(value: str, name: str) -> float | int:
    if _NUMBER.match(value):
        parsed = float(value)
        if math.isfinite(parsed):
            return int(parsed) if parsed.is_integer() and abs(parsed) < 2**53 else parsed
    raise bad(_("%(name)s is not a number: %(value)s") % {"name": name, "value": value[:40]})


# --------------------------------------------------------------------------- POST requests


@dataclass
class Location:
    lat: float | None = None
    lng: float | None = None
    address_string: str = ""
    address_id: int | None = None


@dataclass
class RequestInput:
    """A checked POST requests: everything submit_case and the Open311 record need."""

    location: Location
    description: str = ""
    requester_name: str = ""
    phone: str = ""
    email: str = ""
    device_id: str = ""
    account_id: str = ""
    media_url: str = ""
    # code -> checked value (number, ISO date-time, text, key or list of keys)
    attributes: dict[str, Any] = field(default_factory=dict)


def location(data: QueryDict) -> Location:
    """lat+long, address_string or address_id: at least one; lat and long together."""
    lat_text, lng_text = text(data, "lat"), text(data, "long")
    found = Location(address_string=text(data, "address_string"))
    if len(found.address_string) > 300:
        raise bad(_("address_string is longer than 300 characters."))
    if lat_text or lng_text:
        if not (lat_text and lng_text):
            raise bad(_("Give both lat and long."))
        found.lat, found.lng = float(number(lat_text, "lat")), float(number(lng_text, "long"))
        if not (-90 <= found.lat <= 90 and -180 <= found.lng <= 180):
            raise bad(_("lat or long is out of range."))
    address_id = text(data, "address_id")
    if address_id:
        if not address_id.isdigit():
            raise bad(_("Unknown address_id: %s") % address_id[:40])
        found.address_id = int(address_id)
    if found.lat is None and not found.address_string and found.address_id is None:
        raise bad(_("Say where: lat and long, address_string or address_id is required."))
    return found


def _requester(data: QueryDict) -> tuple[str, str]:
    first, last = text(data, "first_name"), text(data, "last_name")
    # 姓名: family name first and no space for Chinese names, "First Last" otherwise.
    name = f"{last}{first}" if _CJK.search(first + last) else f"{first} {last}".strip()
    if len(name) > NAME_MAX:
        raise bad(_("first_name and last_name together are longer than %d characters.") % NAME_MAX)
    phone = text(data, "phone")
    if phone and not _PHONE.match(phone):
        raise bad(_("phone is not a phone number."))
    return name, phone


def _optional_checked(data: QueryDict, name: str, validator: Any, maximum: int) -> str:
    value = text(data, name)
    if not value:
        return ""
    try:
        if len(value) > maximum:
            raise ValidationError("too long")
        validator(value)
    except ValidationError as exc:
        raise bad(
            _("%(name)s is not valid: %(value)s") % {"name": name, "value": value[:60]}
        ) from exc
    return value


def _attribute_values(data: QueryDict) -> dict[str, list[str]]:
    """attribute[code]=v and attribute[code][]=v1&attribute[code][]=v2, by code."""
    given: dict[str, list[str]] = {}
    for key, values in data.lists():
        if not key.startswith("attribute"):
            continue
        match = _ATTRIBUTE.match(key)
        if match is None:
            raise bad(_("Malformed attribute parameter: %s") % key[:60])
        kept = [clean_text(str(v)).strip() for v in values]
        kept = [v for v in kept if v]
        if kept:
            given.setdefault(match.group(1), []).extend(kept)
    return given


def _check_attribute(attribute: ServiceAttribute, values: list[str]) -> Any:
    code, datatype = attribute.code, attribute.datatype
    if datatype == Datatype.MULTIVALUELIST:
        names = attribute.value_names()
        unknown = [v for v in values if v not in names]
        if unknown:
            raise bad(
                _("attribute[%(code)s]: unknown value %(value)s")
                % {"code": code, "value": unknown[0][:40]}
            )
        return list(dict.fromkeys(values))
    if len(values) > 1:
        raise bad(_("attribute[%s] takes one value.") % code)
    value = values[0]
    name = f"attribute[{code}]"
    if datatype == Datatype.SINGLEVALUELIST:
        if value not in attribute.value_names():
            raise bad(
                _("attribute[%(code)s]: unknown value %(value)s")
                % {"code": code, "value": value[:40]}
            )
        return value
    if datatype == Datatype.NUMBER:
        return number(value, name)
    if datatype == Datatype.DATETIME:
        return timezone.localtime(when(value, name)).isoformat(timespec="seconds")
    limit = STRING_MAX if datatype == Datatype.STRING else DESCRIPTION_MAX
    if len(value) > limit:
        raise bad(_("%(name)s is longer than %(max)d characters.") % {"name": name, "max": limit})
    return value


def attributes(data: QueryDict, definition: list[ServiceAttribute]) -> dict[str, Any]:
    """The answers, checked against the service definition (codes, datatypes, lists, required)."""
    given = _attribute_values(data)
    by_code = {attribute.code: attribute for attribute in definition}
    for code in given:
        attribute = by_code.get(code)
        if attribute is None or not attribute.variable:
            raise bad(_("Unknown attribute: %s") % code[:60])
    checked = {}
    for attribute in definition:
        if attribute.code in given:
            checked[attribute.code] = _check_attribute(attribute, given[attribute.code])
        elif attribute.variable and attribute.required:
            raise bad(
                _("attribute[%(code)s] (%(question)s) is required.")
                % {"code": attribute.code, "question": attribute.description}
            )
    return checked


def service_request(data: QueryDict, definition: list[ServiceAttribute]) -> RequestInput:
    """Every parameter of POST requests except api_key, jurisdiction_id and service_code."""
    description = text(data, "description")
    if len(description) > DESCRIPTION_MAX:
        raise bad(_("description is longer than %d characters.") % DESCRIPTION_MAX)
    name, phone = _requester(data)
    checked = RequestInput(
        location=location(data),
        description=description,
        requester_name=name,
        phone=phone,
        email=_optional_checked(data, "email", EmailValidator(), 254),
        media_url=_optional_checked(
            data, "media_url", URLValidator(schemes=["http", "https"]), MEDIA_URL_MAX
        ),
        attributes=attributes(data, definition),
    )
    for name in ("device_id", "account_id"):
        value = text(data, name)
        if len(value) > ID_MAX:
            raise bad(
                _("%(name)s is longer than %(max)d characters.") % {"name": name, "max": ID_MAX}
            )
        setattr(checked, name, value)
    return checked


# --------------------------------------------------------------------------- GET requests


@dataclass
class RequestQuery:
    """A checked GET requests: ids (which override the rest) or the filters, and the page."""

    ids: list[str] | None
    codes: list[str] | None
    start: datetime.datetime
    end: datetime.datetime
    statuses: set[str] | None
    page: int
    page_size: int


def _comma_list(data: QueryDict, name: str) -> list[str] | None:
    # "can be declared multiple times, comma delimited": a=1,2 and a=1&a=2 alike
    items = [item.strip() for value in data.getlist(name) for item in str(value).split(",")]
    items = [clean_text(item) for item in items if item]
    return items or None


def _positive(data: QueryDict, name: str, default: int, maximum: int) -> int:
    value = text(data, name)
    if not value:
        return default
    if not value.isdigit() or not 1 <= int(value) <= maximum:
        raise bad(
            _("%(name)s must be a whole number from 1 to %(max)d.") % {"name": name, "max": maximum}
        )
    return int(value)


def request_query(data: QueryDict, now: datetime.datetime) -> RequestQuery:
    start_text, end_text = text(data, "start_date"), text(data, "end_date")
    start = when(start_text, "start_date") if start_text else None
    end = when(end_text, "end_date") if end_text else None
    # "When not specified, the range defaults to most recent 90 days."
    if start is None and end is None:
        end, start = now, now - RANGE_MAX
    elif start is None:
        assert end is not None
        start = end - RANGE_MAX
    elif end is None:
        end = start + RANGE_MAX
    if end < start:
        raise bad(_("end_date is before start_date."))
    if end - start > RANGE_MAX:
        raise bad(_("start_date and end_date may be at most 90 days apart."))
    statuses = _comma_list(data, "status")
    if statuses is not None:
        unknown = [s for s in statuses if s not in (OPEN, CLOSED)]
        if unknown:
            raise bad(_("Unknown status: %s (open or closed)") % unknown[0][:40])
    ids = _comma_list(data, "service_request_id")
    if ids is not None and len(ids) > PAGE_SIZE_MAX:
        raise bad(_("At most %d service_request_id at once.") % PAGE_SIZE_MAX)
    return RequestQuery(
        ids=ids,
        codes=_comma_list(data, "service_code"),
        start=start,
        end=end,
        statuses=set(statuses) if statuses else None,
        page=_positive(data, "page", 1, 1_000_000),
        page_size=_positive(data, "page_size", PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX),
    )
