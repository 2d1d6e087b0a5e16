"""Insights: the trained classifier, and the KPI rollups (三率) kept by the worker."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TrainedModel(models.Model):
    """A trained category classifier (诉求自动分类模型), stored so every process loads the same one.

    Trained from the shipped corpus plus the deployment's closed cases
    (the dispatcher's final category is the label). The newest row is in use.
    """

    created_at = models.DateTimeField(_("trained at"))
    version = models.PositiveIntegerField(_("model version"))
    corpus_examples = models.PositiveIntegerField(_("examples from the shipped corpus"))
    case_examples = models.PositiveIntegerField(_("examples from closed cases"))
    held_out_top1 = models.FloatField(_("held-out accuracy"), null=True, blank=True)
    held_out_top3 = models.FloatField(_("held-out top-3 accuracy"), null=True, blank=True)
    blob = models.BinaryField(_("model"))

    class Meta:
        verbose_name = _("trained classifier")
        verbose_name_plural = _("trained classifiers")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"classifier {self.created_at:%Y-%m-%d %H:%M}"


# The counts each dispatched case adds to the rollups, 0 or 1 each (docs/kpis.md).
MEASURES = (
    "dispatched",  # D: first dispatched on that day
    "left_out",  # S: suspended (挂账) or merged now: out of every rate's denominator
    "responded",  # accepted within its category's response limit of the first dispatch
    "closed",  # closed now
    "closed_on_time",  # ... and its closing check no later than its resolution due time
    "rated",  # rated at least once
    "satisfied",  # latest rating satisfied or basically satisfied
    "verified",  # checked on site at least once (closed or sent back)
    "reworked",  # sent back at least once (返工)
    "extended",  # at least one extension approved
    "escalated",
    "whistled",
    "reopened",
    "returned",
)


class Dimension(models.TextChoices):
    UNIT = "unit", _("unit")
    CATEGORY = "category", _("category")
    CHANNEL = "channel", _("channel")


def _counters() -> dict[str, models.Field]:
    return {name: models.PositiveIntegerField(default=0) for name in MEASURES}


class KpiCaseState(models.Model):
    """What one dispatched case adds to the KPI rollups now (考核台账 per case).

    Kept so that a change to the case moves exactly its own counts: the
    worker subtracts the old state from the rollups and adds the new one.
    """

    case = models.OneToOneField(
        "cases.Case", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    street_id = models.IntegerField()
    community_id = models.IntegerField(default=0)  # 0: none (plain ints: part of the key)
    grid_id = models.IntegerField(default=0)
    unit_key = models.CharField(max_length=32)
    category_key = models.CharField(max_length=64)
    channel = models.CharField(max_length=16)
    # Bit i set: the case counts 1 in MEASURES[i].
    measures = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("case KPI state")
        verbose_name_plural = _("case KPI states")

    def __str__(self) -> str:
        return f"KPI counts of case {self.case_id}"


class RollupCounters(models.Model):
    """The KPI counters of one place × one dimension's value over some span of days."""

    street_id = models.IntegerField()
    community_id = models.IntegerField(default=0)
    grid_id = models.IntegerField(default=0)
    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    key = models.CharField(max_length=64)
    locals().update(_counters())

    class Meta:
        abstract = True


class KpiRollup(RollupCounters):
    """KPI counters (三率 rollup) per day of first dispatch × place × one dimension's value.

    Each case counts once per dimension (its lead unit, its category, its
    channel), so any one dimension's rows add up to the place's totals; by
    grid reads the channel rows grouped by grid.
    """

    day = models.DateField()

    class Meta:
        verbose_name = _("KPI rollup")
        verbose_name_plural = _("KPI rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["street_id", "dimension", "day", "community_id", "grid_id", "key"],
                name="kpi_rollup_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.dimension}={self.key}"


class KpiMonthRollup(RollupCounters):
    """The same counters per month of first dispatch (三率月度汇总): the daily rows summed.

    A month of a busy street is tens of thousands of daily rows and a few
    hundred monthly ones; figures for whole months read these.
    """

    month = models.DateField(help_text="the first day of the month")

    class Meta:
        verbose_name = _("KPI monthly rollup")
        verbose_name_plural = _("KPI monthly rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["street_id", "dimension", "month", "community_id", "grid_id", "key"],
                name="kpi_month_rollup_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.dimension}={self.key}"


class WeeklyReport(models.Model):
    """The weekly dispatch-meeting report (调度会周报) of a street or community, as published.

    A snapshot: the figures the meeting saw, kept as they were (``data``),
    drawn again as a page, an Excel workbook or a PDF.
    """

    street = models.ForeignKey(
        "places.Street", verbose_name=_("street"), on_delete=models.CASCADE, related_name="+"
    )
    place_code = models.CharField(_("place code"), max_length=32)
    place_name = models.CharField(_("place"), max_length=100)
    week = models.DateField(_("week starting"))
    made_at = models.DateTimeField(_("made at"))
    data = models.JSONField(_("figures"))

    class Meta:
        verbose_name = _("weekly report")
        verbose_name_plural = _("weekly reports")
        ordering = ["-week", "place_code"]
        constraints = [
            models.UniqueConstraint(fields=["place_code", "week"], name="weekly_report_once")
        ]

    def __str__(self) -> str:
        return f"{self.place_name} {self.week}"
