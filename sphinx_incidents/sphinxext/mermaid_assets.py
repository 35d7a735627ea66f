"""Serve Mermaid from the built site's own ``_static/`` folder instead of a CDN.

sphinxcontrib-mermaid renders diagrams in the browser by default. To do that, it adds
``import mermaid from "<url>"`` to each page, and by default the URL is on a CDN
(cdn.jsdelivr.net). It may also add a d3 ``<script>`` and, on 1.x, an ELK import
from the same CDN. A site built on a machine with no internet access has to work
offline, so this module:

* copies the vendored ES-module build of Mermaid and d3 from ``static/mermaid/`` to
  ``<outdir>/_static/mermaid/``. ``tools/update_mermaid.sh`` refreshes those files.
* points sphinxcontrib-mermaid at that copy. The right setting depends on the release:

  - **2.0.3 and later** resolve ``mermaid_use_local`` against ``_static/`` for each
    page (``_resolve_local_url``). We set it once to ``mermaid/mermaid.esm.min.mjs``.
  - **1.x to 2.0.1** paste ``mermaid_use_local`` into the page as given. 1.x also
    passes it to ``add_js_file``, which puts ``_static/`` in front of it. A
    page-relative ``import`` and a root-relative ``<script src>`` can't both be right
    from a single value. So before each page, we set the value to a page-relative
    URL with ``#://`` at the end. Sphinx leaves a URL that contains ``://`` as it is,
    and the browser ignores the fragment. Both tags then load the same module. 1.x
    also saves its ``import`` line in ``mermaid_init_js`` on the first page. That
    value is reset for each page, unless the project set it itself.
  - **2.0.2** resolves the value but leaves a bare ``_static/...`` specifier on
    top-level pages, which doesn't work. Upstream fixed this in 2.0.3. We warn and
    leave 2.0.2 on the CDN.
  - ``d3_use_local`` only ever goes to ``add_js_file``, so on every release it's
    ``mermaid/d3/d3.min.js`` (Sphinx puts ``_static/`` in front).
  - 1.x turns on the ELK layout plugin by default (``mermaid_include_elk = "0.1.4"``),
    and it comes from the CDN. ELK bundles elkjs, which is EPL-2.0, so we don't vendor
    it. We switch it off, which matches the 2.x default.

Settings that the project chose itself always win. If ``mermaid_use_local`` or
``mermaid_version`` is set in ``conf.py`` or with ``-D``, we leave Mermaid alone. The
same applies to ``d3_use_local``/``d3_version`` and to ELK. ``incidents_mermaid_local =
False`` turns this module off completely.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.util import logging
from sphinx.util.fileutil import copy_asset

__all__ = ["setup_mermaid_assets"]

logger = logging.getLogger(__name__)

VENDORED_DIR = Path(__file__).parent / "static" / "mermaid"
"""The vendored files. They are copied to ``<outdir>/_static/mermaid/``."""
_ENTRY = "mermaid/mermaid.esm.min.mjs"  # relative to _static/
_D3 = "mermaid/d3/d3.min.js"  # relative to _static/
# Sphinx leaves a URL that contains "://" untouched (no "_static/" prefix, no
# re-relativising, no checksum query). The browser drops the fragment.
_VERBATIM = "#://"


def _user_set(config: Config, *names: str) -> bool:
    """Tell whether ``conf.py`` or ``-D`` sets any of *names*, whatever the value."""
    raw: dict[str, Any] = getattr(config, "_raw_config", {})
    return any(name in raw or name in config.overrides for name in names)


def _local_url_support() -> str:
    """Probe how the loaded sphinxcontrib-mermaid treats ``mermaid_use_local``.

    Returns ``"resolved"`` (2.0.3+), ``"verbatim"`` (1.x to 2.0.1) or ``"broken"``
    (2.0.2, whose resolver yields the bare specifier ``_static/...`` on top-level pages).
    """
    resolve = getattr(sys.modules.get("sphinxcontrib.mermaid"), "_resolve_local_url", None)
    if not callable(resolve):
        return "verbatim"
    probe = resolve("m.mjs", {"pathto": lambda uri, resource=False: uri})
    return "resolved" if probe == "./_static/m.mjs" else "broken"


@dataclass
class _State:
    per_page: bool = False  # sphinxcontrib-mermaid < 2.0.3: set the URL for each page
    init_js: str | None = None  # 1.x default mermaid_init_js, restored for each page


def setup_mermaid_assets(app: Sphinx) -> None:
    """Register ``incidents_mermaid_local`` and serve Mermaid locally when it is true.

    Call this from the extension's ``setup()``. sphinxcontrib-mermaid can be loaded
    before or after this runs. If it isn't loaded at all, nothing changes.
    """
    if "incidents_mermaid_local" not in app.config:
        app.add_config_value("incidents_mermaid_local", True, "html", types=frozenset({bool}))
    state = _State()

    def config_inited(app: Sphinx, config: Config) -> None:
        if not config.incidents_mermaid_local or "mermaid_use_local" not in config:
            return
        if not (VENDORED_DIR / "mermaid.esm.min.mjs").is_file():
            logger.warning(
                "incidents_mermaid_local: %s is missing, Mermaid will load from a CDN",
                VENDORED_DIR,
                type="incidents",
                subtype="mermaid",
            )
            return
        if not _user_set(config, "d3_use_local", "d3_version"):
            config.d3_use_local = _D3
        if "mermaid_elk_version" not in config and not _user_set(
            config, "mermaid_include_elk", "mermaid_elk_use_local"
        ):
            config.mermaid_include_elk = ""  # 1.x only: ELK on by default, from the CDN
        if _user_set(config, "mermaid_use_local", "mermaid_version"):
            return
        support = _local_url_support()
        if support == "resolved":
            config.mermaid_use_local = _ENTRY
        elif support == "broken":
            logger.warning(
                "incidents_mermaid_local: this sphinxcontrib-mermaid release cannot load a "
                "local Mermaid on top-level pages; use 2.0.3 or later. Mermaid will load "
                "from a CDN",
                type="incidents",
                subtype="mermaid",
            )
        else:
            state.per_page = True
            if "mermaid_init_js" in config and not _user_set(config, "mermaid_init_js"):
                state.init_js = config.mermaid_init_js

    def page_context(
        app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
    ) -> None:
        if not state.per_page:
            return
        url: str = context["pathto"]("_static/" + _ENTRY, resource=True)
        if not url.startswith(("./", "../", "/")):
            url = "./" + url  # a bare path is not a valid ES module specifier
        app.config.mermaid_use_local = url + _VERBATIM
        if state.init_js is not None:
            app.config.mermaid_init_js = state.init_js

    def builder_inited(app: Sphinx) -> None:
        if (
            app.config.incidents_mermaid_local
            and "mermaid_use_local" in app.config
            and app.builder.format == "html"
            and app.builder.name != "epub"
            and VENDORED_DIR.is_dir()
        ):
            dest = Path(app.builder.outdir) / "_static" / "mermaid"
            copy_asset(VENDORED_DIR, dest, force=True)

    app.connect("config-inited", config_inited)
    app.connect("builder-inited", builder_inited)
    # Before sphinxcontrib-mermaid's own handler (priority 500) reads the value.
    app.connect("html-page-context", page_context, priority=499)
