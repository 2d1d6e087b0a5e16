"""12345 hotline orders (12345 直派): the city hotline pushes orders, the street reports back.

An order becomes an ordinary ``cases.Case`` (kind and channel ``hotline``)
made by ``submit_case``; ``HotlineOrder`` keeps what only the hotline knows
(its order number, when it took the call, the payload as sent).  The
hotline's category codes are its own: ``HotlineCategoryMapping`` turns them
into ours, per street, and street admins edit it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.cases.models import Case, Category
from gridgov.core.scoping import ScopedQuerySet, ScopeRule
from gridgov.places.models import Street


class HotlineCategoryMapping(models.Model):
    """Hotline category mapping (12345 分类对照): the hotline's code → our category, per street.

    A code without a row (or mapped to a category no longer in use) makes a
    case without a category: the street's dispatcher decides.
    """

    street = models.ForeignKey(
        Street, verbose_name=_("street"), on_delete=models.PROTECT, related_name="+"
    )
    hotline_code = models.CharField(_("hotline code"), max_length=64)
    hotline_name = models.CharField(_("hotline category name"), max_length=100, blank=True)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    # Street admins read their street's table (nobody else: it is configuration).
    objects = ScopedQuerySet.as_manager()
    scope_rule = ScopeRule(street="street")

    class Meta:
        verbose_name = _("hotline category mapping")
        verbose_name_plural = _("hotline category mappings")
        ordering = ["street_id", "hotline_code"]
        constraints = [
            # intake looks a code up by (street, code); one answer per code
            models.UniqueConstraint(
                fields=["street", "hotline_code"], name="hotline_mapping_street_code_uniq"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hotline_code} → {self.category.code}"


class HotlineOrder(models.Model):
    """Hotline order (12345 工单): one order pushed by the city hotline, and its case.

    The order number is unique per street: a re-sent order (or two sends at
    the same moment) finds this row and answers with its case.
    """

    street = models.ForeignKey(
        Street, verbose_name=_("street"), on_delete=models.PROTECT, related_name="+"
    )
    order_number = models.CharField(_("order number"), max_length=64)
    case = models.OneToOneField(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="hotline_order"
    )
    received_at = models.DateTimeField(_("received by the hotline"))
    deadline = models.DateTimeField(_("hotline deadline"), null=True, blank=True)
    hotline_code = models.CharField(_("hotline code"), max_length=64)
    payload = models.JSONField(_("payload as sent"), default=dict)
    received_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    scope_rule = ScopeRule(street="street")

    class Meta:
        verbose_name = _("hotline order")
        verbose_name_plural = _("hotline orders")
        ordering = ["-created_at", "-id"]
        constraints = [
            # idempotency: a re-sent order number finds the first order (and its case)
            models.UniqueConstraint(
                fields=["street", "order_number"], name="hotline_order_street_number_uniq"
            ),
        ]

    def __str__(self) -> str:
        return self.order_number
