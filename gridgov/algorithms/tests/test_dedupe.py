"""Duplicate detection on its own: the hard cases of real life, the scoring, the measures."""

import datetime

import pytest

from gridgov.algorithms.dedupe import (
    Report,
    cell_number,
    cells_around,
    distance_m,
    features,
    find_duplicates,
    pairwise_f1,
    rules_only,
    same_problem,
)

T0 = datetime.datetime(2026, 5, 1, 8, tzinfo=datetime.UTC)
LAT, LNG = 36.105, 120.305
M = 1 / 111_000  # about a metre of latitude


def at(hours: float) -> datetime.datetime:
    return T0 + datetime.timedelta(hours=hours)


def test_reports_of_one_problem_in_different_words_are_one_problem():
    reports = [
        Report("a", "仁和路口地下往外冒水，水柱老高，路上全是水", LAT, LNG, at(0)),
        Report(
            "b", "来电人反映仁和路自来水管爆裂，大量清水外涌，路面被淹", LAT + 10 * M, LNG, at(1)
        ),
        Report("c", "巡查发现仁和路口积水严重，疑似供水管道破裂", LAT - 15 * M, LNG, at(3)),
    ]

    assert find_duplicates(reports) == {"a": None, "b": "a", "c": "a"}


def test_a_different_problem_at_the_same_address_is_not_a_duplicate():
    reports = [
        Report("pothole", "福林路18号门口路面一个大坑，车过去咣当一下", LAT, LNG, at(0)),
        Report("cover", "福林路18号旁边那个井盖没了，就剩个黑窟窿", LAT + 30 * M, LNG, at(5)),
    ]

    assert find_duplicates(reports) == {"pothole": None, "cover": None}


def test_the_same_kind_of_problem_streets_away_is_not_a_duplicate():
    reports = [
        Report("a", "路灯不亮，晚上黑乎乎的", LAT, LNG, at(0)),
        Report("b", "路灯不亮，晚上黑乎乎的", LAT + 400 * M, LNG, at(1)),
    ]

    assert find_duplicates(reports)["b"] is None


def test_the_same_problem_back_weeks_after_its_repair_is_a_new_problem():
    reports = [
        Report("first", "门口路面塌了个坑", LAT, LNG, at(0)),
        Report("again", "门口路面又塌了个坑，修好没多久又坏", LAT, LNG, at(24 * 40)),
    ]

    assert find_duplicates(reports)["again"] is None


def test_a_problem_reported_for_weeks_stays_one_problem():
    reports = [
        Report(str(day), "楼前那根路灯还是不亮", LAT, LNG, at(24 * day)) for day in (0, 8, 16, 24)
    ]

    assert list(find_duplicates(reports).values()) == [None, "0", "0", "0"]


def test_what_a_report_says_it_is_not_about_does_not_count():
    said = features("福林路18号前面路上那个坑补一补吧，不是车站那个没盖的井，是路中间的坑")

    assert said.things == {"pothole"}


def test_no_score_beyond_the_radius_or_the_window():
    a = features("门口路面一个大坑")
    b = features("门口路面一个大坑")

    assert same_problem(a, b, 10, datetime.timedelta(hours=1)) > 0
    assert same_problem(a, b, 100, datetime.timedelta(hours=1)) == 0
    assert same_problem(a, b, 10, datetime.timedelta(days=30)) == 0


def test_cells_cover_every_point_within_the_radius():
    for dlat, dlng in ((55, 0), (0, 55), (-40, 40), (40, -40)):
        other = cell_number(LAT + dlat * M, LNG + dlng * M * 1.24)
        assert other in cells_around(LAT, LNG)
    assert distance_m(LAT, LNG, LAT + 100 * M, LNG) == pytest.approx(100, rel=0.01)


def test_pairwise_f1_counts_pairs():
    truth = {"a": "P1", "b": "P1", "c": "P1", "d": "P2"}

    assert pairwise_f1({"a": None, "b": "a", "c": "a", "d": None}, truth) == (1.0, 1.0, 1.0)
    precision, recall, f1 = pairwise_f1({"a": None, "b": "a", "c": None, "d": "c"}, truth)
    assert (precision, recall) == (0.5, pytest.approx(1 / 3))
    assert f1 == pytest.approx(0.4)


def test_the_rules_baseline_merges_neighbours_the_text_tells_apart():
    reports = [
        Report("pothole", "门口路面一个大坑", LAT, LNG, at(0)),
        Report("cover", "门口井盖没了", LAT + 30 * M, LNG, at(5)),
    ]

    assert rules_only(reports) == {"pothole": None, "cover": "pothole"}
