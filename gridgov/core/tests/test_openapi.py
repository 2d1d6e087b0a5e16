"""docs/openapi.json is the document `gridgov export_openapi` prints."""

import json
from io import StringIO
from pathlib import Path

from django.core.management import call_command

COMMITTED = Path(__file__).resolve().parents[3] / "docs" / "openapi.json"


def exported() -> str:
    out = StringIO()
    call_command("export_openapi", stdout=out)
    return out.getvalue()


def test_committed_openapi_document_is_current():
    current = json.loads(exported())
    assert COMMITTED.exists(), "docs/openapi.json is missing: run `make openapi` and commit it."
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert current == committed, (
        "docs/openapi.json differs from the API: run `make openapi` and commit the result."
    )


def test_export_is_sorted_indented_and_ends_with_a_newline():
    text = exported()
    assert text.endswith("}\n") and not text.endswith("\n\n")
    document = json.loads(text)
    assert text == json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert document["openapi"].startswith("3.")
    assert "/api/v1/places/locate" in document["paths"]
    assert set(document["components"]["securitySchemes"]) == {"BearerTokenAuth", "SessionReadAuth"}
