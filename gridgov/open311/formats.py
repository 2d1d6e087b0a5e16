"""The two formats of GeoReport v2: XML (the spec's element names) and JSON (bare arrays).

Views build plain Python values (dicts, lists, scalars) and ``render`` turns
them into either format: a list becomes repeated elements named by
``LIST_ITEMS`` in XML and a bare JSON array; ``None`` is an empty element
or ``null``; booleans are ``true``/``false``.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from django.http import HttpRequest, HttpResponse

XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
FORMATS = {"xml": XML_TYPE, "json": JSON_TYPE}
XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>'

# The element of each item of a list, by the list's element name (as the spec shows).
LIST_ITEMS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "service_requests": "request",
    "errors": "error",
}

# Characters XML 1.0 cannot carry at all (control characters other than tab, CR, LF).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


class Open311Error(Exception):
    """An answer of the spec's error kind: 400, 403, 404 (and 429 when rate-limited)."""

    def __init__(self, status: int, description: str, *, headers: dict[str, str] | None = None):
        super().__init__(description)
        self.status = status
        self.description = str(description)
        self.headers = headers or {}


def clean_text(value: str) -> str:
    """Text without the characters XML cannot hold (kept out of both formats alike)."""
    return _NOT_XML.sub("", value)


def _fill(element: ET.Element, value: Any) -> None:
    if isinstance(value, dict):
        for name, child in value.items():
            _fill(ET.SubElement(element, name), child)
    elif isinstance(value, list):
        item_name = LIST_ITEMS[element.tag]
        for child in value:
            _fill(ET.SubElement(element, item_name), child)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = clean_text(str(value))


def to_xml(root: str, value: Any) -> str:
    element = ET.Element(root)
    _fill(element, value)
    return XML_DECLARATION + "\n" + ET.tostring(element, encoding="unicode")


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {key: _clean(child) for key, child in value.items()}
    if isinstance(value, list):
        return [_clean(child) for child in value]
    return value


def render(fmt: str, root: str, value: Any, *, status: int = 200) -> HttpResponse:
    """``value`` as XML under ``root`` or as JSON (``root`` only names the XML element)."""
    body = to_xml(root, value) if fmt == "xml" else json.dumps(_clean(value), ensure_ascii=False)
    return HttpResponse(body.encode("utf-8"), content_type=FORMATS[fmt], status=status)


def error_response(fmt: str, error: Open311Error) -> HttpResponse:
    """The spec's error body: ``[{"code": .., "description": ..}]`` / ``<errors><error>``."""
    response = render(
        fmt,
        "errors",
        [{"code": error.status, "description": error.description}],
        status=error.status,
    )
    for header, value in error.headers.items():
        response[header] = value
    return response


def format_for_unknown(request: HttpRequest) -> str:
    """The format of an error whose URL names no known format: JSON if asked for, else XML."""
    accept = request.headers.get("Accept", "")
    return "json" if "json" in accept and "xml" not in accept else "xml"
