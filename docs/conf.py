"""Sphinx configuration of the sphinx-incidents documentation site.

The site documents the project and, at the same time, uses it: every incident page, table,
graph and metric on it is rendered by the extension from ``../incident_records``.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "sphinx-incidents"
author = "sphinx-incidents developers"
copyright = "sphinx-incidents developers"

extensions = [
    "myst_parser",
    "sphinx_incidents",  # also loads sphinxcontrib.mermaid
    "rules_coverage",  # reference/rules.md documents every rule code
    "record_schema",  # reference/schema.md shows the JSON Schema of the installed package
]

# --- sphinx-incidents -----------------------------------------------------------------------
incidents_dir = "../incident_records"
incidents_policy = "openverse"
# The demo records tell the story of one day: a fixed "now" shows "open for", "days since"
# and the stale and retrospective-due checks as of that instant.  (Without it, pages would
# still not depend on the build's clock: the reader's browser computes those figures.)
incidents_now = "2026-11-27T12:00:00Z"

# --- MyST -----------------------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "deflist", "fieldlist", "attrs_inline", "tasklist"]
myst_heading_anchors = 3

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]

# --- HTML -----------------------------------------------------------------------------------
html_theme = "furo"
html_title = "sphinx-incidents"
html_static_path = ["_static"]
html_show_sourcelink = False
# Where the site is published: the incident feed (incidents.atom) needs absolute links.
html_baseurl = "https://example.invalid/sphinx-incidents/"
