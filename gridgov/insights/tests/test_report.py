"""The weekly dispatch-meeting report: the demo street's last week as a page, Excel and PDF;
the worker publishes it on Monday morning, once, as a snapshot."""

import datetime
import io
from pathlib import Path

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from gridgov.cases import actions
from gridgov.cases.models import Category
from gridgov.core import clock
from gridgov.insights.actions import publish_due_reports
from gridgov.insights.figures import KpiPlace
from gridgov.insights.models import WeeklyReport
from gridgov.insights.report import build_report, last_week, week_of
from gridgov.insights.report_files import FONT_CANDIDATES

HAS_FONT = any(Path(path).is_file() for path, _index in FONT_CANDIDATES)


@pytest.mark.django_db
def test_the_demo_streets_last_week_renders_as_page_excel_and_pdf(client, settings):
    from django.contrib.auth import get_user_model

    from gridgov.core.demo_data import load_demo
    from gridgov.insights.kpis import refresh_kpis

    settings.GRIDGOV_AUTO_DISPATCH_CONFIDENCE = 0.8  # as deployed: make demo loads this way
    load_demo()
    refresh_kpis()
    client.force_login(get_user_model().objects.get(username="street_admin"))

    page = client.get("/insights/report/")
    assert page.status_code == 200
    data = page.context["data"]
    assert data["week"] == last_week().isoformat()
    assert data["counts"]["new"] > 0 and data["hard_cases"] and data["rankings"]
    assert all(case["timeline"] for case in data["hard_cases"])
    html = page.content.decode()
    assert "调度会" in html and data["hard_cases"][0]["number"] in html

    book = client.get("/insights/report.xlsx")
    assert book.status_code == 200
    sheets = load_workbook(io.BytesIO(book.content))
    assert len(sheets.sheetnames) == 5
    numbers = {row[0] for row in sheets.worksheets[1].iter_rows(min_row=2, values_only=True)}
    assert data["hard_cases"][0]["number"] in numbers

    if not HAS_FONT:
        assert client.get("/insights/report.pdf").status_code == 503  # says which font to add
        pytest.skip("no Chinese font on this machine (apt-get install fonts-noto-cjk)")
    document = client.get("/insights/report.pdf")
    assert document.status_code == 200 and document.content.startswith(b"%PDF")
    assert b"/FontFile" in document.content  # the font is embedded (its subset)
    out = Path(__file__).resolve().parents[3] / "screenshots"
    out.mkdir(exist_ok=True)
    (out / "weekly-report.pdf").write_bytes(document.content)


@pytest.mark.django_db
def test_the_report_needs_a_place_of_ones_own(world, login):
    assert login("street_admin").get("/insights/report/").status_code == 200
    assert (
        login("community_admin").get("/insights/report/", {"place": world.street.code}).status_code
        == 404
    )
    assert login("resident").get("/insights/report.xlsx").status_code == 404
    assert (
        login("grid_worker_b").get("/insights/report.pdf", {"place": world.grid_a.code}).status_code
        == 404
    )


@pytest.mark.django_db
def test_the_worker_publishes_last_weeks_reports_on_monday_morning_once(world):
    monday = week_of(timezone.localdate(clock.now())) + datetime.timedelta(days=7)
    early = timezone.make_aware(datetime.datetime.combine(monday, datetime.time(5)))
    morning = timezone.make_aware(datetime.datetime.combine(monday, datetime.time(7)))
    with clock.frozen(morning - datetime.timedelta(days=3)):
        actions.submit_case(
            description="楼道里堆满了杂物",
            category=Category.objects.get(code="env.sanitation"),
            lat=36.105,
            lng=120.305,
            actor=world.resident,
        )

    assert publish_due_reports(early) == 0
    assert publish_due_reports(morning + datetime.timedelta(days=1)) == 0  # Tuesday
    with clock.frozen(morning):
        made = publish_due_reports(morning)
    # the test street, its two communities, the other street and its community
    assert made == 5
    report = WeeklyReport.objects.get(place_code=world.street.code)
    assert report.week == monday - datetime.timedelta(days=7)
    assert report.data["counts"]["new"] == 1
    with clock.frozen(morning):
        assert publish_due_reports(morning) == 0


@pytest.mark.django_db
def test_a_published_report_keeps_its_figures(world, login):
    place = KpiPlace("street", world.street)
    week = last_week()
    WeeklyReport.objects.create(
        street=world.street,
        place_code=world.street.code,
        place_name=world.street.name,
        week=week,
        made_at=clock.now(),
        data={
            **build_report(place, week),
            "counts": {**build_report(place, week)["counts"], "new": 42},
        },
    )

    page = login("street_admin").get("/insights/report/")

    assert page.context["published"] and page.context["data"]["counts"]["new"] == 42
