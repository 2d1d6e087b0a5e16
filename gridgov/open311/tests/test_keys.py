"""API keys: created and revoked by street admins (actions with audit rows), the page, the CLI."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from gridgov.core.errors import ActionError, NotPermitted
from gridgov.core.models import AuditLogEntry
from gridgov.open311.actions import create_api_key, revoke_api_key
from gridgov.open311.models import ApiKey
from gridgov.open311.tests.helpers import ROOT, pothole_form


def test_a_street_admin_creates_a_key_of_their_street_stored_hashed_with_an_audit_row(o311):
    key, raw = create_api_key(street=o311.street, name="居民小程序", actor=o311.street_admin)
    assert raw.startswith("o311_") and len(raw) > 40
    assert key.digest == ApiKey.digest_of(raw) and raw not in {key.digest, key.prefix, key.name}
    assert key.prefix == raw[:12] and not key.moderated and key.created_by == o311.street_admin
    entry = AuditLogEntry.objects.get(action="create_open311_key")
    assert entry.actor == o311.street_admin and entry.object_id == str(key.pk)
    assert entry.data == {"street": "370203901", "moderated": False, "prefix": key.prefix}


@pytest.mark.parametrize("persona", ["community_admin", "grid_worker_a", "resident", "outsider"])
def test_only_the_streets_admins_create_its_keys(o311, persona):
    with pytest.raises(NotPermitted):
        create_api_key(street=o311.street, name="x", actor=getattr(o311, persona))
    assert not ApiKey.objects.exists()


def test_a_street_admin_cannot_create_or_revoke_another_streets_keys(o311):
    with pytest.raises(NotPermitted):
        create_api_key(street=o311.other_street, name="x", actor=o311.street_admin)
    key, _raw = create_api_key(street=o311.other_street, name="外街道", actor=None)
    with pytest.raises(NotPermitted):
        revoke_api_key(key=key, actor=o311.street_admin)


def test_revoking_writes_an_audit_row_and_twice_is_refused(o311):
    key, _raw = create_api_key(street=o311.street, name="小程序", actor=o311.street_admin)
    revoke_api_key(key=key, actor=o311.street_admin)
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert AuditLogEntry.objects.filter(action="revoke_open311_key", object_id=str(key.pk)).exists()
    with pytest.raises(ActionError):
        revoke_api_key(key=key, actor=o311.street_admin)


def test_a_key_needs_a_name(o311):
    with pytest.raises(ActionError):
        create_api_key(street=o311.street, name="  ", actor=o311.street_admin)


# --------------------------------------------------------------------------- the page


def test_the_keys_page_creates_a_key_and_shows_it_once(login, o311):
    client = login("street_admin")
    response = client.post("/open311/keys/", {"name": "12345平台", "moderated": "on"})
    assert response.status_code == 200
    key = ApiKey.objects.get()
    assert key.moderated and key.street == o311.street
    raw = response.context["raw_key"]
    assert key.digest == ApiKey.digest_of(raw) and raw in response.content.decode()
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    again = client.get("/open311/keys/")
    assert raw not in again.content.decode() and "12345平台" in again.content.decode()


def test_the_keys_page_lists_only_the_admins_streets_keys(login, o311):
    create_api_key(street=o311.street, name="本街道的", actor=None)
    create_api_key(street=o311.other_street, name="外街道的", actor=None)
    page = login("street_admin").get("/open311/keys/").content.decode()
    assert "本街道的" in page and "外街道的" not in page


def test_the_keys_page_refuses_an_empty_name(login, o311):
    response = login("street_admin").post("/open311/keys/", {"name": ""})
    assert response.status_code == 400 and not ApiKey.objects.exists()


@pytest.mark.parametrize("persona", ["community_admin", "grid_worker_a", "resident", "outsider"])
def test_the_keys_page_is_404_for_everyone_but_street_admins(login, o311, persona):
    assert login(persona).get("/open311/keys/").status_code == 404


def test_revoking_from_the_page(login, o311):
    key, _raw = create_api_key(street=o311.street, name="小程序", actor=None)
    other, _raw = create_api_key(street=o311.other_street, name="外", actor=None)
    client = login("street_admin")
    response = client.post(f"/open311/keys/{key.pk}/revoke/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and f'id="key-{key.pk}"' in response.content.decode()
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert client.post(f"/open311/keys/{other.pk}/revoke/").status_code == 404
    assert client.post(f"/open311/keys/{key.pk}/revoke/").status_code == 404  # already revoked


# --------------------------------------------------------------------------- the CLI


def run(*args):
    out = io.StringIO()
    call_command("apikey", *args, stdout=out)
    return out.getvalue()


def test_cli_create_prints_the_key_alone_on_its_last_line_and_it_works(client, o311):
    output = run("create", "居民小程序", "--street", "370203901")
    raw = output.strip().splitlines()[-1]
    key = ApiKey.objects.get(digest=ApiKey.digest_of(raw))
    assert key.street == o311.street and not key.moderated
    assert AuditLogEntry.objects.filter(action="create_open311_key", actor=None).exists()
    assert client.post(f"{ROOT}/requests.json", pothole_form(raw)).status_code == 200


def test_cli_create_moderated_and_street_required_with_several_streets(o311):
    with pytest.raises(CommandError, match="--street"):
        run("create", "x")
    with pytest.raises(CommandError, match="999"):
        run("create", "x", "--street", "999")
    raw = run("create", "审核的", "--street", "370203902", "--moderated").strip().splitlines()[-1]
    key = ApiKey.objects.get(digest=ApiKey.digest_of(raw))
    assert key.moderated and key.street == o311.other_street


def test_cli_list_and_revoke_by_prefix(o311):
    raw = run("create", "小程序", "--street", "370203901").strip().splitlines()[-1]
    listing = run("list")
    assert raw[:12] in listing and "active" in listing and raw not in listing
    assert "Revoked" in run("revoke", raw[:12])
    assert ApiKey.objects.get().revoked_at is not None
    assert "revoked" in run("list", "--street", "370203901")
    with pytest.raises(CommandError):
        run("revoke", raw[:12])
    with pytest.raises(CommandError):
        run("revoke", "short")


def test_the_menu_offers_the_keys_page_to_street_admins_only(login, o311):
    def labels(persona):
        response = login(persona).get("/")
        return [str(item["label"]) for item in response.context["nav_items"]]

    assert "Open311 keys" in labels("street_admin") or "Open311密钥" in labels("street_admin")
    assert not {"Open311 keys", "Open311密钥"} & set(labels("community_admin"))
