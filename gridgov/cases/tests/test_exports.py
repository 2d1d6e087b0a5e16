"""Excel exports of the ledger (台账): the offices' layout, filtered, scoped, phones masked."""

from __future__ import annotations

import datetime
from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from gridgov.cases import exports
from gridgov.cases.actions import (
    accept_case,
    rate_case,
    report_for_duty,
    resolve_case,
    submit_case,
    verify_case,
    whistle,
)
from gridgov.cases.models import Case, CaseEvent, Category
from gridgov.cases.units import unit_for
from gridgov.core import clock

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
MASKED = "138****5678"


def sanitation() -> Category:
    return Category.objects.get(code="env.sanitation")


def hotline_case(world, lng: float = 120.305, **changes):
    fields = {
        "description": f"建筑垃圾堆了好几天, 请回电 {PHONE}",
        "category": sanitation(),
        "lat": 36.105,
        "lng": lng,
        "actor": world.street_admin,
        "channel": "hotline",
        "kind": "hotline",
        "requester_name": "张三丰",
        "requester_phone": PHONE,
    }
    fields.update(changes)
    return submit_case(**fields)


def the_loop(world) -> Case:
    """A case through the whole loop: accept, whistle, report, resolve, verify, rate."""
    start = timezone.now() - datetime.timedelta(days=2)
    with clock.frozen(start):
        case = submit_case(
            description="楼道里堆满了杂物, 联系电话 0532-88776655",
            category=sanitation(),
            lat=36.105,
            lng=120.305,
            actor=world.resident,
        )
    with clock.frozen(start + datetime.timedelta(hours=2)):
        accept_case(case=case, actor=world.grid_worker_a)
    with clock.frozen(start + datetime.timedelta(hours=3)):
        whistle(
            case=case,
            actor=world.grid_worker_a,
            units=[unit_for(world.dept_urban)],
            reason="需要城管",
        )
        report_for_duty(case=case, actor=world.dept_clerk)
    with clock.frozen(start + datetime.timedelta(hours=26)):
        resolve_case(case=case, actor=world.dept_clerk, reply="已清理完毕")
    with clock.frozen(start + datetime.timedelta(hours=30)):
        verify_case(case=case, actor=world.grid_worker_a, ok=True)
        rate_case(case=case, actor=world.resident, rating="satisfied", comment="很及时")
    return Case.objects.get(pk=case.pk)


def workbook(response):
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].startswith("attachment")
    return load_workbook(BytesIO(b"".join(response.streaming_content)), read_only=True)


def rows(book, sheet) -> list[dict[str, object]]:
    values = list(book[sheet].iter_rows(values_only=True))
    header = values[0]
    return [dict(zip(header, row, strict=True)) for row in values[1:]]


def test_the_case_export_has_the_ledger_headers_and_one_row_per_case(world, login):
    hotline_case(world)
    the_loop(world)
    book = workbook(login("street_admin").get(reverse("case-ledger-export")))
    assert book.sheetnames == ["诉求台账"]
    header = next(book["诉求台账"].iter_rows(values_only=True))
    assert list(header) == [title for title, _width in exports.CASE_COLUMNS]
    for title in ("诉求编号", "受理时间", "来源渠道", "问题类别", "诉求人", "主办单位", "立案时间"):
        assert title in header
    for title in ("派遣时间", "响应时间", "办结时间", "结案时间", "是否按期办结", "满意度评价"):
        assert title in header
    assert len(rows(book, "诉求台账")) == 2


def test_the_case_export_holds_milestones_durations_and_flags(world, login):
    case = the_loop(world)
    book = workbook(login("street_admin").get(reverse("case-ledger-export")))
    (row,) = rows(book, "诉求台账")
    assert row["诉求编号"] == case.number
    assert row["问题类别"] == "环境卫生"
    assert row["所属社区"] == "一社区" and row["所属网格"] == "一网格"
    assert row["主办单位"] == "一网格"
    local = timezone.localtime(case.dispatched_at).replace(tzinfo=None, microsecond=0)
    assert row["派遣时间"] == local
    for milestone in ("立案时间", "响应时间", "办结时间", "结案时间"):
        assert isinstance(row[milestone], datetime.datetime)
    assert row["响应用时（小时）"] == 2.0
    assert row["办理用时（小时）"] == 26.0
    assert row["是否按期办结"] == "是"  # 3 days allowed
    assert row["是否吹哨"] == "是"
    assert row["超时升级次数"] == 0
    assert row["满意度评价"]  # the rating's label
    assert row["办理结果"] == "已清理完毕"


def test_phones_and_names_are_masked_in_the_export(world, login):
    hotline_case(world)
    the_loop(world)
    client = login("street_admin")
    content = b"".join(client.get(reverse("case-ledger-export")).streaming_content)
    book = load_workbook(BytesIO(content), read_only=True)
    by_channel = {row["来源渠道"]: row for row in rows(book, "诉求台账")}
    hotline = next(row for row in by_channel.values() if row["联系电话"])
    assert hotline["联系电话"] == MASKED
    assert hotline["诉求人"] == "张**"
    assert MASKED in hotline["诉求内容"] and PHONE not in hotline["诉求内容"]
    everything = "".join(
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
    )
    assert PHONE not in everything and "88776655" not in everything
    events = b"".join(client.get(reverse("case-ledger-events-export")).streaming_content)
    book = load_workbook(BytesIO(events), read_only=True)
    text = "".join(str(v) for row in book.active.iter_rows(values_only=True) for v in row)
    assert PHONE not in text and "88776655" not in text


def test_the_event_export_has_one_row_per_ledger_event(world, login):
    case = the_loop(world)
    hotline_case(world)
    book = workbook(login("street_admin").get(reverse("case-ledger-events-export")))
    assert book.sheetnames == ["办理记录"]
    header = next(book["办理记录"].iter_rows(values_only=True))
    assert list(header) == [title for title, _width in exports.EVENT_COLUMNS]
    events = rows(book, "办理记录")
    assert len(events) == CaseEvent.objects.count()
    mine = [row for row in events if row["诉求编号"] == case.number]
    assert [row["序号"] for row in mine] == list(range(1, case.event_count + 1))
    assert [row["校验码"] for row in mine] == [
        e.hash[:16] for e in case.events.order_by("sequence")
    ]
    with translation.override(exports.LAYOUT_LANGUAGE):
        whistle_word = str(exports.ACTION_LABELS["whistle"])
    assert [row["涉及单位"] for row in mine if row["环节"] == whistle_word] == ["城市管理科"]
    assert any("城市管理科" in (row["涉及单位"] or "") for row in mine)
    # the requester's own steps name the role, not the account
    assert all(row["操作人"] != "resident" for row in mine)


def test_the_exports_follow_the_ledger_filters(world, login):
    a = hotline_case(world, lng=120.305)
    b = hotline_case(world, lng=120.325)
    client = login("street_admin")
    book = workbook(client.get(reverse("case-ledger-export"), {"grid": world.grid_c.pk}))
    assert [row["诉求编号"] for row in rows(book, "诉求台账")] == [b.number]
    book = workbook(client.get(reverse("case-ledger-events-export"), {"grid": world.grid_a.pk}))
    assert {row["诉求编号"] for row in rows(book, "办理记录")} == {a.number}


def test_the_exports_are_scoped(world, login):
    hotline_case(world, lng=120.305)  # grid A
    b = hotline_case(world, lng=120.315)  # grid B
    client = login("grid_worker_b")
    book = workbook(client.get(reverse("case-ledger-export")))
    assert [row["诉求编号"] for row in rows(book, "诉求台账")] == [b.number]
    book = workbook(client.get(reverse("case-ledger-events-export")))
    assert {row["诉求编号"] for row in rows(book, "办理记录")} == {b.number}


def test_an_export_with_bad_filters_is_refused(world, login):
    response = login("street_admin").get(reverse("case-ledger-export"), {"status": "lost"})
    assert response.status_code == 400


def test_residents_cannot_export(world, login):
    assert login("resident").get(reverse("case-ledger-export")).status_code == 404


def test_a_big_export_continues_on_another_sheet(world, monkeypatch):
    monkeypatch.setattr(exports, "MAX_ROWS_PER_SHEET", 2)
    for _ in range(5):
        hotline_case(world)
    book = load_workbook(exports.export_cases(Case.objects.all()), read_only=True)
    assert book.sheetnames == ["诉求台账", "诉求台账（2）", "诉求台账（3）"]
    assert sum(len(rows(book, name)) for name in book.sheetnames) == 5


def test_cases_are_read_in_chunks(world, monkeypatch):
    """The export iterates the queryset (no list of every case in memory)."""
    from django.db.models.query import QuerySet

    hotline_case(world)
    seen = []
    original = QuerySet.iterator

    def spy(self, chunk_size=None):
        seen.append(chunk_size)
        return original(self, chunk_size=chunk_size)

    monkeypatch.setattr(QuerySet, "iterator", spy)
    exports.export_cases(Case.objects.all()).close()
    exports.export_events(Case.objects.all()).close()
    assert seen == [exports.CHUNK, exports.CHUNK]


def test_on_time_is_no_when_resolved_late_and_blank_while_running(world):
    with clock.frozen(timezone.now() - datetime.timedelta(days=10)):
        late = hotline_case(world)
    resolve_case(case=late, actor=world.grid_worker_a, reply="已处理")
    running = hotline_case(world)
    now = timezone.now()
    assert exports.on_time(Case.objects.get(pk=late.pk), now) == "否"
    assert exports.on_time(Case.objects.get(pk=running.pk), now) == ""


def test_mask_text_masks_mobiles_and_landlines_only():
    assert exports.mask_text("电话13812345678或0532-88776655, 门牌12号") == (
        "电话138****5678或053******6655, 门牌12号"
    )
