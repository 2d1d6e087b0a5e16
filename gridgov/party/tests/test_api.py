"""The party organisations API: the public chain, liaison households, member counts."""

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gridgov.accounts.actions import create_api_token
from gridgov.party.actions import add_party_member, create_party_organisation
from gridgov.party.models import OrgKind


@pytest.fixture
def api(world, client):
    """api(username, path, **params) -> response, authenticated with a Bearer token."""
    tokens: dict[str, str] = {}

    def get(username: str, path: str, **params: Any):
        if username not in tokens:
            tokens[username] = create_api_token(user=world.users[username], name="test")[1]
        headers = {"Authorization": f"Bearer {tokens[username]}"}
        return client.get(f"/api/v1{path}", params, headers=headers)

    return get


def rows(response) -> dict[str, dict[str, Any]]:
    """The items of a list response, by name."""
    assert response.status_code == 200, response.content
    return {row["name"]: row for row in response.json()["items"]}


ALL_NAMES = {
    "测试街道党工委",
    "一社区党委",
    "二社区党委",
    "一网格党支部",
    "二网格党支部",
    "三网格党支部",
    "万安一路6号党小组",
    "张三党员中心户",
}


def test_unauthenticated_is_401(world, client):
    response = client.get("/api/v1/party-organisations")
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_staff_see_the_whole_chain_of_the_street(world, api):
    assert set(rows(api("street_admin", "/party-organisations"))) == ALL_NAMES
    # a grid worker sees the public chain and the liaison household of their own grid
    assert set(rows(api("grid_worker_a", "/party-organisations"))) == ALL_NAMES
    assert "张三党员中心户" not in rows(api("grid_worker_b", "/party-organisations"))


def test_resident_sees_the_chain_but_not_liaison_households(world, api):
    names = set(rows(api("resident", "/party-organisations")))
    assert names == ALL_NAMES - {"张三党员中心户"}
    assert api("resident", "/party-organisations", parent=world.liaison_a.pk).status_code == 404
    # the group's only child is hidden: an empty list, not a 404
    assert rows(api("resident", "/party-organisations", parent=world.group_a.pk)) == {}


def test_outsider_sees_nothing(world, api):
    assert rows(api("outsider", "/party-organisations")) == {}
    response = api("outsider", "/party-organisations", parent=world.street_committee.pk)
    assert response.status_code == 404


def test_item_fields_and_member_counts(world, api):
    found = rows(api("street_admin", "/party-organisations"))
    assert found["一网格党支部"] == {
        "id": world.branch_a.pk,
        "kind": "grid_branch",
        "name": "一网格党支部",
        "parent_id": world.c1_committee.pk,
        "street_id": world.street.pk,
        "community_id": world.c1.pk,
        "grid_id": world.grid_a.pk,
        "building_id": None,
        "household_id": None,
        "secretary_name": "",
        "member_count": 1,
    }
    assert found["万安一路6号党小组"]["building_id"] == world.building_a.pk
    assert found["张三党员中心户"]["household_id"] == world.household_a.pk
    assert found["测试街道党工委"]["parent_id"] is None
    # members are counted where they are held: by their branch only
    assert {name: row["member_count"] for name, row in found.items() if row["member_count"]} == {
        "一网格党支部": 1,
        "二网格党支部": 1,
        "三网格党支部": 1,
    }


def test_filters_by_kind_and_parent(world, api):
    branches = rows(api("resident", "/party-organisations", kind="grid_branch"))
    assert set(branches) == {"一网格党支部", "二网格党支部", "三网格党支部"}
    children = rows(api("resident", "/party-organisations", parent=world.c1_committee.pk))
    assert set(children) == {"一网格党支部", "二网格党支部"}
    both = rows(
        api(
            "resident",
            "/party-organisations",
            parent=world.c1_committee.pk,
            kind="community_committee",
        )
    )
    assert both == {}
    response = api("resident", "/party-organisations", kind="politburo")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "kind"
    assert api("resident", "/party-organisations", parent=999999).status_code == 404


def test_other_streets_chain_is_hidden(world, api):
    other = create_party_organisation(
        kind=OrgKind.STREET_COMMITTEE, name="别的街道党工委", street=world.other_street
    )
    for username in ("street_admin", "resident", "grid_worker_a"):
        assert "别的街道党工委" not in rows(api(username, "/party-organisations")), username
        response = api(username, "/party-organisations", parent=other.pk)
        assert response.status_code == 404, username


def test_query_count_does_not_grow_with_members(world, api, django_assert_max_num_queries):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api("street_admin", "/party-organisations").status_code == 200
        return len(captured)

    api("street_admin", "/party-organisations")  # warm up (token last_used_at)
    before = queries()
    for number in range(10):
        add_party_member(name=f"党员{number}", branch=world.branch_b)
    assert queries() == before
    with django_assert_max_num_queries(5):
        found = rows(api("street_admin", "/party-organisations"))
    assert found["二网格党支部"]["member_count"] == 11


def test_grid_worker_reads_own_members_with_masked_phones(world, api):
    response = api("grid_worker_a", "/party-members")
    assert response.status_code == 200
    items = response.json()["items"]
    assert [row["name"] for row in items] == ["张三"]
    assert items[0]["phone"] == "138****1111"


def test_grid_worker_gets_404_on_grid_b_members(world, api):
    assert api("grid_worker_a", f"/party-members/{world.member_b.pk}").status_code == 404
    assert api("grid_worker_a", "/party-members", branch=world.branch_b.pk).status_code == 404
    assert api("grid_worker_a", "/party-members", grid=world.grid_b.pk).status_code == 404


def test_member_detail_reveals_the_phone_and_logs_it(world, api):
    from gridgov.core.models import AuditLogEntry

    response = api("branch_secretary_a", f"/party-members/{world.member_a.pk}")
    assert response.json()["phone"] == "13800001111"
    entry = AuditLogEntry.objects.get(action="reveal_phone")
    assert entry.actor == world.branch_secretary_a and entry.object_id == str(world.member_a.pk)


def test_community_admin_reads_members_of_own_community_only(world, api):
    names = {row["name"] for row in api("community_admin", "/party-members").json()["items"]}
    assert names == {"张三", "王五"}
    assert api("community_admin", f"/party-members/{world.member_c.pk}").status_code == 404


@pytest.mark.parametrize("username", ["resident", "partner", "dept_clerk", "outsider"])
def test_non_staff_read_no_members(world, api, username):
    assert api(username, "/party-members").json()["items"] == []
    assert api(username, f"/party-members/{world.member_a.pk}").status_code == 404


def test_empty_branch_of_own_grid_is_an_empty_list_not_404(world, api):
    from gridgov.party.models import PartyMember

    PartyMember.objects.filter(branch=world.branch_a).delete()
    response = api("grid_worker_a", "/party-members", branch=world.branch_a.pk)
    assert response.status_code == 200 and response.json()["items"] == []
