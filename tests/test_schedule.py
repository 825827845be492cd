from datetime import datetime, timedelta, timezone

from newscrawler.schedule import ACTIVE, STOPPED, Schedule

T0 = datetime(2026, 1, 1, tzinfo=timezone.utc)


def test_unchanged_checks_back_off_by_the_factor_until_the_bound():
    schedule = Schedule()
    tracking = schedule.after_change(T0)
    assert tracking.interval == timedelta(minutes=30) and tracking.next_check == T0 + timedelta(minutes=30)
    intervals, now = [], T0
    while tracking.status == ACTIVE:
        now = tracking.next_check
        tracking = schedule.after_quiet_check(tracking.interval, now)
        intervals.append(tracking.interval)
    for k, interval in enumerate(intervals[:-1], start=1):
        assert abs(interval.total_seconds() - 1800 * 1.2 ** k) < 1e-3
    assert intervals[-2] <= timedelta(days=40) < intervals[-1]
    assert tracking.status == STOPPED and tracking.next_check is None
    assert tracking.status_reason == "it will not be checked again for changes"


def test_a_change_resets_the_interval():
    schedule = Schedule()
    tracking = schedule.after_quiet_check(timedelta(days=3), T0)
    assert tracking.interval == timedelta(days=3.6)
    assert schedule.after_change(T0).interval == timedelta(minutes=30)


def test_schedule_is_configurable():
    schedule = Schedule(initial=timedelta(minutes=10), backoff=2, stop_after=timedelta(minutes=50))
    tracking = schedule.after_quiet_check(timedelta(minutes=20), T0)
    assert tracking.interval == timedelta(minutes=40) and tracking.status == ACTIVE
    assert schedule.after_quiet_check(tracking.interval, T0).status == STOPPED
