"""Cases (诉求/案卷), the units that handle them, and the ledger (台账) of every step."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from gridgov.cases.workflow import Status
from gridgov.core import clock
from gridgov.core.scoping import ScopedQuerySet, ScopeRule, scope_filter, scope_for
from gridgov.places.models import Building, Community, Department, Grid, Organisation, Street


class Category(models.Model):
    """Demand category (诉求分类), from the shipped catalogue; codes are never reused.

    ``handler`` says who is dispatched first: ``grid``, ``community``,
    ``street:DEPT`` (a street department by code) or ``partner``.
    """

    code = models.CharField(_("code"), max_length=64, unique=True)
    group = models.CharField(_("group"), max_length=32)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    handler = models.CharField(_("first handler"), max_length=64)
    response_hours = models.PositiveIntegerField(_("response time limit (hours)"))
    resolve_days = models.PositiveIntegerField(_("resolution time limit (days)"))
    hint = models.CharField(_("typical problems"), max_length=300, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class UnitKind(models.TextChoices):
    STREET = "street", _("street office")  # the dispatcher (指挥中心) of the street
    COMMUNITY = "community", _("community")
    GRID = "grid", _("grid")
    DEPARTMENT = "department", _("street department")
    PARTNER = "partner", _("partner unit")


class Unit(models.Model):
    """Handling unit (处置单位): who a case is dispatched or whistled to.

    One row per street office, community, grid, street department or partner
    organisation, created when first needed (``cases.units.unit_for``).
    Units are named publicly within their street (any role there sees them).
    """

    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices)
    name = models.CharField(_("name"), max_length=200)
    street = models.ForeignKey(
        Street, verbose_name=_("street"), on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        Community, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    grid = models.ForeignKey(
        Grid, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        Department, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = ScopedQuerySet.as_manager()
    scope_rule = ScopeRule(street="street", public=True)

    class Meta:
        verbose_name = _("handling unit")
        verbose_name_plural = _("handling units")
        ordering = ["street_id", "kind", "name"]
        # One unit per street office, community, grid, department, partner.
        constraints = [
            models.UniqueConstraint(
                fields=["street"], condition=Q(kind="street"), name="one_unit_per_street"
            ),
            models.UniqueConstraint(
                fields=["community"], condition=Q(kind="community"), name="one_unit_per_community"
            ),
            models.UniqueConstraint(
                fields=["grid"], condition=Q(kind="grid"), name="one_unit_per_grid"
            ),
            models.UniqueConstraint(
                fields=["department"],
                condition=Q(kind="department"),
                name="one_unit_per_department",
            ),
            models.UniqueConstraint(
                fields=["organisation"], condition=Q(kind="partner"), name="one_unit_per_partner"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CaseKind(models.TextChoices):
    DEMAND = "demand", _("resident demand")
    PATROL = "patrol", _("patrol report")
    HOTLINE = "hotline", _("hotline order")
    ENTERPRISE = "enterprise", _("enterprise request")


class Channel(models.TextChoices):
    WEB = "web", _("web")
    APP = "app", _("mobile")
    HOTLINE = "hotline", _("12345 hotline")
    PATROL = "patrol", _("grid patrol")
    OPEN311 = "open311", _("Open311")
    API = "api", _("API")


class Priority(models.TextChoices):
    NORMAL = "normal", _("normal")
    URGENT = "urgent", _("urgent")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("satisfied")
    BASICALLY = "basically_satisfied", _("basically satisfied")
    UNSATISFIED = "unsatisfied", _("unsatisfied")


class CaseQuerySet(ScopedQuerySet):
    def visible_to(self, user: Any) -> CaseQuerySet:
        """Staff of the case's place, the units handling it, and its requester.

        Units: a department clerk or partner sees the cases their unit leads
        or was whistled to (事不完、人不撤).
        """
        scope = scope_for(user)
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if scope.everything:
            return self
        from gridgov.cases.units import units_of

        condition = scope_filter(self.model.scope_rule, scope) or Q()
        units = [unit.pk for unit in units_of(user)]
        condition |= Q(requester_id=user.pk)
        if units:
            # EXISTS, not a join: a case whistled to two of the user's units is one row,
            # and no "pk IN (every visible case)" subquery (slow at 200,000 cases).
            summoned = Summons.objects.filter(case_id=OuterRef("pk"), unit_id__in=units)
            condition |= Q(lead_unit_id__in=units) | Q(Exists(summoned))
        return self.filter(condition)


class Case(models.Model):
    """Case (诉求/案卷): one problem or need, from intake to rating.

    Place ids are copied at routing so scoping and rollups never walk the
    tree.  ``version`` grows with every transition: two people acting at
    once cannot both win.  ``event_count`` and ``last_hash`` anchor the
    ledger so that deleting its last event is detected too.
    """

    number = models.CharField(_("number"), max_length=40, unique=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=CaseKind.choices, default=CaseKind.DEMAND
    )
    channel = models.CharField(
        _("channel"), max_length=16, choices=Channel.choices, default=Channel.WEB
    )
    priority = models.CharField(
        _("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SUBMITTED
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
    )
    description = models.TextField(_("description"))
    lat = models.FloatField(_("latitude"), null=True, blank=True)
    lng = models.FloatField(_("longitude"), null=True, blank=True)
    # Spatial hash cell of (lat, lng), ~110 m (algorithms.dedupe.cell_number): the
    # duplicate search reads the nine cells around a new case through one index.
    geo_cell = models.BigIntegerField(null=True, blank=True, editable=False)
    building = models.ForeignKey(
        Building,
        verbose_name=_("building"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requester"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
    )
    requester_name = models.CharField(_("requester name"), max_length=50, blank=True)
    requester_phone = models.CharField(_("requester phone"), max_length=32, blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=False)
    street = models.ForeignKey(
        Street, verbose_name=_("street"), on_delete=models.PROTECT, related_name="+"
    )
    community = models.ForeignKey(
        Community,
        verbose_name=_("community"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    grid = models.ForeignKey(
        Grid,
        verbose_name=_("grid"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lead_unit = models.ForeignKey(
        Unit,
        verbose_name=_("lead unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="led_cases",
    )
    routing_reason = models.CharField(_("routing reason"), max_length=300, blank=True)
    # The classifier's top three at intake, [{"category": code, "score": p}], for the dispatcher.
    suggested_categories = models.JSONField(_("suggested categories"), default=list, blank=True)
    # What the duplicate search reads in the description (algorithms.dedupe.reading), kept
    # at intake so that a search compares stored readings instead of reading every text.
    text_reading = models.JSONField(null=True, blank=True, editable=False)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    response_due = models.DateTimeField(_("response due"), null=True, blank=True)
    resolve_due = models.DateTimeField(_("resolution due"), null=True, blank=True)
    # A resolution deadline set by the sender (the 12345 hotline): every dispatch uses it.
    deadline_given = models.DateTimeField(_("deadline set by the sender"), null=True, blank=True)
    extension_days_requested = models.PositiveIntegerField(null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted"), default=clock.now)
    registered_at = models.DateTimeField(_("registered"), null=True, blank=True)
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    reply = models.TextField(_("reply"), blank=True)
    rating = models.CharField(_("rating"), max_length=24, choices=Rating.choices, blank=True)
    rating_comment = models.CharField(_("rating comment"), max_length=500, blank=True)
    rated_at = models.DateTimeField(_("rated"), null=True, blank=True)
    reopen_count = models.PositiveSmallIntegerField(_("times reopened"), default=0)
    # Set by the sweep, so that a second sweep changes nothing.
    response_overdue_at = models.DateTimeField(_("response overdue since"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    escalation_count = models.PositiveSmallIntegerField(_("times escalated"), default=0)
    version = models.PositiveIntegerField(default=0)
    # Intake leaves its notifications and outbox messages to the worker (they
    # cost a third of an intake); set until they are written.  Any later step
    # writes them first, so nobody hears of a step before the one it follows.
    notices_pending = models.BooleanField(_("notices pending"), default=False)
    # Its KPI rollup counts are to be refreshed by the worker (insights.kpis.refresh_kpis).
    kpis_pending = models.BooleanField(default=False, editable=False)
    event_count = models.PositiveIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True)

    objects = CaseQuerySet.as_manager()
    scope_rule = ScopeRule(street="street", community="community", grid="grid")

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-submitted_at", "-id"]
        indexes = [
            # the ledger and GET /api/v1/cases: newest first (ORDER BY submitted_at DESC,
            # id DESC LIMIT 50 walks this index instead of sorting every visible case),
            # and the ledger's period filter
            models.Index(fields=["submitted_at", "id"], name="case_submitted_idx"),
            # the workbench queues and the ledger's status filter, per place: a street's
            # cases to register (oldest first), a community's or grid's to verify
            models.Index(fields=["street", "status", "submitted_at"], name="case_street_queue_idx"),
            models.Index(
                fields=["community", "status", "submitted_at"], name="case_community_queue_idx"
            ),
            models.Index(fields=["grid", "status", "submitted_at"], name="case_grid_queue_idx"),
            # "my units' open cases" and the ledger's unit filter: what a unit leads, by status
            models.Index(fields=["lead_unit", "status"], name="case_lead_queue_idx"),
            # the ledger's category filter, newest first
            models.Index(fields=["category", "submitted_at"], name="case_category_date_idx"),
            # the sweep and the overdue queue: dispatched/accepted cases by their due times
            models.Index(fields=["status", "response_due"], name="case_response_due_idx"),
            models.Index(fields=["status", "resolve_due"], name="case_resolve_due_idx"),
            # the worker's "intakes still to announce": a handful of rows, never a scan
            models.Index(
                fields=["id"], condition=Q(notices_pending=True), name="case_notices_pending_idx"
            ),
            # the worker's "KPI counts to refresh": a handful of rows, never a scan
            models.Index(
                fields=["id"], condition=Q(kpis_pending=True), name="case_kpis_pending_idx"
            ),
            # ... and a street's count of them (kpi figures say how many are not in yet)
            models.Index(
                fields=["street"],
                condition=Q(kpis_pending=True),
                name="case_kpis_pending_street_idx",
            ),
            # the duplicate search at intake: recent cases in the cells around a point,
            # newest first; the columns it filters on are in the index, so only the rows
            # it keeps are read from the table
            models.Index(
                fields=["geo_cell", "submitted_at", "status", "closed_at", "lat", "lng"],
                name="case_geo_cell_search_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Summons(models.Model):
    """A whistle's call on one unit (吹哨): it must report for duty (报到) by ``due_at``.

    The unit stays a co-handler until the case closes (事不完、人不撤).
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="summonses")
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="summonses")
    summoned_by = models.ForeignKey(Unit, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(_("reason"), max_length=500)
    summoned_at = models.DateTimeField(_("summoned"))
    due_at = models.DateTimeField(_("report due"))
    reported_at = models.DateTimeField(_("reported"), null=True, blank=True)
    # Set by the sweep when the report-for-duty deadline passed unanswered.
    overdue_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("whistle summons")
        verbose_name_plural = _("whistle summonses")
        ordering = ["summoned_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "unit"], name="one_summons_per_unit")
        ]
        indexes = [
            # the workbench's "whistles for me": a unit's summonses not yet answered, by due time
            models.Index(
                fields=["unit", "due_at"],
                condition=Q(reported_at__isnull=True),
                name="summons_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} → {self.unit_id}"


class CaseEvent(models.Model):
    """Ledger event (台账记录): one accepted step on a case, append-only.

    ``hash`` is SHA-256 over the event's content and the previous event's
    hash on the same case (``gridgov ledger verify`` recomputes the chain).
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    sequence = models.PositiveIntegerField(_("sequence"))
    created_at = models.DateTimeField(_("time"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("actor"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=32)
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16)
    unit = models.ForeignKey(
        Unit,
        verbose_name=_("acting unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    target_units = models.JSONField(_("units"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("ledger event")
        verbose_name_plural = _("ledger events")
        ordering = ["case_id", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["case", "sequence"], name="one_event_per_sequence")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}#{self.sequence} {self.action}"


class CaseNumberCounter(models.Model):
    """Per street and day, the last case number handed out (locked while numbering)."""

    street = models.ForeignKey(Street, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["street", "day"], name="one_counter_per_street_day")
        ]

    def __str__(self) -> str:
        return f"{self.street_id} {self.day} {self.last}"


class RoutingRule(models.Model):
    """Routing rule (分派规则): a street's own first handler for a category.

    Without a rule the category's catalogue ``handler`` applies.  Same syntax:
    ``grid``, ``community``, ``street:DEPT`` or ``partner``.
    """

    street = models.ForeignKey(
        Street, verbose_name=_("street"), on_delete=models.CASCADE, related_name="+"
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.CASCADE, related_name="rules"
    )
    handler = models.CharField(_("first handler"), max_length=64)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    scope_rule = ScopeRule(street="street", public=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.UniqueConstraint(
                fields=["street", "category"], name="one_rule_per_street_category"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category_id}: {self.handler}"


def photo_path(instance: CasePhoto, filename: str) -> str:
    return f"cases/{instance.case_id}/{filename}"


class CasePhoto(models.Model):
    """A photo of a case (现场照片), checked to be a real image, with a thumbnail."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("photo"), upload_to=photo_path)
    thumbnail = models.FileField(_("thumbnail"), upload_to=photo_path, blank=True)
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("case photo")
        verbose_name_plural = _("case photos")
        ordering = ["case_id", "id"]

    def __str__(self) -> str:
        return self.image.name


class Notification(models.Model):
    """In-app notification (消息提醒) for one person about one case."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=32)
    message = models.CharField(_("message"), max_length=500)
    created_at = models.DateTimeField(_("time"), default=clock.now)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            # the unread badge: a user's unread notifications
            models.Index(fields=["user", "read_at"], name="notification_unread_idx"),
        ]

    def __str__(self) -> str:
        return self.message


class OutboxMessage(models.Model):
    """A message for a sender outside the database (log, work-chat robot, hotline callback).

    Written in the same transaction as the change it reports, delivered by
    the worker, retried with backoff: never lost when a sender is down.
    """

    created_at = models.DateTimeField(default=clock.now)
    sender = models.CharField(max_length=32)
    topic = models.CharField(max_length=64)
    payload = models.JSONField(default=dict)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    delivered_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["id"]
        indexes = [
            # the worker's poll: undelivered messages whose next attempt is due
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(delivered_at__isnull=True),
                name="outbox_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sender}:{self.topic}#{self.pk}"
