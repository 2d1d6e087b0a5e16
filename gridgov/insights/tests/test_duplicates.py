"""Duplicates: the CLI contract, the intake search, the dispatcher's merge, and the followers."""

import datetime
import io

import pytest
from django.core.management import call_command

from gridgov.algorithms.dedupe import READING_VERSION, WINDOW, reading
from gridgov.cases.actions import (
    accept_case,
    merge_case,
    resolve_case,
    submit_case,
    verify_case,
)
from gridgov.cases.models import Case, Category, Notification
from gridgov.cases.sweep import announce_pending
from gridgov.core.scoping import scope_for
from gridgov.insights.duplicates import LOOKBACK, duplicate_candidates, refresh_text_readings
from gridgov.insights.tests.jsonl_command import run_jsonl

POTHOLE = "万安一路6号门口路面上有个大坑，车开过去咣当一下，晚上骑车的容易摔"
POTHOLE_AGAIN = "来电人反映万安一路6号门前机动车道有坑槽，直径约半米，诉求：尽快修补。"
MANHOLE = "万安一路6号旁边那个井盖没了，就剩个黑窟窿，小孩子掉进去怎么办"


def run_duplicates(monkeypatch, rows: list) -> tuple[list[dict], int]:
    return run_jsonl(monkeypatch, "duplicates", rows)


def report(id_, text, lat, lng, at, **extra):
    return {"id": id_, "text": text, "lat": lat, "lng": lng, "reported_at": at, **extra}


@pytest.mark.django_db
def test_duplicates_points_every_report_to_the_earliest_of_its_problem(monkeypatch):
    rows, code = run_duplicates(
        monkeypatch,
        [
            # given out of time order: the answer still names the earliest report
            report("b", POTHOLE_AGAIN, 36.10502, 120.30502, "2026-05-02T09:00:00+08:00"),
            report("a", POTHOLE, 36.105, 120.305, "2026-05-01T08:00:00+08:00"),
            report(
                "c",
                "6号门口那个坑还没补，又有人摔了",
                36.10498,
                120.30499,
                "2026-05-03T18:00:00+08:00",
            ),
            # a different problem 20 m away, the same days: not a duplicate
            report(
                "d",
                MANHOLE,
                36.10518,
                120.305,
                "2026-05-02T10:00:00+08:00",
                category="facility.road",
            ),
            # the same kind of problem 400 m away: not a duplicate
            report("e", POTHOLE, 36.1086, 120.305, "2026-05-02T11:00:00+08:00"),
            # the same place again two months after: a new problem
            report(
                "f",
                "万安一路6号门口路面又坑了，修好没多久又坏",
                36.105,
                120.305,
                "2026-07-10T08:00:00+08:00",
            ),
        ],
    )

    assert code == 0
    assert rows == [
        {"id": "b", "duplicate_of": "a"},
        {"id": "a", "duplicate_of": None},
        {"id": "c", "duplicate_of": "a"},
        {"id": "d", "duplicate_of": None},
        {"id": "e", "duplicate_of": None},
        {"id": "f", "duplicate_of": None},
    ]


@pytest.mark.django_db
def test_duplicates_answers_bad_lines_in_place_and_matches_the_rest(monkeypatch):
    good = report(1, POTHOLE, 36.105, 120.305, "2026-05-01T08:00:00")
    rows, code = run_duplicates(
        monkeypatch,
        [
            good,
            "{broken",
            report(2, "", 36.105, 120.305, "2026-05-01T08:00:00"),
            report(3, POTHOLE, 91, 120.305, "2026-05-01T08:00:00"),
            report(4, POTHOLE, 36.105, 120.305, "yesterday"),
            report(5, POTHOLE, 36.105, 120.305, "2026-05-01T08:00:00", category=7),
            report(1, POTHOLE, 36.105, 120.305, "2026-05-01T09:00:00"),
            {"text": POTHOLE},
        ],
    )

    assert code == 1
    assert rows[0] == {"id": "1", "duplicate_of": None}
    assert [row["line"] for row in rows[1:]] == [2, 3, 4, 5, 6, 7, 8]
    assert all(row["error"] for row in rows[1:])


def _case(world, text, lat=36.105, lng=120.305, **extra):
    return submit_case(description=text, actor=world.resident, lat=lat, lng=lng, **extra)


@pytest.mark.django_db
def test_intake_search_finds_the_same_problem_and_not_its_neighbours(world):
    first = _case(world, POTHOLE)
    manhole = _case(world, MANHOLE, lat=36.10518)
    far = _case(world, POTHOLE, lat=36.1086)
    new = _case(world, POTHOLE_AGAIN, lat=36.10502, lng=120.30502)

    found = duplicate_candidates(new)

    assert [c.case for c in found] == [first]
    assert found[0].metres < 5 and found[0].score > 0
    assert manhole not in [c.case for c in found] and far not in [c.case for c in found]


@pytest.mark.django_db
def test_a_candidate_shows_the_case_as_stored_from_the_search_s_one_query(
    world, django_assert_num_queries
):
    category = Category.objects.get(code="facility.road")
    first = _case(world, POTHOLE, category=category)
    new = _case(world, POTHOLE_AGAIN)

    def shown(case):
        return (
            case.pk,
            case.number,
            case.get_status_display(),
            case.description,
            case.submitted_at,
            case.category.code,
            case.category.name,
        )

    # What the page and the API show of a candidate comes with the search's rows.
    with django_assert_num_queries(1):
        (found,) = duplicate_candidates(new)
        seen = shown(found.case)

    assert seen == shown(Case.objects.select_related("category").get(pk=first.pk))
    # Anything else is loaded when asked for.
    assert found.case.address == first.address and found.case.street_id == first.street_id


@pytest.mark.django_db
def test_the_search_shows_only_cases_the_user_may_see(world):
    _case(world, POTHOLE)
    new = _case(world, POTHOLE_AGAIN)

    assert duplicate_candidates(new, world.street_admin)
    assert duplicate_candidates(new, world.grid_worker_b) == []
    assert duplicate_candidates(new, world.outsider) == []


@pytest.mark.django_db
def test_merged_and_rejected_cases_are_not_offered(world):
    first = _case(world, POTHOLE)
    second = _case(world, POTHOLE_AGAIN)
    merge_case(case=second, actor=world.street_admin, into=first)
    third = _case(world, "6号门口那个坑还没补，又有人摔了")

    assert [c.case for c in duplicate_candidates(third)] == [first]


@pytest.mark.django_db
def test_the_dispatcher_merges_from_the_case_page_with_one_click(world, login):
    first = _case(world, POTHOLE)
    new = _case(world, POTHOLE_AGAIN)
    client = login("street_admin")

    page = client.get(f"/cases/{new.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "case-duplicates" in html and first.number in html

    answer = client.post(
        f"/cases/{new.pk}/act/merge/", {"merge-version": new.version, "merge-into": first.number}
    )
    assert answer.status_code == 302
    new.refresh_from_db()
    assert new.status == "merged" and new.merged_into == first
    assert new.events.filter(action="merge").exists()


@pytest.mark.django_db
def test_people_who_may_not_merge_see_no_duplicates_panel(world, login):
    _case(world, POTHOLE)
    new = _case(world, POTHOLE_AGAIN)

    page = login("resident").get(f"/cases/{new.pk}/")

    assert page.status_code == 200
    assert "case-duplicates" not in page.content.decode()


@pytest.mark.django_db
def test_merged_reporters_are_told_when_the_surviving_case_closes(world):
    sanitation = Category.objects.get(code="env.sanitation")  # handled in the grid
    first = _case(world, POTHOLE, category=sanitation)
    other = submit_case(
        description=POTHOLE_AGAIN, actor=world.users["enterprise"], lat=36.105, lng=120.305
    )
    merge_case(case=other, actor=world.street_admin, into=first)
    first = accept_case(case=first, actor=world.grid_worker_a)
    first = resolve_case(case=first, actor=world.grid_worker_a, reply="已填平")
    first = verify_case(case=first, actor=world.community_admin, ok=True)
    announce_pending()

    assert first.status == "closed"
    told = Notification.objects.filter(case=first, kind="verify")
    assert set(told.values_list("user__username", flat=True)) >= {"resident", "enterprise"}


@pytest.mark.django_db
def test_a_case_closed_within_the_window_is_offered_and_one_closed_before_is_not(world):
    sanitation = Category.objects.get(code="env.sanitation")  # handled in the grid
    first = _case(world, POTHOLE, category=sanitation)
    first = accept_case(case=first, actor=world.grid_worker_a)
    first = resolve_case(case=first, actor=world.grid_worker_a, reply="已填平")
    first = verify_case(case=first, actor=world.community_admin, ok=True)
    assert first.status == "closed"
    new = _case(world, POTHOLE_AGAIN)

    assert [c.case for c in duplicate_candidates(new)] == [first]
    # The same pothole back four weeks after its repair is a new problem.
    Case.objects.filter(pk=first.pk).update(
        closed_at=new.submitted_at - WINDOW - datetime.timedelta(days=7),
        submitted_at=new.submitted_at - WINDOW - datetime.timedelta(days=9),
    )
    assert duplicate_candidates(new) == []


@pytest.mark.django_db
def test_duplicates_api_answers_the_caller_s_scope(world, client):
    from gridgov.accounts.actions import create_api_token

    first = _case(world, POTHOLE)
    new = _case(world, POTHOLE_AGAIN)
    admin = create_api_token(user=world.street_admin, name="t")[1]
    other = create_api_token(user=world.grid_worker_b, name="t")[1]

    seen = client.get(
        f"/api/v1/cases/{new.pk}/duplicates", headers={"Authorization": f"Bearer {admin}"}
    )
    hidden = client.get(
        f"/api/v1/cases/{new.pk}/duplicates", headers={"Authorization": f"Bearer {other}"}
    )

    assert seen.status_code == 200
    assert [row["number"] for row in seen.json()] == [first.number]
    assert hidden.status_code == 404


@pytest.mark.django_db
def test_intake_stores_the_reading_and_the_search_reads_a_stale_one_again(world):
    first = _case(world, POTHOLE)
    assert first.text_reading == reading(POTHOLE)
    assert first.text_reading["version"] == READING_VERSION
    new = _case(world, POTHOLE_AGAIN)
    # A reading from an older lexicon (cases from before an upgrade) is not trusted.
    Case.objects.filter(pk=first.pk).update(
        text_reading={**first.text_reading, "version": "old", "things": []}
    )
    assert [c.case for c in duplicate_candidates(new)] == [first]
    Case.objects.filter(pk=first.pk).update(text_reading=None)
    assert [c.case for c in duplicate_candidates(new)] == [first]


@pytest.mark.django_db
def test_the_worker_reads_stale_readings_again_in_batches(world):
    cases = [_case(world, POTHOLE), _case(world, MANHOLE), _case(world, POTHOLE_AGAIN)]
    current = {case.pk: case.text_reading for case in cases}
    Case.objects.filter(pk=cases[0].pk).update(
        text_reading={**current[cases[0].pk], "version": "old"}
    )
    Case.objects.filter(pk=cases[1].pk).update(text_reading=None)

    assert refresh_text_readings(batch=1) == 1
    assert refresh_text_readings(batch=1) == 1
    assert refresh_text_readings(batch=1) == 0
    assert {case.pk: case.text_reading for case in Case.objects.filter(pk__in=current)} == current


@pytest.mark.django_db
def test_the_dispatcher_s_search_needs_no_query_for_the_scope(world, django_assert_num_queries):
    first = _case(world, POTHOLE)
    new = _case(world, POTHOLE_AGAIN)
    scope_for(world.street_admin)  # read once per request, before the search

    # The street admin sees every case of the street the rows were read for.
    with django_assert_num_queries(1):
        assert [c.case for c in duplicate_candidates(new, world.street_admin)] == [first]
    # Anyone else has the rows checked against what they may see.
    assert [c.case for c in duplicate_candidates(new, world.grid_worker_a)] == [first]
    assert duplicate_candidates(new, world.grid_worker_b) == []


@pytest.mark.django_db
def test_a_worker_pass_stores_current_readings_for_cases_from_before_an_upgrade(world):
    case = _case(world, POTHOLE)
    Case.objects.filter(pk=case.pk).update(text_reading={**case.text_reading, "version": "old"})
    out = io.StringIO()

    call_command("worker", "--once", stdout=out)

    assert "text readings: 1 cases read again" in out.getvalue()
    assert Case.objects.get(pk=case.pk).text_reading == reading(POTHOLE)


@pytest.mark.django_db
def test_the_worker_leaves_readings_older_than_the_search_reaches(world):
    old = _case(world, POTHOLE)
    Case.objects.filter(pk=old.pk).update(text_reading=None)

    later = old.submitted_at + LOOKBACK + datetime.timedelta(days=1)
    assert refresh_text_readings(now=later) == 0
    assert Case.objects.get(pk=old.pk).text_reading is None


@pytest.mark.django_db
def test_the_search_reads_the_newest_cases_near_the_point_first(world, monkeypatch):
    monkeypatch.setattr("gridgov.insights.duplicates.READ_AT_MOST", 2)
    first = _case(world, POTHOLE)
    _case(world, MANHOLE, lat=36.10518)
    _case(world, MANHOLE, lat=36.10518)
    new = _case(world, POTHOLE_AGAIN)

    # The two newer manhole reports fill the rows read: the pothole is beyond them.
    assert duplicate_candidates(new) == []
    monkeypatch.setattr("gridgov.insights.duplicates.READ_AT_MOST", 3)
    assert [c.case for c in duplicate_candidates(new)] == [first]
