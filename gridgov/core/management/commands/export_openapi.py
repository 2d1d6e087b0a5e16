"""`gridgov export-openapi`: print the API's OpenAPI document (docs/openapi.json).

Keys sorted, indent 2, trailing newline, so the committed file diffs cleanly;
``make openapi`` rewrites docs/openapi.json and a test fails when it is stale.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand

API_PREFIX = "/api/v1/"


def openapi_document() -> dict[str, Any]:
    """The OpenAPI schema of /api/v1/ as plain JSON data."""
    from gridgov.api import api

    schema = api.get_openapi_schema(path_prefix=API_PREFIX)
    # Round-trip through JSON: plain dicts and lists, lazy strings resolved.
    return json.loads(json.dumps(schema, default=str))


def render(document: dict[str, Any]) -> str:
    """Sorted keys, indent 2, UTF-8 text as is, one trailing newline."""
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = "Print the OpenAPI document of /api/v1/ (make openapi writes docs/openapi.json)."
    # Needs the API object only, not the URLconf or the database.
    requires_system_checks: list[str] = []

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(render(openapi_document()), ending="")
