from datetime import UTC, datetime, timedelta

from portal.auth.models import BrowserSession
from portal.auth.sessions import TIME_LIMIT, TIMED_OUT, Limits, browser_summary, expiry, needs_touch

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
LIMITS = Limits(idle=timedelta(minutes=30), absolute=timedelta(hours=12))


def _row(*, started: timedelta, seen: timedelta) -> BrowserSession:
    return BrowserSession(created_at=NOW - started, last_seen_at=NOW - seen)


def test_a_session_times_out_idle_or_at_its_time_limit():
    assert expiry(_row(started=timedelta(hours=1), seen=timedelta(minutes=29)), LIMITS, NOW) is None
    assert expiry(_row(started=timedelta(hours=1), seen=timedelta(minutes=31)), LIMITS, NOW) == (
        TIMED_OUT
    )
    busy = _row(started=timedelta(hours=12, seconds=1), seen=timedelta(seconds=5))
    assert expiry(busy, LIMITS, NOW) == TIME_LIMIT


def test_last_seen_is_written_at_most_once_a_minute():
    assert not needs_touch(_row(started=timedelta(0), seen=timedelta(seconds=59)), NOW)
    assert needs_touch(_row(started=timedelta(0), seen=timedelta(seconds=60)), NOW)


def test_browsers_are_summarised_not_recorded():
    firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0"
    edge = (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/140.0.0.0 Safari/537.36 Edg/140.0.0.0"
    )
    safari = (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1"
    )
    chrome_mac = (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/140.0.0.0 Safari/537.36"
    )
    assert browser_summary(firefox) == "Firefox on Windows"
    assert browser_summary(edge) == "Edge on Windows"
    assert browser_summary(safari) == "Safari on iPhone"
    assert browser_summary(chrome_mac) == "Chrome on macOS"
    assert browser_summary("curl/8.14.1") == "curl"
    assert browser_summary("") == "Unknown browser"
