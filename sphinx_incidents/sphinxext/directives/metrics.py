"""``incident-metrics``: counts and times per severity, incidents per month, open ones."""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx

from sphinx_incidents.core import mermaid
from sphinx_incidents.core.analytics import (
    MetricsReport,
    SeverityMetrics,
    format_duration,
    format_timestamp,
    metrics_report,
)
from sphinx_incidents.core.policy import Policy
from sphinx_incidents.core.visibility import is_anonymous
from sphinx_incidents.sphinxext.clock import elapsed_since
from sphinx_incidents.sphinxext.directives.common import ViewDirective, table
from sphinx_incidents.sphinxext.domain import ALL, incident_xref, note_dependency
from sphinx_incidents.sphinxext.nodes import Cell, diagram, severity_badge, status_badge
from sphinx_incidents.sphinxext.state import get_state

# Bar colours per severity position (most severe first), as in sphinx-incidents.css.
PALETTE = ("#b71c1c", "#e65100", "#f9a825", "#607d8b", "#9e9e9e")


def _figures_row(figures: SeverityMetrics, first: Cell) -> list[Cell]:
    return [
        first,
        str(figures.count),
        str(figures.open_count),
        str(figures.recurrences),
        format_duration(figures.stabilize_median),
        format_duration(figures.stabilize_p90),
        format_duration(figures.resolve_median),
        format_duration(figures.resolve_p90),
    ]


def severity_table(report: MetricsReport, policy: Policy) -> nodes.table:
    rows = [_figures_row(f, severity_badge(policy, f.level or 0)) for f in report.by_severity]
    rows.append(_figures_row(report.overall, "All"))
    return table(
        [
            "Severity",
            "Incidents",
            "Open",
            "Recurrences",
            "Stabilize: median",
            "Stabilize: p90",
            "Resolve: median",
            "Resolve: p90",
        ],
        rows,
        classes=["incident-metrics"],  # not sortable: the "All" row stays last
    )


LABELS_AT_MOST = 24
"""The month axis labels at most this many months (rotated, they fit a page's width)."""
LABEL_STEPS = (1, 2, 3, 4, 6, 12, 24, 48, 96)
"""Label every month, every 2nd, ... (quarters, half years, years line up)."""
ROTATE_AFTER = 8
"""More months than this: their labels are turned 45 degrees (side by side they overlap)."""


def label_step(months: int) -> int:
    """Label every ``step``-th month so that at most :data:`LABELS_AT_MOST` are labelled."""
    for step in LABEL_STEPS:
        if -(-months // step) <= LABELS_AT_MOST:
            return step
    return LABEL_STEPS[-1]


def axis_top(top: int) -> int:
    """The y axis maximum: at least 8, so that Mermaid's ticks are whole incidents."""
    return max(top, 8)


def month_chart(report: MetricsReport) -> str:
    """Stacked bars: one bar series per cumulative severity total, drawn largest first.

    Month labels run into each other side by side ("2025-012025-02"): beyond
    :data:`ROTATE_AFTER` months they are turned, and the page's CSS hides all but every
    :func:`label_step`-th one (the class :func:`month_chart_classes` names).
    """
    levels = report.severity_levels
    colors = ", ".join(PALETTE[i % len(PALETTE)] for i in reversed(range(len(levels))))
    top = max((m.total for m in report.months), default=0)
    rotation = ', "xyChart": {"xAxis": {"labelRotation": -45}}'
    init = (
        '%%{init: {"themeVariables": {"xyChart": {"plotColorPalette": "'
        + colors
        + '"}}'
        + (rotation if len(report.months) > ROTATE_AFTER else "")
        + "}}%%"
    )
    lines = [
        init,
        "xychart-beta",
        f"  title {mermaid.label('Incidents per month, stacked by severity')}",
        f"  x-axis [{', '.join(mermaid.label(m.month) for m in report.months)}]",
        f"  y-axis {mermaid.label('Incidents')} 0 --> {axis_top(top)}",
    ]
    for cut in reversed(range(len(levels))):
        shown = levels[: cut + 1]
        values = [sum(m.counts.get(level, 0) for level in shown) for m in report.months]
        lines.append(f"  bar [{', '.join(str(v) for v in values)}]")
    return "\n".join(lines)


def month_chart_classes(report: MetricsReport) -> list[str]:
    """``incident-month-chart`` and ``incident-label-every-<step>`` (see the CSS)."""
    return ["incident-month-chart", f"incident-label-every-{label_step(len(report.months))}"]


def month_table(report: MetricsReport, policy: Policy) -> nodes.table:
    headers = ["Month (UTC)"] + [f"Sev {level}" for level in report.severity_levels] + ["Total"]
    rows: list[list[Cell]] = [
        [m.month, *(str(m.counts.get(level, 0)) for level in report.severity_levels), str(m.total)]
        for m in report.months
    ]
    return table(headers, rows, classes=["incident-months"])


def legend(report: MetricsReport, policy: Policy) -> nodes.paragraph:
    paragraph = nodes.paragraph("", "Bars, bottom to top: ", classes=["incident-legend"])
    for index, level in enumerate(report.severity_levels):
        if index:
            paragraph += nodes.Text(", ")
        paragraph += severity_badge(policy, level)
    paragraph += nodes.Text(".")
    return paragraph


def open_list(report: MetricsReport, policy: Policy) -> nodes.Node:
    private = sum(1 for incident in report.open_incidents if is_anonymous(incident))
    listed = [incident for incident in report.open_incidents if not is_anonymous(incident)]
    if not listed:
        text = "No open incidents."
        if private:
            text = f"{private} open private incident{'s' if private > 1 else ''}, not listed."
        return nodes.paragraph("", text)
    items = nodes.bullet_list(classes=["incident-open-list"])
    for incident in listed:
        paragraph = nodes.paragraph()
        paragraph += incident_xref(incident.id, incident.title)
        paragraph += nodes.Text(" ")
        paragraph += severity_badge(policy, incident.current_severity)
        paragraph += nodes.Text(" ")
        paragraph += status_badge(policy, incident.current_status)
        paragraph += nodes.Text(f" detected {format_timestamp(incident.detected)}")
        paragraph += elapsed_since(incident.detected, report.now, ", open for {}", ", still open")
        items += nodes.list_item("", paragraph)
    if private:
        text = f"And {private} open private incident{'s' if private > 1 else ''}, not listed."
        items += nodes.list_item("", nodes.paragraph("", text))
    return items


class IncidentMetricsDirective(ViewDirective):
    """``.. incident-metrics::``."""

    has_content = False

    def render(self) -> list[nodes.Node]:
        state = get_state(self.env)
        note_dependency(self.env, self.env.docname, [ALL])
        report = metrics_report(state.counted, state.policy, state.page_now)
        policy = state.policy
        as_of = f", as of {format_timestamp(report.now)}" if report.now is not None else ""
        result: list[nodes.Node] = [
            nodes.paragraph(
                "",
                f"{report.overall.count} incidents, {report.overall.open_count} open{as_of}. "
                "Severity is the current one; times run "
                "from detection to the first stabilization and to the final resolution "
                "(medians and 90th percentiles by nearest rank).",
            ),
            severity_table(report, policy),
        ]
        heading = "Incidents per month"
        result.append(nodes.rubric(heading, heading))
        if report.months:
            chart = diagram(month_chart(report), month_table(report, policy), heading)
            chart[0] = nodes.container(
                "",
                chart[0].deepcopy(),
                legend(report, policy),
                classes=month_chart_classes(report),
            )
            result.append(chart)
        else:
            result.append(nodes.paragraph("", "No incidents yet."))
        heading = "Open incidents now"
        result += [nodes.rubric(heading, heading), open_list(report, policy)]
        return result


def setup_metrics(app: Sphinx) -> None:
    app.add_directive("incident-metrics", IncidentMetricsDirective)
