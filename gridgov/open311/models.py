"""Open311 GeoReport v2 (市民诉求开放接口): API keys, service attributes, request records.

A case reported through Open311 is an ordinary ``cases.Case`` made by
``submit_case``; ``ServiceRequestRecord`` keeps what only Open311 knows about
it (which key, the token, the client's device and account ids, the answers
to the service's attributes).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from gridgov.cases.models import Case, Category
from gridgov.core.scoping import ScopedQuerySet, ScopeRule
from gridgov.places.models import Street


class ApiKey(models.Model):
    """Open311 API key (接口密钥) of one street; only its SHA-256 digest is stored.

    A key posts requests into its own street only.  A ``moderated`` key's
    requests are not dispatched automatically: they wait for the street's
    dispatcher, and the client gets a token instead of a request id.
    """

    street = models.ForeignKey(
        Street, verbose_name=_("street"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12)
    digest = models.CharField(max_length=64, unique=True)
    moderated = models.BooleanField(_("moderated"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    # Street admins read their street's keys; nobody else (keys are not public).
    objects = ScopedQuerySet.as_manager()
    scope_rule = ScopeRule(street="street")

    class Meta:
        verbose_name = _("Open311 API key")
        verbose_name_plural = _("Open311 API keys")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def digest_of(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()


class Datatype(models.TextChoices):
    """The attribute datatypes of GeoReport v2."""

    STRING = "string", _("short text")
    NUMBER = "number", _("number")
    DATETIME = "datetime", _("date and time")
    TEXT = "text", _("long text")
    SINGLEVALUELIST = "singlevaluelist", _("one of a list")
    MULTIVALUELIST = "multivaluelist", _("several of a list")


LIST_DATATYPES = (Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST)


class ServiceAttribute(models.Model):
    """An extra question of a service (附加信息), e.g. 楼层 or 是否有人员被困.

    Loaded from the ``attributes:`` section of the shipped catalogue; a
    deployment may edit them (``sync_service_attributes`` only adds missing
    ones).  ``values`` is a list of ``{"key": ..., "name": ...}`` for the
    list datatypes.
    """

    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        on_delete=models.CASCADE,
        related_name="open311_attributes",
    )
    code = models.CharField(_("code"), max_length=64)
    variable = models.BooleanField(_("asks for input"), default=True)
    datatype = models.CharField(_("datatype"), max_length=16, choices=Datatype.choices)
    required = models.BooleanField(_("required"), default=False)
    datatype_description = models.CharField(_("datatype description"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=1)
    description = models.CharField(_("question"), max_length=300)
    values = models.JSONField(_("values"), default=list, blank=True)

    class Meta:
        verbose_name = _("service attribute")
        verbose_name_plural = _("service attributes")
        ordering = ["category_id", "order", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["category", "code"], name="one_attribute_code_per_service"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category_id}:{self.code}"

    def value_names(self) -> dict[str, str]:
        return {str(item["key"]): str(item["name"]) for item in self.values or []}


class ServiceRequestRecord(models.Model):
    """What Open311 knows about a case it brought in (开放接口诉求记录).

    ``held`` is the key's ``moderated`` flag at the time: the case is shown
    (and its token answers the request id) only once the dispatcher has
    registered it.
    """

    case = models.OneToOneField(
        Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="open311"
    )
    api_key = models.ForeignKey(
        ApiKey, verbose_name=_("API key"), on_delete=models.PROTECT, related_name="records"
    )
    token = models.CharField(_("token"), max_length=64, unique=True)
    held = models.BooleanField(_("held for moderation"), default=False)
    device_id = models.CharField(_("device id"), max_length=100, blank=True)
    account_id = models.CharField(_("account id"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    media_url = models.URLField(_("media URL"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 request record")
        verbose_name_plural = _("Open311 request records")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case_id} ({self.token[:8]}…)"


class RateWindow(models.Model):
    """Requests made with one key in one fixed time window (the per-key rate limit).

    In the database, not the cache: the default cache lives in each process,
    and the limit must hold however many app processes serve the API.
    """

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="+")
    window_start = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            # also the index of the limiter's lookup: this key's current window
            models.UniqueConstraint(fields=["api_key", "window_start"], name="one_rate_window")
        ]

    def __str__(self) -> str:
        return f"{self.api_key_id}@{self.window_start:%H:%M:%S} {self.count}"
