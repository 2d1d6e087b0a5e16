"""Routing rules: street admins set and clear them (page and actions); new cases follow them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from gridgov.cases.actions import submit_case
from gridgov.cases.models import Category, RoutingRule, UnitKind
from gridgov.cases.rule_actions import check_handler, clear_routing_rule, set_routing_rule
from gridgov.core.errors import ActionError, NotPermitted
from gridgov.core.models import AuditLogEntry

pytestmark = pytest.mark.django_db


def sanitation() -> Category:
    return Category.objects.get(code="env.sanitation")


def new_case(world):
    return submit_case(
        description="楼下垃圾桶满了没人清运",
        category=sanitation(),
        lat=36.105,
        lng=120.305,
        actor=world.resident,
    )


def written() -> tuple[list[tuple[int, str]], int]:
    """What a refused change must leave as it was."""
    rules = list(RoutingRule.objects.order_by("pk").values_list("pk", "handler"))
    return rules, AuditLogEntry.objects.count()


def post_rule(client, world, handler, op="set", code="env.sanitation"):
    return client.post(
        reverse("case-rules"),
        {"street": world.street.pk, "category": code, "handler": handler, "op": op},
    )


# --- the actions -----------------------------------------------------------------------------


def test_a_street_admin_sets_a_rule_and_new_cases_follow_it(world):
    assert new_case(world).lead_unit.kind == UnitKind.GRID  # the catalogue default
    rule = set_routing_rule(
        street=world.street, category=sanitation(), handler="community", actor=world.street_admin
    )
    assert rule.handler == "community"
    case = new_case(world)
    assert case.lead_unit.kind == UnitKind.COMMUNITY and case.lead_unit.community == world.c1
    entry = AuditLogEntry.objects.get(action="set_routing_rule")
    assert entry.actor == world.street_admin
    assert entry.data["handler"] == "community" and entry.data["previous"] is None


def test_setting_again_changes_the_one_rule(world):
    for handler in ("community", "street:urban"):
        set_routing_rule(
            street=world.street, category=sanitation(), handler=handler, actor=world.street_admin
        )
    assert list(RoutingRule.objects.values_list("handler", flat=True)) == ["street:urban"]
    assert new_case(world).lead_unit.department == world.dept_urban
    last = AuditLogEntry.objects.filter(action="set_routing_rule").order_by("-pk").first()
    assert last is not None and last.data["previous"] == "community"


def test_clearing_brings_back_the_catalogue_default(world):
    set_routing_rule(
        street=world.street, category=sanitation(), handler="community", actor=world.street_admin
    )
    assert clear_routing_rule(street=world.street, category=sanitation(), actor=world.street_admin)
    assert not RoutingRule.objects.exists()
    assert new_case(world).lead_unit.kind == UnitKind.GRID
    assert AuditLogEntry.objects.filter(action="clear_routing_rule").count() == 1
    before = written()
    assert not clear_routing_rule(
        street=world.street, category=sanitation(), actor=world.street_admin
    )
    assert written() == before


@pytest.mark.parametrize("handler", ["street:nope", "planet", "", "street:", "Grid", "street"])
def test_a_bad_handler_is_refused_beside_its_field(world, handler):
    before = written()
    with pytest.raises(ActionError) as caught:
        set_routing_rule(
            street=world.street, category=sanitation(), handler=handler, actor=world.street_admin
        )
    assert list(caught.value.errors) == ["handler"]
    assert written() == before


def test_a_department_of_another_street_is_not_accepted(world):
    from gridgov.places.models import Department

    Department.objects.create(street=world.other_street, code="harbour", name="港务科")
    with pytest.raises(ActionError):
        check_handler(world.street, "street:harbour")
    assert check_handler(world.other_street, " street:harbour ") == "street:harbour"


@pytest.mark.parametrize(
    "username", ["community_admin", "grid_worker_a", "dept_clerk", "resident", "outsider"]
)
def test_only_a_street_admin_may_set_or_clear(world, username):
    actor = world.users[username]
    before = written()
    with pytest.raises(NotPermitted):
        set_routing_rule(
            street=world.street, category=sanitation(), handler="community", actor=actor
        )
    with pytest.raises(NotPermitted):
        clear_routing_rule(street=world.street, category=sanitation(), actor=actor)
    assert written() == before


def test_a_street_admin_may_not_set_another_streets_rule(world):
    with pytest.raises(NotPermitted):
        set_routing_rule(
            street=world.other_street,
            category=sanitation(),
            handler="community",
            actor=world.street_admin,
        )
    assert not RoutingRule.objects.exists()


# --- the page ----------------------------------------------------------------------------------


def test_the_page_shows_each_category_with_its_default_and_the_streets_rule(world, login):
    set_routing_rule(
        street=world.street, category=sanitation(), handler="community", actor=world.street_admin
    )
    response = login("street_admin").get(reverse("case-rules"))
    assert response.status_code == 200
    rows = {row.category.code: row for row in response.context["rows"]}
    assert len(rows) == Category.objects.count()
    assert rows["env.sanitation"].rule.handler == "community"
    assert rows["env.sanitation"].value == "community"
    assert rows["facility.road"].rule is None and rows["facility.road"].value == "street:urban"
    assert "城市管理科" in rows["facility.road"].default
    html = response.content.decode()
    assert 'value="street:urban"' in html and 'id="rule-env.sanitation"' in html


def test_setting_community_for_sanitation_on_the_page_routes_new_cases_there(world, login):
    response = post_rule(login("street_admin"), world, "community")
    assert response.status_code == 302
    assert response["Location"].endswith("#rule-env.sanitation")
    assert RoutingRule.objects.get(street=world.street, category=sanitation()).handler == (
        "community"
    )
    assert new_case(world).lead_unit.kind == UnitKind.COMMUNITY


def test_clearing_on_the_page(world, login):
    client = login("street_admin")
    post_rule(client, world, "community")
    response = post_rule(client, world, "", op="clear")
    assert response.status_code == 302
    assert not RoutingRule.objects.exists()


@pytest.mark.parametrize("handler", ["street:nope", "planet"])
def test_a_bad_handler_on_the_page_shows_an_error_beside_the_field(world, login, handler):
    before = written()
    response = post_rule(login("street_admin"), world, handler)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="handler-env.sanitation-error"' in html
    assert 'aria-describedby="handler-env.sanitation-error"' in html
    row = next(r for r in response.context["rows"] if r.category.code == "env.sanitation")
    assert row.errors and row.value == handler
    assert written() == before


@pytest.mark.parametrize(
    "username",
    ["community_admin", "grid_worker_a", "branch_secretary_a", "dept_clerk", "partner", "resident"],
)
def test_everyone_else_gets_404(world, login, username):
    client = login(username)
    before = written()
    assert client.get(reverse("case-rules")).status_code == 404
    assert post_rule(client, world, "community").status_code == 404
    assert written() == before


def test_a_street_admin_cannot_reach_another_streets_rules(world, login):
    client = login("street_admin")
    assert client.get(reverse("case-rules"), {"street": world.other_street.pk}).status_code == 404
    response = client.post(
        reverse("case-rules"),
        {"street": world.other_street.pk, "category": "env.sanitation", "handler": "community"},
    )
    assert response.status_code == 404
    assert not RoutingRule.objects.exists()


def test_an_unknown_category_is_404(world, login):
    response = post_rule(login("street_admin"), world, "community", code="no.such")
    assert response.status_code == 404


def test_the_rules_link_shows_for_street_admins_only(world, login, client):
    assert (
        reverse("case-rules")
        in login("street_admin").get(reverse("case-workbench")).content.decode()
    )
    client.logout()
    html = login("grid_worker_a").get(reverse("case-workbench")).content.decode()
    assert reverse("case-rules") not in html
