"""``record-schema``: the JSON Schema of a record, rendered from the package at build time.

The reference page shows it in full, and HTML builds also publish it as
``_static/incident-record.schema.json`` so editors can point at the site's copy.  Both come
from :func:`sphinx_incidents.core.schema.record_schema`, so the page cannot drift.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from sphinx_incidents.core.policy import load_policy
from sphinx_incidents.core.schema import record_schema

FILENAME = "incident-record.schema.json"


def _schema_text(app: Sphinx) -> str:
    return json.dumps(record_schema(load_policy(app.config.incidents_policy)), indent=2) + "\n"


class RecordSchema(SphinxDirective):
    has_content = False

    def run(self) -> list[nodes.Node]:
        text = _schema_text(self.env.app)
        block = nodes.literal_block(text, text, language="json")
        block["classes"].append("record-schema")
        return [block]


def _publish(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        static = Path(app.outdir) / "_static"
        static.mkdir(parents=True, exist_ok=True)
        (static / FILENAME).write_text(_schema_text(app), encoding="utf-8")


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("record-schema", RecordSchema)
    app.connect("build-finished", _publish)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
