"""Mermaid for the built site: the site's own configuration, or an offline bundle.

sphinxcontrib-mermaid renders diagrams in the browser. On each page with a diagram it adds a
``<script type="module">`` that does ``import mermaid from "<url>"``, by default from a CDN
(1.x also loads d3 and the ELK layout from there). This module decides who provides Mermaid:

**The site configures sphinxcontrib-mermaid** (any ``mermaid_*`` or ``d3_*`` setting in
``conf.py`` or with ``-D``): nothing here changes anything. Incident diagrams are ordinary
``mermaid`` nodes and use that configuration, exactly like the site's own diagrams.

**The site configures nothing** (and ``incidents_mermaid_local`` is true, the default):
the vendored bundle in ``static/mermaid/`` (``tools/update_mermaid.sh``) is copied to
``<outdir>/_static/mermaid/`` and used, for the site's diagrams as well, so that pages
never contact a CDN and render when opened from disk:

- Mermaid is the *classic* build, ``mermaid.min.js``, loaded with a plain deferred
  ``<script src>`` on every page where sphinxcontrib-mermaid adds its own script. It sets
  ``globalThis.mermaid``. From ``file://``, Chromium refuses every ES module import of a
  file (the page's origin is ``null``, so the CORS check fails), and sphinxcontrib-mermaid
  only knows ``import mermaid from "<url>"``; so ``<url>`` becomes a ``data:`` module,
  ``export default globalThis.mermaid;``, which any origin may import. Deferred classic
  scripts and module scripts run in document order, and ours comes first (lower priority).
- How that URL reaches the page depends on the release:

  - **1.x to 2.0.1** paste ``mermaid_use_local`` into the ``import`` as given (1.x also
    passes it to ``add_js_file``). We set it to the ``data:`` URL plus ``#://``: Sphinx
    leaves a URL containing ``://`` as it is, and the fragment is dropped by the browser.
  - **2.0.2 and later** resolve ``mermaid_use_local`` against ``_static/`` for each page
    (``_resolve_local_url``), which would mangle a ``data:`` URL. We set it to
    ``mermaid/mermaid-global.mjs`` (a real file with the same one line, so HTTP works
    whatever happens) and, after sphinxcontrib-mermaid's handler, replace the resolved URL
    in its module scripts with the ``data:`` URL. Its own resolver computes the string we
    replace, so 2.0.2's bare ``_static/...`` specifier is fixed too.
- d3 is ``mermaid/d3/d3.min.js`` (1.x loads it on every diagram page, 2.x for ``:zoom:``).
- The ELK layout: sphinxcontrib-mermaid 1.x loads ``@mermaid-js/layout-elk`` 0.1.4 from the
  CDN on every page by default (2.x does not). We switch that off and instead load the
  vendored classic build of the same release (which bundles elkjs, EPL-2.0) on the pages
  whose diagrams ask for ELK (``layout: elk``, ``flowchart-elk``, ``defaultRenderer:
  "elk"``: any diagram source containing the word ``elk``), whatever the release. Only
  then is it copied to the output, so a site that never uses ELK never publishes it.
  Without it, Mermaid falls back to its default layout and the diagram still renders.

Builders that do not write pages a browser runs (``json``, ``pickle``: their ``pathto``
takes no ``resource`` argument; ``epub``, whose readers rarely run scripts and get the
diagrams' fallback tables instead) are left alone, as is everything when
``sphinxcontrib.mermaid`` is not loaded.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import sys
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.builders import Builder
from sphinx.builders.html import StandaloneHTMLBuilder
from sphinx.config import Config
from sphinx.util import logging
from sphinx.util.fileutil import copy_asset

__all__ = ["setup_mermaid_assets", "site_mermaid_settings", "writes_browser_pages"]

logger = logging.getLogger(__name__)

VENDORED_DIR = Path(__file__).parent / "static" / "mermaid"
"""The vendored files. They are copied to ``<outdir>/_static/mermaid/``."""
_MERMAID = "mermaid/mermaid.min.js"  # relative to _static/
_SHIM = "mermaid/mermaid-global.mjs"
_D3 = "mermaid/d3/d3.min.js"
_ELK_DIR = "elk"  # inside VENDORED_DIR and _static/mermaid/
_ELK = "mermaid/elk/mermaid-layout-elk.min.js"
SHIM_URL = "data:text/javascript,export%20default%20globalThis.mermaid;"
"""The module ``import mermaid from ...`` gets: the classic build's global Mermaid."""
# Sphinx leaves a URL that contains "://" untouched (no "_static/" prefix, no
# re-relativising, no checksum query). The browser drops the fragment.
_VERBATIM = "#://"
# Before sphinxcontrib-mermaid's scripts (mermaid_js_priority, 500 unless the site sets it,
# in which case we are not serving anything).
_PRIORITY = 499
_ELK_WORD = re.compile(r"\belk\b")
_SETTING_PREFIXES = ("mermaid_", "d3_")


def site_mermaid_settings(config: Config) -> list[str]:
    """The sphinxcontrib-mermaid settings ``conf.py`` or ``-D`` sets, whatever the value."""
    raw: dict[str, Any] = getattr(config, "_raw_config", {})
    names = set(raw) | set(config.overrides)
    return sorted(n for n in names if n.startswith(_SETTING_PREFIXES) and n in config)


def writes_browser_pages(builder: Builder) -> bool:
    """HTML pages a browser opens with their scripts: not json/pickle, not epub."""
    from sphinx.builders._epub_base import EpubBuilder
    from sphinxcontrib.serializinghtml import SerializingHTMLBuilder

    return (
        builder.format == "html"
        and isinstance(builder, StandaloneHTMLBuilder)
        and not isinstance(builder, (SerializingHTMLBuilder, EpubBuilder))
    )


def _resolver() -> Any:
    """sphinxcontrib-mermaid's per-page URL resolver (2.0.2+), or ``None`` (1.x to 2.0.1)."""
    resolve = getattr(sys.modules.get("sphinxcontrib.mermaid"), "_resolve_local_url", None)
    return resolve if callable(resolve) else None


def _copy_atomic(source: Path, target: Path) -> None:
    """Copy a file so that no reader (or parallel writer) ever sees half of it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    os.close(handle)
    try:
        shutil.copy(source, temporary)  # the source's mode too: mkstemp makes it 0600
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


@functools.cache
def _checksum(name: str) -> str:
    """What Sphinx appends as ``?v=`` to a local script, computed once per process."""
    content = (VENDORED_DIR / name.removeprefix("mermaid/")).read_bytes()
    return format(zlib.crc32(content.translate(None, b"\r")), "08x")


def _script_url(name: str, context: dict[str, Any]) -> str:
    """The page-relative URL of ``_static/<name>``, with its checksum, for ``add_js_file``.

    Sphinx would compute the checksum itself, but 8.1 reads the file again for every page
    (10 ms a page for the 3.5 MB Mermaid, 10 s at 1,000 incident pages); 9 caches it. A URL
    with ``://`` is taken as it is, so we hand over the finished one.
    """
    return f"{context['pathto']('_static/' + name, resource=True)}?v={_checksum(name)}{_VERBATIM}"


@dataclass
class _Plan:
    serve: bool = False  # the site configures nothing: the vendored bundle is used
    rewrite: bool = False  # 2.0.2+: replace the resolved import URL on each page
    elk_copied: bool = False
    configured: bool = False  # sphinxcontrib-mermaid's settings pointed at the bundle


def _point_at_the_bundle(config: Config, rewrite: bool) -> None:
    """Set sphinxcontrib-mermaid's settings to the bundle, as its page handler reads them.

    Done on the first page written, not at ``builder-inited``: Sphinx pickles the
    configuration with the environment before writing, and compares it with ``conf.py``'s
    at the next start, so settings changed earlier would print "The configuration has
    changed (... 'mermaid_use_local' ...)" on every build.
    """
    config.d3_use_local = _D3
    config.mermaid_include_elk = False  # 1.x: on by default, from the CDN
    config.mermaid_use_local = _SHIM if rewrite else SHIM_URL + _VERBATIM


def setup_mermaid_assets(app: Sphinx) -> None:
    """Register ``incidents_mermaid_local`` and serve the bundle when the site configures
    no Mermaid of its own (see the module docstring).

    Call this from the extension's ``setup()``; sphinxcontrib-mermaid must be set up.
    """
    if "incidents_mermaid_local" not in app.config:
        app.add_config_value("incidents_mermaid_local", True, "html", types=frozenset({bool}))
    plan = _Plan()

    def builder_inited(app: Sphinx) -> None:
        config = app.config
        if not config.incidents_mermaid_local or "mermaid_use_local" not in config:
            return
        settings = site_mermaid_settings(config)
        if settings:
            logger.info(
                "sphinx-incidents: conf.py configures sphinxcontrib-mermaid (%s); all "
                "diagrams use that configuration",
                ", ".join(settings),
            )
            return
        if not writes_browser_pages(app.builder):
            return
        if not (VENDORED_DIR / "mermaid.min.js").is_file():
            logger.warning(
                "incidents_mermaid_local: %s is missing, Mermaid will load from a CDN",
                VENDORED_DIR,
                type="incidents",
                subtype="mermaid",
            )
            return
        plan.serve = True
        plan.rewrite = _resolver() is not None
        copy_asset(
            VENDORED_DIR,
            Path(app.builder.outdir) / "_static" / "mermaid",
            excluded=lambda path: Path(path).parts[:1] == (_ELK_DIR,),
            force=True,
        )

    def add_scripts(
        app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
    ) -> None:
        """Before sphinxcontrib-mermaid's handler: the classic Mermaid (and ELK) scripts."""
        if not plan.serve:
            return
        if not plan.configured:
            _point_at_the_bundle(app.config, plan.rewrite)
            plan.configured = True
        from sphinxcontrib.mermaid import mermaid

        # sphinxcontrib-mermaid adds its script to pages without a doctree too (search, ...)
        codes = [str(n["code"]) for n in doctree.findall(mermaid)] if doctree else None
        if codes == []:
            return
        builder = app.builder
        assert isinstance(builder, StandaloneHTMLBuilder)
        builder.add_js_file(_script_url(_MERMAID, context), priority=_PRIORITY, defer="defer")
        if codes and any(_ELK_WORD.search(code) for code in codes):
            if not plan.elk_copied:
                for source in (VENDORED_DIR / _ELK_DIR).iterdir():
                    target = Path(builder.outdir) / "_static" / "mermaid" / _ELK_DIR
                    _copy_atomic(source, target / source.name)
                plan.elk_copied = True
            builder.add_js_file(_script_url(_ELK, context), priority=_PRIORITY, defer="defer")

    def rewrite_import(
        app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
    ) -> None:
        """After sphinxcontrib-mermaid's handler (2.0.2+): import the ``data:`` module."""
        resolve = _resolver()
        if not (plan.serve and plan.rewrite) or resolve is None:
            return
        resolved = json.dumps(resolve(_SHIM, context))
        wanted = json.dumps(SHIM_URL)
        scripts = context.get("script_files")
        if not isinstance(scripts, list):
            return
        for index, script in enumerate(scripts):
            attributes = getattr(script, "attributes", None)
            if not isinstance(attributes, dict):
                continue
            body = attributes.get("body")
            if isinstance(body, str) and resolved in body:
                changed = {**attributes, "body": body.replace(resolved, wanted)}
                scripts[index] = type(script)(script.filename, priority=script.priority, **changed)

    app.connect("builder-inited", builder_inited)
    app.connect("html-page-context", add_scripts, priority=_PRIORITY)
    app.connect("html-page-context", rewrite_import, priority=501)
