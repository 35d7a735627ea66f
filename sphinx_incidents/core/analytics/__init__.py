"""What the incident records add up to: lead distribution, metrics, graphs, timelines, tables.

Every function here is pure: it takes loaded :class:`~sphinx_incidents.core.model.Incident`
objects (plus the policy, roster and "now" where they matter) and returns plain data.  No
Sphinx, no files, no clock: the Sphinx directives (``incident-table``, ``incident-timeline``,
``incident-leads``, ``incident-metrics``, ``incident-graph``) and the ``sphinx-incidents leads``
command render the same numbers, so a page and a terminal can never disagree, and tests can
compute every figure by hand.

Conventions shared by all metrics (the docs quote them):

- **Severity** is an incident's *current* severity (that of the last event that set one, else
  the recorded ``severity``).  A reclassification is the team's corrected judgement of how bad
  the incident was, and tables, metrics and the lead distribution all count the same way.
- **Times** are compared as absolute instants, whatever UTC offset a record was written in;
  dates and months (``since``, ``until``, per-month counts) are taken in **UTC**.
- **Open** means the current status is not one of the policy's ``closed_statuses``.
- **Resolved** means the policy's ``milestones.resolved`` status: time to resolve ends at
  its last entry while the incident stays closed.  A policy with two closed statuses
  (``openverse-five-steps``: Resolved, then Reviewed after the retrospective) counts
  Resolved, when the short-term fixes are in place; holding the review later does not
  lengthen the time to resolve.
"""

from __future__ import annotations

from sphinx_incidents.core.analytics.basics import (
    NO_VALUE,
    count,
    format_duration,
    format_since,
    format_timestamp,
    median,
    percentile,
    related_from,
    utc,
)
from sphinx_incidents.core.analytics.leads import (
    LeadReport,
    LeadRow,
    lead_report,
)
from sphinx_incidents.core.analytics.metrics import (
    MetricsReport,
    MonthRow,
    SeverityMetrics,
    metrics_report,
)
from sphinx_incidents.core.analytics.paths import (
    edge_counts,
    incident_path,
    visited_statuses,
)
from sphinx_incidents.core.analytics.tables import (
    DEFAULT_COLUMNS,
    DEFAULT_SORT,
    OPEN,
    TABLE_COLUMNS,
    TableQuery,
    column_text,
    column_value,
    filter_incidents,
    parse_table_options,
    sort_incidents,
    validate_table_options,
)
from sphinx_incidents.core.analytics.timeline import (
    Span,
    StatusSpans,
    TimelineRow,
    status_spans,
    timeline_rows,
)

__all__ = [
    "DEFAULT_COLUMNS",
    "DEFAULT_SORT",
    "NO_VALUE",
    "OPEN",
    "TABLE_COLUMNS",
    "LeadReport",
    "LeadRow",
    "MetricsReport",
    "MonthRow",
    "SeverityMetrics",
    "Span",
    "StatusSpans",
    "TableQuery",
    "TimelineRow",
    "column_text",
    "column_value",
    "count",
    "edge_counts",
    "filter_incidents",
    "format_duration",
    "format_since",
    "format_timestamp",
    "incident_path",
    "lead_report",
    "median",
    "metrics_report",
    "parse_table_options",
    "percentile",
    "related_from",
    "sort_incidents",
    "status_spans",
    "timeline_rows",
    "utc",
    "validate_table_options",
    "visited_statuses",
]
