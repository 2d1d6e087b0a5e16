"""Duplicate detection on its own: the hard cases of real life, the scoring, the measures."""

import datetime
import json
import math
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridgov.algorithms.dedupe import (
    PAIR_FEATURES,
    RADIUS_M,
    WEIGHTS,
    Report,
    cell_number,
    cells_around,
    cells_within,
    distance_m,
    features,
    features_of,
    find_duplicates,
    log_odds,
    pair_features,
    pairwise_f1,
    reading,
    rules_only,
    same_problem,
)
from gridgov.algorithms.dedupe_fit import TRAIN, logistic, read_set, reports_of

DEV = Path(__file__).resolve().parents[3] / "tests" / "data" / "insights" / "duplicates_dev.jsonl"

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


def test_the_next_lamp_post_of_a_row_is_another_problem():
    reports = [
        Report("first", "小区北门进来第一根路灯不亮了", LAT, LNG, at(0)),
        Report("second", "北门进来往前走第二根灯杆也黑了", LAT + 15 * M, LNG, at(20)),
    ]

    assert find_duplicates(reports) == {"first": None, "second": None}


def test_neighbouring_buildings_are_told_apart_by_their_numbers():
    four = features("百合新村4号楼暖气不热，屋里才15度")
    five = features("百合新村5号楼暖气也不热")
    again = features("来电人反映4号楼供暖不达标，室温低")

    assert four.places == {"4"} and five.places == {"5"}
    assert same_problem(four, again, 20, datetime.timedelta(hours=5)) > same_problem(
        four, five, 20, datetime.timedelta(hours=5)
    )


def test_places_read_numbers_and_ordinals_not_lines_or_lifts():
    assert features("七号楼3单元2号梯坏了").places == {"7"}
    assert features("地铁2号线B口单车太多").places == frozenset()
    assert features("东港路41号那栋老楼，第二根灯杆").places == {"41", "#2"}


def test_a_word_inside_a_longer_word_does_not_count():
    assert features("门口倒了一堆装修垃圾").things == {"debris"}
    # the "灯" of a traffic light is not a street lamp
    assert features("路口的红绿灯坏了，一直闪黄灯").things == {"signal"}


def test_the_first_thing_named_is_what_a_report_is_mainly_about():
    said = features("井盖没了，旁边还积了一滩水")

    assert said.main == "manhole"
    assert said.things == {"manhole", "flooding"}


def test_the_pair_score_has_one_weight_per_feature():
    a = features("门口路面一个大坑")
    x = pair_features(a, a, 10, datetime.timedelta(hours=1))

    assert len(x) == len(PAIR_FEATURES) == len(WEIGHTS)
    assert same_problem(a, a, 10, datetime.timedelta(hours=1)) == pytest.approx(
        log_odds(a, a, 10, datetime.timedelta(hours=1))
    )


def test_the_fit_is_a_plain_logistic_regression():
    # two features, the first decides: the fitted weight is large and positive
    x = np.array([[1.0, 0.5], [1.0, 0.2], [0.0, 0.4], [0.0, 0.1], [1.0, 0.9], [0.0, 0.8]])
    y = np.array([1.0, 1.0, 0.0, 0.0, 1.0, 0.0])

    weights, intercept = logistic(x, y, l2=0.01)

    assert weights[0] > 2 and intercept < 0
    assert logistic(x, y, l2=0.01)[0] == pytest.approx(weights)


def labelled(path: Path) -> tuple[list[Report], dict[str, str], list[dict]]:
    rows = read_set(path)
    return reports_of(rows), {row["id"]: row["problem"] for row in rows}, rows


def test_the_training_set_is_what_the_weights_were_fitted_on():
    reports, truth, rows = labelled(TRAIN)

    assert len(rows) >= 550 and len(set(truth.values())) >= 160
    assert all(row["id"].startswith("t") and row["reported_at"].endswith("+08:00") for row in rows)
    assert pairwise_f1(find_duplicates(reports), truth)[2] >= 0.9


def test_the_dev_set_stays_above_its_mark():
    # The weights are fitted on the training set only: the dev set is a check they generalise.
    reports, truth, _ = labelled(DEV)

    precision, recall, f1 = pairwise_f1(find_duplicates(reports), truth)

    assert f1 >= 0.92, (precision, recall, f1)


@given(
    lat=st.floats(min_value=-60, max_value=60),
    lng=st.floats(min_value=-179, max_value=179),
    bearing=st.floats(min_value=0, max_value=2 * math.pi),
    metres=st.floats(min_value=0, max_value=RADIUS_M),
)
def test_the_cells_within_the_radius_hold_every_point_within_it(lat, lng, bearing, metres):
    dlat = math.degrees(metres * math.cos(bearing) / 6_371_000.0)
    dlng = math.degrees(metres * math.sin(bearing) / 6_371_000.0) / math.cos(math.radians(lat))
    there = (lat + dlat, lng + dlng)
    if distance_m(lat, lng, *there) <= RADIUS_M:
        assert cell_number(*there) in cells_within(lat, lng)


def test_a_stored_reading_gives_the_same_features_as_the_text():
    text = "来电人反映福寿里3号楼门口井盖丢了，第二根路灯不亮"
    stored = json.loads(json.dumps(reading(text)))
    assert features_of(text, stored) == features(text)
    assert features_of(text, {**stored, "version": "old", "things": []}) == features(text)
    assert features_of(text, None, {"x": 1.0}).topics == {"x": 1.0}
