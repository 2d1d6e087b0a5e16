"""Big ledger exports: `gridgov export-ledger` on the server, and the web export's row limit."""

from __future__ import annotations

import random

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from gridgov.cases.exports import export_command
from gridgov.cases.filters import CaseFilterForm
from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.seed import seed_cases

pytestmark = pytest.mark.django_db


@pytest.fixture
def cases(world):
    seed_cases(world.street, 40, timezone.now(), random.Random(5), days=20)
    return Case.objects.all()


def rows(path) -> list[tuple]:
    sheet = load_workbook(path, read_only=True).worksheets[0]
    return list(sheet.iter_rows(values_only=True))


def test_the_command_exports_a_streets_cases(world, cases, tmp_path):
    out = tmp_path / "台账.xlsx"
    call_command("export_ledger", "--street", world.street.code, "-o", str(out))
    lines = rows(out)
    assert lines[0][0] == "诉求编号"
    assert sorted(line[0] for line in lines[1:]) == sorted(c.number for c in cases)


def test_the_command_exports_every_event_with_events(world, cases, tmp_path):
    out = tmp_path / "办理记录.xlsx"
    call_command("export_ledger", "--events", "-o", str(out))
    assert len(rows(out)) == 1 + CaseEvent.objects.count()


def test_the_command_takes_the_ledger_filters(world, cases, tmp_path):
    out = tmp_path / "a.xlsx"
    call_command("export_ledger", "--grid", world.grid_a.code, "--status", "closed", "-o", str(out))
    expected = Case.objects.filter(grid=world.grid_a, status="closed")
    assert expected.exists()
    assert sorted(line[0] for line in rows(out)[1:]) == sorted(c.number for c in expected)


@pytest.mark.parametrize(
    "arguments",
    [
        ["--status", "nonsense"],
        ["--street", "000000000"],
        ["--grid", "000000000"],
        ["--from", "2024-02-01", "--to", "2024-01-01"],
    ],
)
def test_the_command_refuses_bad_filters(world, cases, tmp_path, arguments):
    out = tmp_path / "a.xlsx"
    with pytest.raises(CommandError):
        call_command("export_ledger", *arguments, "-o", str(out))
    assert not out.exists()


def test_the_command_wants_an_xlsx_file(world, tmp_path):
    with pytest.raises(CommandError):
        call_command("export_ledger", "-o", str(tmp_path / "a.csv"))


def test_a_web_export_over_the_limit_is_refused_with_the_command(world, cases, login, settings):
    settings.GRIDGOV_WEB_EXPORT_MAX_ROWS = 10
    response = login("street_admin").get(reverse("case-ledger-export"), {"status": "closed"})
    assert response.status_code == 400
    message = response.context["export_refused"]
    assert "gridgov export-ledger --street 370203901 --status closed" in message
    assert "10" in message and response["Content-Type"].startswith("text/html")


def test_the_step_export_counts_events_against_the_limit(world, cases, login, settings):
    few = Case.objects.filter(grid=world.grid_c)
    settings.GRIDGOV_WEB_EXPORT_MAX_ROWS = few.count()  # fewer rows than their events
    client = login("street_admin")
    params = {"grid": world.grid_c.pk}
    assert client.get(reverse("case-ledger-export"), params).status_code == 200
    refused = client.get(reverse("case-ledger-events-export"), params)
    assert refused.status_code == 400 and "--events" in refused.context["export_refused"]


def test_the_ledger_offers_no_export_past_the_limit(world, cases, login, settings):
    settings.GRIDGOV_WEB_EXPORT_MAX_ROWS = 10
    html = login("street_admin").get(reverse("case-ledger")).content.decode()
    assert reverse("case-ledger-export") not in html and "gridgov export-ledger" in html


def test_the_export_command_line_repeats_the_filters(world):
    form = CaseFilterForm(
        {
            "community": world.c1.pk,
            "category": "env.sanitation",
            "status": ["dispatched", "accepted"],
            "submitted_from": "2024-01-01",
            "overdue": "now",
            "q": "垃圾 堆",
        }
    )
    assert form.is_valid(), form.errors
    assert export_command(form.cleaned_data, events=True, street_code="370203901") == (
        "gridgov export-ledger --street 370203901 --events --community 370203901001 "
        "--category env.sanitation --status dispatched --status accepted --overdue now "
        "--from 2024-01-01 -q '垃圾 堆' -o 办理记录.xlsx"
    )
