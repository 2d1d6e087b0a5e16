"""The re-zoning page: street admins preview and apply; everyone else gets 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gridgov.core.models import AuditLogEntry
from gridgov.party.models import PartyMember
from gridgov.party.tests.test_rezone import shrink_grid_a_and_grow_grid_b
from gridgov.places.models import Building


def member_a_branch(world) -> int:
    return PartyMember.objects.get(pk=world.member_a.pk).branch_id


def test_street_admin_sees_what_would_move_and_get_changes_nothing(world, login):
    shrink_grid_a_and_grow_grid_b(world)
    audit_rows = AuditLogEntry.objects.count()
    response = login("street_admin").get(reverse("party-rezone"))
    assert response.status_code == 200
    assert not response.context["applied"] and response.context["changed"]
    [row] = response.context["streets"]
    assert row["street"] == world.street.name
    assert [r["member"] for r in row["report"].members] == ["张三"]
    page = response.content.decode()
    assert "张三" in page and "万安一路6号" in page and "二网格党支部" in page
    assert 'class="table-responsive"' in page and 'method="post"' in page
    assert member_a_branch(world) == world.branch_a.pk
    assert Building.objects.get(pk=world.building_a.pk).grid_id == world.grid_a.pk
    assert AuditLogEntry.objects.count() == audit_rows


def test_street_admin_applies_the_rezoning(world, login):
    shrink_grid_a_and_grow_grid_b(world)
    response = login("street_admin").post(reverse("party-rezone"))
    assert response.status_code == 200
    assert response.context["applied"] and response.context["changed"]
    assert "张三" in response.content.decode()
    assert member_a_branch(world) == world.branch_b.pk
    assert Building.objects.get(pk=world.building_a.pk).grid_id == world.grid_b.pk
    entry = AuditLogEntry.objects.get(action="rezone")
    assert entry.actor == world.street_admin and entry.data["moved_members"] == 1


def test_a_post_with_nothing_to_move_says_so(world, login):
    response = login("street_admin").post(reverse("party-rezone"))
    assert response.status_code == 200
    assert not response.context["changed"]
    page = response.content.decode()
    assert 'id="rezone-nothing"' in page and 'method="post"' not in page.split("<main")[1]


@pytest.mark.parametrize("persona", ["grid_worker_a", "community_admin", "resident", "outsider"])
def test_everyone_but_a_street_admin_gets_404(world, login, persona):
    shrink_grid_a_and_grow_grid_b(world)
    client = login(persona)
    assert client.get(reverse("party-rezone")).status_code == 404
    assert client.post(reverse("party-rezone")).status_code == 404
    assert member_a_branch(world) == world.branch_a.pk


def test_anonymous_visitors_are_sent_to_log_in(world, client):
    response = client.get(reverse("party-rezone"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_import_pages_link_to_the_rezoning_page(world, login):
    response = login("street_admin").get(reverse("places-import"))
    assert reverse("party-rezone") in response.content.decode()
