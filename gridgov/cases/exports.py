"""Excel exports of the ledger (台账): one row per case, or one row per ledger event.

The layout is the one street offices keep their 台账 in: Chinese headers,
one row per case with its milestones (受理, 立案, 派遣, 响应, 办结, 结案), the
durations the assessments use (响应用时, 办理用时, in hours from dispatch,
when the time-limit clock starts) and whether the case was resolved on
time.  Like the places' Excel layouts, the headers are part of the file
format and do not follow the UI language; the values (status, channel,
rating, category) are written in Chinese too.

Callers pass a queryset that is already scoped (``visible_to``) and
filtered (``cases.filters``).  Rows are streamed: the queryset is read with
``iterator(chunk_size=2000)`` into an openpyxl write-only workbook, which
keeps its rows in a temporary file, so 200,000 cases never sit in memory.
Phone numbers are masked everywhere, also inside free text, and requester
names are shortened to their first character (the export leaves the
building in mail and on USB sticks).
"""

from __future__ import annotations

import datetime
import re
import shlex
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any

from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from gridgov.cases.models import Case, CaseEvent, CaseKind, Channel, Rating, Summons
from gridgov.cases.workflow import Status
from gridgov.core import clock
from gridgov.places.models import mask_phone

CHUNK = 2000
# Excel holds 1,048,576 rows a sheet; a bigger export continues on a second sheet.
MAX_ROWS_PER_SHEET = 1_000_000
CASES_SHEET = "诉求台账"
EVENTS_SHEET = "办理记录"
YES, NO = "是", "否"
# The 台账 layout is Chinese whatever the UI language (headers and values alike).
LAYOUT_LANGUAGE = "zh-hans"

# (header, column width)
CASE_COLUMNS: tuple[tuple[str, int], ...] = (
    ("诉求编号", 22),
    ("受理时间", 17),
    ("来源渠道", 10),
    ("诉求类型", 10),
    ("问题类别", 14),
    ("诉求内容", 40),
    ("所属社区", 12),
    ("所属网格", 14),
    ("问题地址", 28),
    ("诉求人", 10),
    ("联系电话", 14),
    ("主办单位", 16),
    ("当前状态", 9),
    ("立案时间", 17),
    ("派遣时间", 17),
    ("响应时间", 17),
    ("办结时间", 17),
    ("结案时间", 17),
    ("响应时限", 17),
    ("办结时限", 17),
    ("响应用时（小时）", 10),
    ("办理用时（小时）", 10),
    ("是否按期办结", 8),
    ("是否吹哨", 8),
    ("超时升级次数", 8),
    ("满意度评价", 10),
    ("评价意见", 24),
    ("办理结果", 40),
)
EVENT_COLUMNS: tuple[tuple[str, int], ...] = (
    ("诉求编号", 22),
    ("序号", 6),
    ("时间", 19),
    ("环节", 12),
    ("操作人", 14),
    ("办理单位", 16),
    ("原状态", 9),
    ("新状态", 9),
    ("涉及单位", 24),
    ("说明", 40),
    ("校验码", 20),
)

# What each ledger action is called (the case page's timeline uses the same words).
ACTION_LABELS: dict[str, Any] = {
    "submit": gettext_lazy("Submitted"),
    "register": gettext_lazy("Registered"),
    "reject": gettext_lazy("Not accepted"),
    "dispatch": gettext_lazy("Dispatched"),
    "accept": gettext_lazy("Responded"),
    "return": gettext_lazy("Returned"),
    "redispatch": gettext_lazy("Re-dispatched"),
    "whistle": gettext_lazy("Whistle"),
    "escalate": gettext_lazy("Escalated (overdue)"),
    "report": gettext_lazy("Reported for duty"),
    "request_extension": gettext_lazy("Extension requested"),
    "decide_extension": gettext_lazy("Extension decided"),
    "resolve": gettext_lazy("Resolved"),
    "verify": gettext_lazy("Verified and closed"),
    "rework": gettext_lazy("Sent back for rework"),
    "reopen": gettext_lazy("Reopened"),
    "suspend": gettext_lazy("Suspended"),
    "resume": gettext_lazy("Resumed"),
    "merge": gettext_lazy("Merged"),
    "rate": gettext_lazy("Rated"),
}

# Shell words that need no quotes (\w takes Chinese characters too).
_PLAIN_WORD = re.compile(r"[\w@%+=:,./-]+")
# Mainland mobile numbers and landlines with area code, inside free text.
_PHONE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")


def mask_text(text: str) -> str:
    """Free text with every phone number in it masked (138****1111)."""
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text or "")


def mask_name(name: str) -> str:
    """张** : the first character and a star for each other one."""
    name = (name or "").strip()
    return name[:1] + "*" * (len(name) - 1) if name else ""


def _local(value: datetime.datetime | None, tz: datetime.tzinfo) -> datetime.datetime | None:
    """A naive local datetime (Excel has no time zones), to the second."""
    if value is None:
        return None
    return value.astimezone(tz).replace(tzinfo=None, microsecond=0)


def _hours(start: datetime.datetime | None, end: datetime.datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return round((end - start).total_seconds() / 3600, 1)


def on_time(case: Case, now: datetime.datetime) -> str:
    """是 / 否 / "" (still within its time limit, or no limit yet)."""
    return _on_time(case.status, case.resolved_at, case.resolve_due, now)


def _on_time(
    status: str,
    resolved_at: datetime.datetime | None,
    resolve_due: datetime.datetime | None,
    now: datetime.datetime,
) -> str:
    if resolve_due is None:
        return ""
    if resolved_at is not None:
        return YES if resolved_at <= resolve_due else NO
    if status in (Status.DISPATCHED, Status.ACCEPTED) and now > resolve_due:
        return NO
    return ""


def _header(sheet: WriteOnlyWorksheet, columns: Iterable[tuple[str, int]]) -> None:
    bold = Font(bold=True)
    cells = []
    for index, (title, width) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
        cell = WriteOnlyCell(sheet, value=title)
        cell.font = bold
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cells.append(cell)
    sheet.freeze_panes = "B2"
    sheet.append(cells)


def _write(
    workbook: Workbook,
    title: str,
    columns: tuple[tuple[str, int], ...],
    rows: Iterator[list[Any]],
) -> int:
    """Append ``rows`` under ``title`` (and "title (2)", ... past Excel's limit); the count."""
    count = 0
    sheet_number = 1
    sheet = workbook.create_sheet(title)
    _header(sheet, columns)
    in_sheet = 0
    for row in rows:
        if in_sheet == MAX_ROWS_PER_SHEET:
            sheet_number += 1
            sheet = workbook.create_sheet(f"{title}（{sheet_number}）")
            _header(sheet, columns)
            in_sheet = 0
        sheet.append(row)
        in_sheet += 1
        count += 1
    return count


def _labels(choices: Any) -> dict[str, str]:
    return {value: str(label) for value, label in choices.choices}


# The columns read for the case sheet (values(), not model instances: 200,000 rows).
_CASE_FIELDS = (
    "number",
    "submitted_at",
    "channel",
    "kind",
    "category__name",
    "description",
    "community__name",
    "grid__name",
    "address",
    "requester_name",
    "requester__first_name",
    "requester__last_name",
    "requester__username",
    "requester_phone",
    "lead_unit__name",
    "status",
    "registered_at",
    "dispatched_at",
    "accepted_at",
    "resolved_at",
    "closed_at",
    "response_due",
    "resolve_due",
    "whistled",
    "escalation_count",
    "rating",
    "rating_comment",
    "reply",
)


def case_rows(cases: QuerySet[Case], now: datetime.datetime | None = None) -> Iterator[list[Any]]:
    """One row per case, in the order of CASE_COLUMNS (call within the export's language)."""
    now = now or clock.now()
    tz = timezone.get_current_timezone()
    status, channel, rating = _labels(Status), _labels(Channel), _labels(Rating)
    kind = _labels(CaseKind)
    rows = (
        cases.annotate(whistled=Exists(Summons.objects.filter(case=OuterRef("pk"))))
        .order_by("submitted_at", "pk")
        .values(*_CASE_FIELDS)
    )
    for c in rows.iterator(chunk_size=CHUNK):
        requester = c["requester_name"] or (
            f"{c['requester__first_name']} {c['requester__last_name']}".strip()
            or c["requester__username"]
            or ""
        )
        yield [
            c["number"],
            _local(c["submitted_at"], tz),
            channel.get(c["channel"], c["channel"]),
            kind.get(c["kind"], c["kind"]),
            c["category__name"] or "",
            mask_text(c["description"]),
            c["community__name"] or "",
            c["grid__name"] or "",
            mask_text(c["address"]),
            mask_name(requester),
            mask_phone(c["requester_phone"]) if c["requester_phone"] else "",
            c["lead_unit__name"] or "",
            status.get(c["status"], c["status"]),
            _local(c["registered_at"], tz),
            _local(c["dispatched_at"], tz),
            _local(c["accepted_at"], tz),
            _local(c["resolved_at"], tz),
            _local(c["closed_at"], tz),
            _local(c["response_due"], tz),
            _local(c["resolve_due"], tz),
            _hours(c["dispatched_at"], c["accepted_at"]),
            _hours(c["dispatched_at"], c["resolved_at"]),
            _on_time(c["status"], c["resolved_at"], c["resolve_due"], now),
            YES if c["whistled"] else NO,
            c["escalation_count"],
            rating.get(c["rating"], c["rating"]),
            mask_text(c["rating_comment"]),
            mask_text(c["reply"]),
        ]


def event_rows(cases: QuerySet[Case]) -> Iterator[list[Any]]:
    """One row per ledger event of ``cases``, case by case in sequence order."""
    status = _labels(Status)
    actions = {key: str(label) for key, label in ACTION_LABELS.items()}
    tz = timezone.get_current_timezone()
    requester_word = _("Requester")
    events = (
        CaseEvent.objects.filter(case_id__in=cases.order_by().values("pk"))
        .order_by("case_id", "sequence")
        .values(
            "case__number",
            "case__requester_id",
            "sequence",
            "created_at",
            "actor_id",
            "actor_name",
            "action",
            "from_status",
            "to_status",
            "unit__name",
            "target_units",
            "note",
            "hash",
        )
    )
    for e in events.iterator(chunk_size=CHUNK):
        by_requester = e["actor_id"] is not None and e["actor_id"] == e["case__requester_id"]
        yield [
            e["case__number"],
            e["sequence"],
            _local(e["created_at"], tz),
            actions.get(e["action"], e["action"]),
            requester_word if by_requester else e["actor_name"],
            e["unit__name"] or "",
            status.get(e["from_status"], e["from_status"]),
            status.get(e["to_status"], e["to_status"]),
            "、".join(str(u.get("name", "")) for u in e["target_units"] or []),
            mask_text(e["note"]),
            e["hash"][:16],
        ]


def _save(workbook: Workbook) -> IO[bytes]:
    """The workbook in an anonymous temporary file, rewound (deleted when closed)."""
    # Handed to the response, which closes (and so deletes) it.
    out = tempfile.TemporaryFile()  # noqa: SIM115
    try:
        workbook.save(out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def export_cases(cases: QuerySet[Case], now: datetime.datetime | None = None) -> IO[bytes]:
    """An .xlsx of ``cases`` (one row per case) as an open temporary file."""
    workbook = Workbook(write_only=True)
    with translation.override(LAYOUT_LANGUAGE):
        _write(workbook, CASES_SHEET, CASE_COLUMNS, case_rows(cases, now))
    return _save(workbook)


def export_events(cases: QuerySet[Case]) -> IO[bytes]:
    """An .xlsx of every ledger event of ``cases`` as an open temporary file."""
    workbook = Workbook(write_only=True)
    with translation.override(LAYOUT_LANGUAGE):
        _write(workbook, EVENTS_SHEET, EVENT_COLUMNS, event_rows(cases))
    return _save(workbook)


def row_count(cases: QuerySet[Case], *, events: bool = False) -> int:
    """The rows an export of ``cases`` would hold (one query; events: their ``event_count``)."""
    if not events:
        return cases.count()
    return cases.order_by().aggregate(rows=Sum("event_count"))["rows"] or 0


def export_command(
    cleaned: Mapping[str, Any], *, events: bool = False, street_code: str = ""
) -> str:
    """The ``gridgov export-ledger`` line making the same export on the server (a valid form's
    ``cleaned_data``), for exports too big for the web (``GRIDGOV_WEB_EXPORT_MAX_ROWS``)."""
    words = ["gridgov", "export-ledger"]
    if street_code:
        words += ["--street", street_code]
    if events:
        words.append("--events")
    for field in ("community", "grid", "category"):
        if cleaned.get(field):
            words += [f"--{field}", cleaned[field].code]
    if cleaned.get("unit"):
        words += ["--unit", str(cleaned["unit"].pk)]
    for status in cleaned.get("status") or ():
        words += ["--status", status]
    for field, option in (
        ("channel", "--channel"),
        ("overdue", "--overdue"),
        ("submitted_from", "--from"),
        ("submitted_to", "--to"),
    ):
        value = cleaned.get(field)
        if value:
            words += [option, value.isoformat() if hasattr(value, "isoformat") else str(value)]
    if (cleaned.get("q") or "").strip():
        words += ["-q", cleaned["q"].strip()]
    words += ["-o", f"{EVENTS_SHEET if events else CASES_SHEET}.xlsx"]
    return " ".join(_shell_word(word) for word in words)


def _shell_word(word: str) -> str:
    """``word`` as a shell reads it: quoted only when it must be (Chinese stays readable)."""
    return word if _PLAIN_WORD.fullmatch(word) else shlex.quote(word)
