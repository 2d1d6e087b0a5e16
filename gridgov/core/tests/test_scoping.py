"""visible_to(user): what each persona may read."""

from gridgov.party.models import PartyMember, PartyOrganisation
from gridgov.places.models import Building, Community, Grid, Household, Organisation, Street


def names(queryset):
    return sorted(str(row) for row in queryset)


def test_grid_worker_reads_only_own_grid_buildings_households_members(world):
    user = world.grid_worker_a
    assert names(Building.objects.visible_to(user)) == ["万安一路6号"]
    assert {h.grid_id for h in Household.objects.visible_to(user)} == {world.grid_a.pk}
    assert names(PartyMember.objects.visible_to(user)) == ["张三"]


def test_grid_worker_sees_the_street_map_but_not_other_streets(world):
    user = world.grid_worker_a
    assert names(Grid.objects.visible_to(user)) == ["一网格", "三网格", "二网格"]
    assert names(Street.objects.visible_to(user)) == ["测试街道"]


def test_community_admin_reads_own_community_only(world):
    user = world.community_admin
    assert names(Building.objects.visible_to(user)) == ["万安一路6号", "金华路46号"]
    assert not PartyMember.objects.visible_to(user).filter(pk=world.member_c.pk).exists()
    assert not Household.objects.visible_to(user).filter(pk=world.household_c.pk).exists()


def test_street_admin_reads_whole_street_not_other_street(world):
    user = world.street_admin
    assert Building.objects.visible_to(user).count() == 3
    assert not Grid.objects.visible_to(user).filter(pk=world.grid_d.pk).exists()


def test_resident_reads_public_place_data_only(world):
    user = world.resident
    assert Community.objects.visible_to(user).count() == 2
    assert Grid.objects.visible_to(user).count() == 3
    assert not Building.objects.visible_to(user).exists()
    assert not Household.objects.visible_to(user).exists()
    assert not PartyMember.objects.visible_to(user).exists()
    assert not Organisation.objects.visible_to(user).exists()
    kinds = set(PartyOrganisation.objects.visible_to(user).values_list("kind", flat=True))
    assert "liaison_household" not in kinds and "grid_branch" in kinds


def test_partner_reads_own_organisation(world):
    assert names(Organisation.objects.visible_to(world.partner)) == ["永新中医院"]


def test_outsider_and_anonymous_read_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    for user in (world.outsider, AnonymousUser()):
        assert not Street.objects.visible_to(user).exists()
        assert not Grid.objects.visible_to(user).exists()


def test_only_a_street_admin_covers_the_whole_street(world):
    from django.contrib.auth.models import AnonymousUser

    from gridgov.core.scoping import scope_for

    street = world.street.pk
    assert scope_for(world.street_admin).covers_street(street)
    assert not scope_for(world.street_admin).covers_street(street + 1000)
    for user in (world.community_admin, world.grid_worker_a, world.resident, world.outsider):
        assert not scope_for(user).covers_street(street)
    assert not scope_for(AnonymousUser()).covers_street(street)
