"""Hot spots on their own: clusters of like reports, and categories rising."""

import datetime

from gridgov.algorithms.hotspots import Report, clusters, rising

T0 = datetime.datetime(2026, 5, 1, tzinfo=datetime.UTC)
M = 1 / 111_000


def report(i, metres_north, label="facility.drainage", days=0):
    return Report(i, 36.1 + metres_north * M, 120.3, T0 + datetime.timedelta(days=days), label)


def test_like_reports_close_together_make_a_hot_spot_and_strays_do_not():
    found = clusters(
        [
            report(1, 0),
            report(2, 100, days=3),
            report(3, 220, days=9),  # linked through report 2: a street that floods along
            report(4, 2000),  # far away
            report(5, 50, label="env.sanitation"),  # near, but another kind
        ]
    )

    assert len(found) == 1
    assert [r.id for r in found[0].reports] == [1, 2, 3]
    assert found[0].first == T0 and found[0].spread_m > 100


def test_fewer_than_three_is_not_a_hot_spot():
    assert clusters([report(1, 0), report(2, 10)]) == []


def test_rising_needs_a_real_increase_and_enough_cases():
    found = rising(
        {"water": 12, "gas": 6, "road": 4, "new": 7},
        {"water": 5, "gas": 5, "road": 1},
    )

    assert [(r.label, r.now, r.before) for r in found] == [("new", 7, 0), ("water", 12, 5)]
    assert found[1].growth == 1.4 and found[0].growth is None
