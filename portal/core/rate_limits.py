"""Whether the rate-limit counters can be reached. Sign-in and other limits that protect
secrets fail closed when they cannot (a clear 503 page); limits that only share out public
reading (the public register, credential checks, the register API) are waived instead, so the
register stays open while the counters' store is down."""

from __future__ import annotations

import time

from portal.extensions import limiter

# After a failed check, counters are taken to be down for this long without asking again, so
# that a store that times out does not slow every request.
RECHECK_SECONDS = 5.0
_down_until = 0.0


def counters_unavailable() -> bool:
    """True when the rate-limit store does not answer (checked at most every few seconds while
    it is down); use as a public limit's `exempt_when`."""
    global _down_until
    now = time.monotonic()
    if now < _down_until:
        return True
    try:
        answering = bool(limiter.storage.check())
    except Exception:  # any failure of the store means it cannot count
        answering = False
    if not answering:
        _down_until = now + RECHECK_SECONDS
    return not answering
