"""The web UI: every page for the right persona, 404 outside scope, bounded queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from gridgov.accounts.models import ApiToken
from gridgov.party.actions import add_party_member
from gridgov.places.actions import create_building, create_household
from tests.personas import PASSWORD

pytestmark = pytest.mark.django_db


def features(response, kind):
    return [f for f in response.json()["features"] if f["properties"]["kind"] == kind]


# --- pages render for the right people ------------------------------------------------


@pytest.mark.parametrize(
    "username",
    [
        "street_admin",
        "community_admin",
        "community_admin_2",
        "grid_worker_a",
        "branch_secretary_a",
        "dept_clerk",
        "partner",
        "enterprise",
        "resident",
        "outsider",
    ],
)
@pytest.mark.parametrize("url_name", ["home", "map", "party-tree", "places", "tokens"])
def test_every_persona_with_a_role_gets_the_main_pages(world, login, username, url_name):
    response = login(username).get(reverse(url_name))
    assert response.status_code == 200
    assert b"/static/vendor/bootstrap-5.3.8/bootstrap.min.css" in response.content


def test_pages_load_nothing_from_a_cdn(world, login):
    client = login("street_admin")
    for url_name in ("home", "map", "party-tree", "places", "organisation-list", "tokens"):
        html = client.get(reverse(url_name)).content.decode()
        assert "http://" not in html.replace("http://www.w3.org", "")
        assert "https://" not in html


def test_anonymous_is_sent_to_the_login_page(world, client):
    for url in (
        reverse("home"),
        reverse("map"),
        reverse("map-data"),
        reverse("party-tree"),
        reverse("building-detail", args=[world.building_a.pk]),
        reverse("tokens"),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_login_form_signs_in_and_goes_home(world, client):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert b'<label class="form-label" for="id_username">' in page.content
    response = client.post(reverse("login"), {"username": "grid_worker_a", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_wrong_password_shows_the_error_on_the_form(world, client):
    response = client.post(reverse("login"), {"username": "grid_worker_a", "password": "nope"})
    assert response.status_code == 200
    assert b"alert-danger" in response.content


def test_logout_is_a_post(world, login):
    client = login("grid_worker_a")
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_home_counts_what_the_grid_worker_may_see(world, login):
    response = login("grid_worker_a").get(reverse("home"))
    with translation.override("en"):
        tiles = {str(tile.label): tile.count for tile in response.context["tiles"]}
    assert tiles["Buildings"] == 1
    assert tiles["Households"] == 2
    assert tiles["Party members"] == 1
    assert tiles["Grids"] == 3
    assert "一网格" in response.content.decode()


def test_navigation_follows_the_role(world, login):
    def labels(username):
        response = login(username).get(reverse("home"))
        with translation.override("en"):
            return [str(item["label"]) for item in response.context["nav_items"]]

    assert "Organisations" in labels("street_admin")
    assert "Organisations" in labels("partner")
    assert "Organisations" not in labels("resident")
    # The import link: street admins only.
    assert "Data import" in labels("street_admin")
    assert "Data import" not in labels("community_admin")


def test_superuser_reads_every_street(world, login, django_user_model):
    django_user_model.objects.create_superuser("root", password=PASSWORD)
    client = login("root")
    assert client.get(reverse("building-detail", args=[world.building_d.pk])).status_code == 200
    names = {f["properties"]["name"] for f in features(client.get(reverse("map-data")), "grid")}
    assert "外网格" in names


def test_outsider_sees_no_places(world, login):
    client = login("outsider")
    assert client.get(reverse("places")).context["rows"] == []
    assert client.get(reverse("map-data")).json()["features"] == []
    assert client.get(reverse("grid-detail", args=[world.grid_a.pk])).status_code == 404
    assert client.get(reverse("community-detail", args=[world.c1.pk])).status_code == 404
    tiles = client.get(reverse("home")).context["tiles"]
    assert all(tile.count == 0 for tile in tiles)


# --- places and scope -----------------------------------------------------------------


def test_grid_worker_reads_own_building_with_masked_phones(world, login):
    response = login("grid_worker_a").get(reverse("building-detail", args=[world.building_a.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "138****1111" in html
    assert "13800001111" not in html
    assert "张三" in html  # the member living here
    assert "党员中心户" in html  # 1-101 is the member liaison household


def test_grid_worker_gets_404_on_another_grids_building_and_household(world, login):
    client = login("grid_worker_a")
    assert client.get(reverse("building-detail", args=[world.building_b.pk])).status_code == 404
    assert client.get(reverse("household-detail", args=[world.household_b.pk])).status_code == 404
    assert client.get(reverse("household-detail", args=[world.household_a.pk])).status_code == 200


def test_community_admin_gets_404_on_the_other_communitys_buildings(world, login):
    client = login("community_admin")
    assert client.get(reverse("building-detail", args=[world.building_b.pk])).status_code == 200
    assert client.get(reverse("building-detail", args=[world.building_c.pk])).status_code == 404
    assert client.get(reverse("household-detail", args=[world.household_c.pk])).status_code == 404


def test_resident_gets_404_on_every_building_and_household(world, login):
    client = login("resident")
    for building in (world.building_a, world.building_b, world.building_c, world.building_d):
        assert client.get(reverse("building-detail", args=[building.pk])).status_code == 404
    assert client.get(reverse("household-detail", args=[world.household_a.pk])).status_code == 404


def test_nobody_reads_another_streets_grid(world, login):
    response = login("street_admin").get(reverse("grid-detail", args=[world.grid_d.pk]))
    assert response.status_code == 404


def test_grid_page_shows_public_facts_to_a_resident_without_buildings(world, login):
    response = login("resident").get(reverse("grid-detail", args=[world.grid_a.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "一网格党支部" in html
    assert "/places/buildings/" not in html
    assert "buildings" not in response.context


def test_grid_page_lists_buildings_and_layers_for_its_worker(world, login):
    response = login("grid_worker_a").get(reverse("grid-detail", args=[world.grid_a.pk]))
    html = response.content.decode()
    assert "万安一路6号" in html
    assert "一网格党支部" in html
    assert response.context["members"] == 1
    assert [b.household_count for b in response.context["buildings"]] == [2]


def test_community_page_lists_grids_with_their_branches(world, login):
    response = login("community_admin").get(reverse("community-detail", args=[world.c1.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "一网格党支部" in html and "二网格党支部" in html
    assert response.context["counts"]["buildings"] == 2


# --- organisations --------------------------------------------------------------------


def test_partner_sees_only_its_own_organisation(world, login):
    client = login("partner")
    response = client.get(reverse("organisation-list"))
    assert [o.name for o in response.context["page"]] == ["永新中医院"]
    assert client.get(reverse("organisation-detail", args=[world.clinic.pk])).status_code == 200
    enterprise = reverse("organisation-detail", args=[world.enterprise.pk])
    assert client.get(enterprise).status_code == 404


def test_organisation_list_filters_by_kind(world, login):
    response = login("street_admin").get(reverse("organisation-list"), {"kind": "enterprise"})
    assert [o.name for o in response.context["page"]] == ["新铧教育咨询有限公司"]


# --- the map --------------------------------------------------------------------------


def test_map_data_marks_grid_a_as_mine_for_its_worker(world, login):
    response = login("grid_worker_a").get(reverse("map-data"))
    grids = {f["properties"]["name"]: f["properties"] for f in features(response, "grid")}
    assert set(grids) == {"一网格", "二网格", "三网格"}
    assert grids["一网格"]["mine"] is True
    assert grids["二网格"]["mine"] is False
    assert grids["一网格"]["branch"] == "一网格党支部"
    assert grids["一网格"]["url"] == reverse("grid-detail", args=[world.grid_a.pk])


def test_map_data_holds_only_visible_buildings(world, login):
    response = login("grid_worker_a").get(reverse("map-data"))
    assert [f["properties"]["name"] for f in features(response, "building")] == ["万安一路6号"]
    response = login("resident").get(reverse("map-data"))
    assert features(response, "building") == []


def test_map_data_draws_community_outlines(world, login):
    response = login("street_admin").get(reverse("map-data"))
    outlines = {f["properties"]["name"]: f["geometry"] for f in features(response, "community")}
    assert set(outlines) == {"一社区", "二社区"}
    lngs = [point[0] for point in outlines["一社区"]["coordinates"][0]]
    assert min(lngs) == pytest.approx(120.30) and max(lngs) == pytest.approx(120.32)


def test_resident_sees_their_households_grid_as_mine(world, login):
    response = login("resident").get(reverse("map-data"))
    mine = [f["properties"]["name"] for f in features(response, "grid") if f["properties"]["mine"]]
    assert mine == ["一网格"]


def test_map_page_lists_my_grid_beside_the_map(world, login):
    response = login("grid_worker_a").get(reverse("map"))
    html = response.content.decode()
    assert 'id="grid-map"' in html
    assert f'data-grid-id="{world.grid_a.pk}"' in html
    assert [g.name for g in response.context["my_grids"]] == ["一网格"]
    assert "/static/vendor/leaflet-1.9.4/leaflet.js" in html


def add_grid_data(world, count):
    """More buildings, households and members in grid A (through the actions)."""
    for n in range(count):
        building = create_building(
            name=f"测试楼{n}",
            address=f"青岛市市北区测试路{n}号",
            lat=36.101 + n * 0.0001,
            lng=120.301,
        )
        household = create_household(building=building, dwelling="1-101", phone="13900000000")
        add_party_member(name=f"党员{n}", branch=world.branch_a, household=household)


def count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url_name", ["map-data", "party-tree"])
def test_queries_stay_bounded_as_data_grows(world, login, django_assert_max_num_queries, url_name):
    client = login("street_admin")
    before = count_queries(client, reverse(url_name))
    add_grid_data(world, 15)
    with django_assert_max_num_queries(10):
        response = client.get(reverse(url_name))
    assert count_queries(client, reverse(url_name)) == before
    if url_name == "map-data":
        assert len(features(response, "building")) == 18


# --- the party chain ------------------------------------------------------------------


def _nodes(response):
    from gridgov.web.partytree import walk

    return {node.organisation.name: node for node in walk(response.context["roots"])}


def test_party_page_shows_member_counts_rolled_up(world, login):
    response = login("street_admin").get(reverse("party-tree"))
    nodes = _nodes(response)
    assert nodes["测试街道党工委"].total == 3
    assert nodes["一社区党委"].total == 2
    assert nodes["二社区党委"].total == 1
    assert nodes["一网格党支部"].total == 1
    assert nodes["万安一路6号党小组"].total == 1
    assert nodes["张三党员中心户"].total == 1
    assert 'data-member-count="3"' in response.content.decode()
    assert [child.organisation.name for child in nodes["一社区党委"].children] == [
        "一网格党支部",
        "二网格党支部",
    ]


def test_party_page_counts_members_of_every_visible_branch_but_lists_none(world, login):
    response = login("grid_worker_a").get(reverse("party-tree"))
    nodes = _nodes(response)
    # Counts are aggregate public figures; the members themselves stay in scope.
    assert nodes["一网格党支部"].total == 1
    assert nodes["二网格党支部"].total == 1
    assert nodes["测试街道党工委"].total == 3
    assert "张三党员中心户" in nodes
    assert "王五" not in response.content.decode()


def test_party_page_hides_liaison_households_from_residents(world, login):
    response = login("resident").get(reverse("party-tree"))
    nodes = _nodes(response)
    assert "一网格党支部" in nodes
    assert "张三党员中心户" not in nodes
    assert "张三党员中心户" not in response.content.decode()


# --- language ---------------------------------------------------------------------------


def test_chinese_is_the_default_and_english_can_be_chosen(world, login):
    client = login("grid_worker_a")
    html = client.get(reverse("map")).content.decode()
    assert 'lang="zh-hans"' in html
    assert "我的网格" in html
    response = client.post(
        reverse("set_language"), {"language": "en", "next": reverse("map")}, follow=True
    )
    html = response.content.decode()
    assert 'lang="en"' in html
    assert "My grid" in html
    assert "我的网格" not in html


# --- API tokens -------------------------------------------------------------------------


def test_tokens_page_creates_a_token_and_shows_it_once(world, login):
    client = login("grid_worker_a")
    response = client.post(reverse("tokens"), {"name": "巡查App"})
    assert response.status_code == 200
    raw = response.context["raw_token"]
    assert raw and raw.encode() in response.content
    token = ApiToken.objects.get(user=world.grid_worker_a)
    assert token.name == "巡查App" and token.digest == ApiToken.digest_of(raw)
    assert raw.encode() not in client.get(reverse("tokens")).content


def test_tokens_page_puts_the_error_beside_the_name_field(world, login):
    response = login("grid_worker_a").post(reverse("tokens"), {"name": ""})
    assert response.status_code == 400
    assert b'id="id_name-error"' in response.content
    assert b'aria-invalid="true"' in response.content
    assert not ApiToken.objects.exists()


def test_tokens_page_revokes_a_token(world, login):
    client = login("grid_worker_a")
    client.post(reverse("tokens"), {"name": "old"})
    token = ApiToken.objects.get()
    response = client.post(reverse("token-revoke", args=[token.pk]))
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_revoking_with_htmx_swaps_the_row(world, login):
    client = login("grid_worker_a")
    client.post(reverse("tokens"), {"name": "old"})
    token = ApiToken.objects.get()
    response = client.post(reverse("token-revoke", args=[token.pk]), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert f'id="token-{token.pk}"'.encode() in response.content
    assert b"badge" in response.content


def test_another_user_cannot_revoke_your_token(world, login, client):
    login("grid_worker_a").post(reverse("tokens"), {"name": "mine"})
    token = ApiToken.objects.get()
    client.logout()
    response = login("grid_worker_b").post(reverse("token-revoke", args=[token.pk]))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None
    assert not login("grid_worker_b").get(reverse("tokens")).context["tokens"].exists()


def test_an_english_browser_still_gets_chinese_until_english_is_chosen(world, client):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert "登录" in response.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert "Sign in" in client.get(reverse("login")).content.decode()
