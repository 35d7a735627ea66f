"""Where "now" comes from, so that builds and checks can be reproducible.

Order: an explicit value (``--now`` or ``incidents_now``), then ``SOURCE_DATE_EPOCH``
(the reproducible-builds convention), then the clock.

This "now" decides the time-dependent rules (INC025, INC043, INC044) and what the command
line prints.  Sphinx pages use only an explicit ``incidents_now``; otherwise they leave
"now" to the reader's browser (see ``sphinxext/clock.py``), so they never change with it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import UTC, datetime

from sphinx_incidents.core.fieldtypes import parse_timestamp


class NowError(ValueError):
    pass


def system_now() -> datetime:
    """The machine's clock, in UTC (one function, so that tests can move it)."""
    return datetime.now(UTC)


def resolve_now(
    explicit: str | datetime | None = None, environ: Mapping[str, str] | None = None
) -> datetime:
    """The build's "now" as an aware UTC datetime; :class:`NowError` on a bad value."""
    if isinstance(explicit, datetime):
        if explicit.tzinfo is None:
            raise NowError("'now' needs a UTC offset")
        return explicit.astimezone(UTC)
    if explicit:
        parsed = parse_timestamp(explicit)
        if isinstance(parsed, str):
            raise NowError(f"'{explicit}' is {parsed}; write e.g. 2024-03-01T09:00:00Z")
        return parsed.astimezone(UTC)
    env = os.environ if environ is None else environ
    epoch = env.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return datetime.fromtimestamp(int(epoch), UTC)
        except (ValueError, OverflowError, OSError):
            raise NowError(f"SOURCE_DATE_EPOCH={epoch!r} is not a Unix timestamp") from None
    return system_now()
