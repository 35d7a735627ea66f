"""Generated incident pages link to their record, like written pages link to their source.

A theme builds "Edit this page" and "View source" from the page name and the project's
repository settings: ``<repository>/edit/<branch>/<docs folder>/<page>.rst``.  For an
incident page that file is our generated stub, which is git-ignored and exists nowhere
but in the build's checkout.  So, for each incident page (``html-page-context``, after the
theme's own handler), the same settings are turned into links to the record's YAML file,
wherever the records folder is in the repository:

- furo and other ``sphinx-basic-ng`` themes: ``source_repository`` / ``source_branch`` /
  ``source_directory`` or ``source_edit_link`` / ``source_view_link``
  (``html_theme_options``), and Read the Docs' ``html_context`` on furo;
- sphinx-rtd-theme: ``display_github`` (or ``_gitlab``, ``_bitbucket``) with
  ``github_user`` / ``github_repo`` / ``github_version`` / ``conf_py_path``
  (``html_context``), through the page's ``github_url`` metadata, which the theme honours;
- pydata-sphinx-theme: ``use_edit_page_button`` with ``github_user`` / ``github_repo`` /
  ``github_version`` / ``doc_path`` (or GitLab, Bitbucket, ``edit_page_url_template``).

A link that cannot be made (a records folder outside the repository) is hidden rather than
left pointing at the stub, and so are the edit links of the generated index and year
pages, which have no file of their own.  "View source" without a repository
(``_sources/...``) shows the record itself: the build copies it there, under the page's
name with a ``.yaml`` suffix.
"""

from __future__ import annotations

import os
import posixpath
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from sphinx.application import Sphinx

from sphinx_incidents.core.model import Incident
from sphinx_incidents.sphinxext.privacy import redact_copy
from sphinx_incidents.sphinxext.state import IncidentsState, get_state

HIDE = ""


def _relative(path: str | Path, start: str | Path) -> str:
    """``path`` relative to ``start``, with ``/`` separators (``..`` where needed)."""
    return Path(os.path.relpath(Path(path).resolve(), Path(start).resolve())).as_posix()


def _join(folder: str, relative: str) -> str | None:
    """The repository path of a file ``relative`` to ``folder`` (itself relative to the
    repository root), or ``None`` when it lies outside the repository."""
    joined = posixpath.normpath(posixpath.join(folder.strip("/") or ".", relative))
    if joined == ".." or joined.startswith("../") or joined.startswith("/"):
        return None
    return joined


def _normalise_url(url: str) -> str:
    """Resolve ``..`` in a URL's path (a link template filled with a relative file name)."""
    parts = urlsplit(url)
    if "/." not in parts.path:
        return url
    path = posixpath.normpath(parts.path) + ("/" if parts.path.endswith("/") else "")
    return urlunsplit(parts._replace(path=path))


def _braces(url: str) -> str:
    """``url`` as a ``str.format`` template that gives back ``url`` (basic-ng formats it)."""
    return url.replace("{", "{{").replace("}", "}}")


# --- furo and other sphinx-basic-ng themes ----------------------------------------------------


def _basic_ng_link(context: dict[str, Any], kind: str, relative: str) -> str | None:
    """What ``basic-ng``'s ``determine_page_{edit,view}_link`` gives for the record."""
    template = context.get(f"theme_source_{kind}_link")
    if template:
        return _normalise_url(str(template).format(filename=relative))
    repo = str(context.get("theme_source_repository") or "").rstrip("/")
    branch = str(context.get("theme_source_branch") or "")
    if not repo or not branch:
        return None
    path = _join(str(context.get("theme_source_directory") or ""), relative)
    if path is None:
        return None
    for prefix, edit, view in _BASIC_NG:
        if repo.startswith(prefix):
            return (edit if kind == "edit" else view).format(repo=repo, branch=branch, path=path)
    return None


_BASIC_NG = (
    # repository prefix, edit link, view link: as sphinx-basic-ng writes them
    (
        "https://github.com/",
        "{repo}/edit/{branch}/{path}",
        "{repo}/blob/{branch}/{path}?plain=true",
    ),
    ("https://gitlab.com/", "{repo}/-/edit/{branch}/{path}", "{repo}/blob/{branch}/{path}"),
    (
        "https://bitbucket.org/",
        "{repo}/src/{branch}/{path}?mode=edit&at={branch}",
        "{repo}/src/{branch}/{path}",
    ),
)


def _read_the_docs_link(context: dict[str, Any], kind: str, relative_to_conf: str) -> str | None:
    """The link furo builds from Read the Docs' ``html_context`` (GitHub only)."""
    if not context.get("READTHEDOCS"):
        return None
    user, repo = context.get("github_user"), context.get("github_repo")
    version = context.get("github_version")
    if user in (None, "None") or repo in (None, "None") or not version:
        return None
    path = _join(str(context.get("conf_py_path") or ""), relative_to_conf)
    if path is None:
        return None
    mode = "edit" if kind == "edit" else "blob"
    return f"https://github.com/{user}/{repo}/{mode}/{version}/{path}" + (
        "?plain=true" if kind == "view" else ""
    )


def _basic_ng(context: dict[str, Any], relative: str, relative_to_conf: str) -> None:
    if "theme_source_repository" not in context and "theme_source_edit_link" not in context:
        return  # not a basic-ng theme
    for kind in ("edit", "view"):
        link = _basic_ng_link(context, kind, relative) or _read_the_docs_link(
            context, kind, relative_to_conf
        )
        context[f"theme_source_{kind}_link"] = _braces(link) if link else HIDE
    if not context["theme_source_edit_link"]:
        # nothing to link to: no fallback to the stub's path either
        context["theme_source_repository"] = HIDE
        context["READTHEDOCS"] = False


# --- sphinx-rtd-theme --------------------------------------------------------------------------

_RTD = {
    # provider: (host setting, default host, default view mode)
    "github": ("github_host", "github.com", "blob"),
    "gitlab": ("gitlab_host", "gitlab.com", "blob"),
    "bitbucket": ("", "bitbucket.org", "view"),
}


def _rtd(context: dict[str, Any], relative_to_conf: str) -> None:
    """sphinx-rtd-theme takes a page's ``<provider>_url`` metadata as its link."""
    for provider, (host_key, default_host, default_mode) in _RTD.items():
        if not context.get(f"display_{provider}"):
            continue
        user = context.get(f"{provider}_user")
        repo = context.get(f"{provider}_repo")
        version = context.get(f"{provider}_version")
        path = _join(str(context.get("conf_py_path") or ""), relative_to_conf)
        if not (user and repo and version) or path is None:
            context[f"display_{provider}"] = False  # "View page source" shows the record
            return
        host = (context.get(host_key) if host_key else None) or default_host
        mode = context.get("theme_vcs_pageview_mode") or default_mode
        if provider == "bitbucket":
            url = f"https://{host}/{user}/{repo}/src/{version}/{path}?mode={mode}"
        else:
            url = f"https://{host}/{user}/{repo}/{mode}/{version}/{path}"
        context["meta"] = {**(context.get("meta") or {}), f"{provider}_url": url}
        return


# --- pydata-sphinx-theme -----------------------------------------------------------------------

_PYDATA = (
    # the settings, the provider, its default address, the link after it
    ("bitbucket", "Bitbucket", "https://bitbucket.org", "src/{version}/{path}?mode=edit"),
    ("github", "GitHub", "https://github.com", "edit/{version}/{path}"),
    ("gitlab", "GitLab", "https://gitlab.com", "-/edit/{version}/{path}"),
)


def _pydata_link(context: dict[str, Any], relative: str) -> tuple[str, str] | None:
    """What pydata-sphinx-theme's ``get_edit_provider_and_url`` gives for the record."""
    doc_path = str(context.get("doc_path") or "")
    template = context.get("edit_page_url_template")
    if template:
        import jinja2

        values = {**context, "doc_path": doc_path.rstrip("/") + "/" if doc_path else ""}
        url = jinja2.Template(str(template)).render(**values, file_name=relative)
        return str(context.get("edit_page_provider_name") or ""), _normalise_url(url)
    path = _join(doc_path, relative)
    if path is None:
        return None
    for key, provider, default, tail in _PYDATA:
        user, repo, version = (context.get(f"{key}_{part}") for part in ("user", "repo", "version"))
        if any(value in (None, "None") for value in (user, repo, version)):
            continue
        base = context.get(f"{key}_url") or default
        return provider, f"{base}/{user}/{repo}/" + tail.format(version=version, path=path)
    return None


def _pydata(context: dict[str, Any], relative: str) -> None:
    original = context.get("get_edit_provider_and_url")
    if not callable(original) or not context.get("theme_use_edit_page_button"):
        return
    link = _pydata_link(context, relative)
    if link is None:
        context["theme_use_edit_page_button"] = False
        return
    context["get_edit_provider_and_url"] = _returning(link)


def _returning(link: tuple[str, str]) -> Callable[[], tuple[str, str]]:
    return lambda: link


# --- hiding, for the generated index -----------------------------------------------------------


def _hide_edit_links(context: dict[str, Any]) -> None:
    if "theme_source_edit_link" in context or "theme_source_repository" in context:
        context["theme_source_edit_link"] = HIDE
        context["theme_source_view_link"] = HIDE
        context["theme_source_repository"] = HIDE
        context["READTHEDOCS"] = False
    context["display_vcs_links"] = False
    context["theme_use_edit_page_button"] = False
    context["sourcename"] = ""  # its source is a stub, not a file of the repository


# --- the event handlers ------------------------------------------------------------------------


INDEX = "index"


YEAR_PAGE = re.compile(r"[0-9]{4}/index")


def _generated_page(state: IncidentsState, pagename: str) -> Incident | str | None:
    """The incident a generated page shows, ``INDEX`` for the generated index and the year
    pages (no file of their own), or ``None`` for any other page."""
    pages = state.config.pages
    if not pages or not pagename.startswith(pages + "/"):
        return None
    name = pagename[len(pages) + 1 :]
    return INDEX if name == INDEX or YEAR_PAGE.fullmatch(name) else state.by_id.get(name)


def source_name(app: Sphinx, pagename: str) -> str:
    """Where ``_sources/`` holds a copy of an incident's record (as ``html_copy_source``
    does for written pages): the page name with ``.yaml`` and ``html_sourcelink_suffix``."""
    suffix = app.config.html_sourcelink_suffix
    return f"{pagename}.yaml" + ("" if suffix == ".yaml" else suffix)


def page_context(
    app: Sphinx, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    incident = _generated_page(get_state(app), pagename)
    if incident is None:
        return
    if isinstance(incident, str):
        _hide_edit_links(context)
        return
    relative = _relative(incident.path, app.srcdir)
    relative_to_conf = _relative(incident.path, app.confdir)
    _basic_ng(context, relative, relative_to_conf)
    _rtd(context, relative_to_conf)
    _pydata(context, relative)
    if context.get("sourcename"):
        context["sourcename"] = source_name(app, pagename)


def copy_records(app: Sphinx, exception: Exception | None) -> None:
    """Put each record where its page's "View source" link points (``_sources/``).

    Sphinx copies the page's stub there when it writes the page, so the record goes over it
    after every build that wrote pages; a copy already in place (same size, not older than
    the record) is left alone, so a no-change rebuild writes nothing.
    """
    if exception is not None or app.builder.format != "html" or app.builder.name == "singlehtml":
        return  # singlehtml: one page, no incident page of its own
    if not (getattr(app.builder, "copysource", False) and app.config.html_copy_source):
        return
    state = get_state(app)
    if not state.config.pages or not hasattr(app.builder, "get_target_uri"):
        return
    sources = Path(app.outdir) / "_sources"
    if not sources.is_dir():
        return
    hidden = sorted(state.hidden_ids)
    for incident in state.incidents:
        target = sources / source_name(app, f"{state.config.pages}/{incident.id}")
        record = Path(incident.path)
        if hidden and redact_copy(record, target, hidden):
            continue  # it names a private incident: the copy does not
        try:
            wanted = record.stat()
            have = target.stat()
            if have.st_size == wanted.st_size and have.st_mtime_ns >= wanted.st_mtime_ns:
                continue
        except FileNotFoundError:
            pass
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(record, target)
        except OSError:  # the record went away during the build: its page is gone next time
            continue


def setup_source_links(app: Sphinx) -> None:
    # after the themes' own handlers (pydata-sphinx-theme sets its edit link function at 500)
    app.connect("html-page-context", page_context, priority=900)
    app.connect("build-finished", copy_records)
