"""Places (一标三实): streets, communities, grids, buildings, households, organisations.

Concrete hierarchy models with foreign keys.  Rows below the street carry
copies of their ancestors' ids (street, community, grid) so that scoping and
rollups never walk the tree at read time; the actions keep the copies right.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.core.scoping import ScopedManager, ScopeRule


class GridLayer(models.TextChoices):
    """The networks one grid serves (多网合一): one map, not four."""

    PARTY = "party", _("party building")
    GOVERNANCE = "governance", _("comprehensive governance")
    EMERGENCY = "emergency", _("emergency")
    CITY = "city", _("city management")


ALL_LAYERS = [layer.value for layer in GridLayer]


class Street(models.Model):
    """Street (街道): the sub-district office at the top of a deployment."""

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100, unique=True)
    district = models.CharField(_("district"), max_length=100, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()
    scope_rule = ScopeRule(street="id", public=True)

    class Meta:
        verbose_name = _("street")
        verbose_name_plural = _("streets")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    """Community (社区): under a street, with its residents' committee (社区两委)."""

    street = models.ForeignKey(
        Street, verbose_name=_("street"), on_delete=models.PROTECT, related_name="communities"
    )
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()
    scope_rule = ScopeRule(street="street", community="id", public=True)

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["street", "name"], name="community_name_per_street")
        ]

    def __str__(self) -> str:
        return self.name


class Grid(models.Model):
    """Grid (网格): the basic governance unit, a polygon of a few hundred households.

    ``geometry`` is a GeoJSON Polygon or MultiPolygon in WGS-84 ([lng, lat]);
    ``layers`` lists the networks it serves (多网合一).  The bounding box is
    kept beside it for cheap map queries.
    """

    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="grids"
    )
    street = models.ForeignKey(
        Street, verbose_name=_("street"), on_delete=models.PROTECT, related_name="grids"
    )
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    geometry = models.JSONField(_("boundary (GeoJSON)"))
    layers = models.JSONField(_("layers"), default=list, blank=True)
    min_lng = models.FloatField(default=0)
    min_lat = models.FloatField(default=0)
    max_lng = models.FloatField(default=0)
    max_lat = models.FloatField(default=0)
    area_m2 = models.FloatField(_("area (m²)"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()
    scope_rule = ScopeRule(street="street", community="community", grid="id", public=True)

    class Meta:
        verbose_name = _("grid")
        verbose_name_plural = _("grids")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="grid_name_per_community")
        ]

    def __str__(self) -> str:
        return self.name

    def layer_labels(self) -> list[Any]:
        labels = dict(GridLayer.choices)
        return [labels.get(layer, layer) for layer in self.layers]


class Building(models.Model):
    """Building or compound (楼栋/楼院) at its standard address (标准地址, 一标).

    ``address`` is the full standard address (city, district, road, door
    number); ``name`` is how people call it (e.g. 万安一路6号).
    """

    grid = models.ForeignKey(
        Grid, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="buildings"
    )
    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    street = models.ForeignKey(
        Street, verbose_name=_("street"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    road = models.CharField(_("road"), max_length=100, blank=True)
    door_number = models.CharField(_("door number"), max_length=32, blank=True)
    address = models.CharField(_("standard address"), max_length=200)
    lat = models.FloatField(_("latitude"))
    lng = models.FloatField(_("longitude"))
    floors = models.PositiveSmallIntegerField(_("floors"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()
    scope_rule = ScopeRule(street="street", community="community", grid="grid")

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["grid_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["grid", "name"], name="building_name_per_grid"),
            models.UniqueConstraint(
                fields=["street", "address"], name="building_address_per_street"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Household(models.Model):
    """Household (户): the people living in one dwelling of a building (实有人口/实有房屋)."""

    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="households"
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    street = models.ForeignKey(
        Street, verbose_name=_("street"), on_delete=models.PROTECT, related_name="+"
    )
    dwelling = models.CharField(_("dwelling (unit-room)"), max_length=32)
    head_name = models.CharField(_("head of household"), max_length=50, blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    size = models.PositiveSmallIntegerField(_("people"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()
    scope_rule = ScopeRule(street="street", community="community", grid="grid")

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["building_id", "dwelling"]
        constraints = [
            models.UniqueConstraint(fields=["building", "dwelling"], name="household_per_dwelling")
        ]

    def __str__(self) -> str:
        return f"{self.building.name} {self.dwelling}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


def mask_phone(phone: str) -> str:
    """138****5678: personal data is masked in lists unless the role needs it."""
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]


class OrganisationKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("enterprise")
    INSTITUTION = "institution", _("institution")
    PARTNER = "partner", _("partner unit")


class Organisation(models.Model):
    """Organisation (实有单位): an enterprise, institution or partner unit (共建单位).

    Located at a standard address (a building); partners pledge resources and
    claim grids (红色合伙人).
    """

    kind = models.CharField(_("kind"), max_length=16, choices=OrganisationKind.choices)
    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(_("unified social credit code"), max_length=18, blank=True)
    building = models.ForeignKey(
        Building,
        verbose_name=_("building"),
        on_delete=models.PROTECT,
        related_name="organisations",
    )
    grid = models.ForeignKey(
        Grid, verbose_name=_("grid"), on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        Community, verbose_name=_("community"), on_delete=models.PROTECT, related_name="+"
    )
    street = models.ForeignKey(
        Street, verbose_name=_("street"), on_delete=models.PROTECT, related_name="organisations"
    )
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=32, blank=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedManager()
    scope_rule = ScopeRule(street="street", community="community", grid="grid", organisation="id")

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["street_id", "name"]
        constraints = [
            models.UniqueConstraint(fields=["street", "name"], name="organisation_name_per_street")
        ]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """Street department (街道科室), e.g. 城市管理科; cases are dispatched to it."""

    street = models.ForeignKey(
        Street, verbose_name=_("street"), on_delete=models.PROTECT, related_name="departments"
    )
    code = models.CharField(_("code"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)

    objects = ScopedManager()
    scope_rule = ScopeRule(street="street", public=True)

    class Meta:
        verbose_name = _("street department")
        verbose_name_plural = _("street departments")
        ordering = ["street_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["street", "code"], name="department_code_per_street"),
            models.UniqueConstraint(fields=["street", "name"], name="department_name_per_street"),
        ]

    def __str__(self) -> str:
        return self.name
