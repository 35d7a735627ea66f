"""Developer sessions: ``nox -s tests``, ``nox -s lint``, ``nox -s docs``,
``nox -s docs-internal``, ``nox -s fuzz``, ``nox -s live``, ``nox -s bench``.

``tests`` runs twice: against the newest releases we support and against the oldest
(Sphinx 8.1 with myst-parser 4 and sphinxcontrib-mermaid 1.0), because Openverse still
pins Sphinx 8 and the extension must work there too.

Sessions use the Python that runs nox (any supported version, 3.11 or newer), so the
README's Quickstart works with whatever ``python3`` a system has: pinning one version made
``nox`` fail on systems whose ``python3`` is another (Ubuntu 24.04 has 3.12).
"""

from __future__ import annotations

import os
import shutil

import nox

nox.options.sessions = ["tests", "lint", "docs"]
nox.options.reuse_existing_virtualenvs = True

OLDEST = ["sphinx==8.1.*", "myst-parser==4.0.*", "sphinxcontrib-mermaid==1.0.*"]
NEWEST = ["sphinx", "myst-parser", "sphinxcontrib-mermaid"]


@nox.session
@nox.parametrize("deps", [nox.param(NEWEST, id="newest"), nox.param(OLDEST, id="oldest")])
def tests(session: nox.Session, deps: list[str]) -> None:
    """Run the test suite; browser tests run in the newest session when Chromium exists."""
    session.install("-e", ".[test,browser]", *deps)
    args = list(session.posargs)
    if deps is OLDEST or not shutil.which("chromium"):
        args += ["-m", "not browser"]
    session.run("pytest", *args, env={"PYTHONHASHSEED": "0"})


FUZZ_BUDGETS = ("short", "default", "long")


@nox.session
def fuzz(session: nox.Session) -> None:
    """Fuzz check, the build and log with hypothesis (tests/fuzz/): random and hostile record
    bytes, file names, rosters, policies and log arguments; no input may raise.

    ``nox -s fuzz`` runs the default budget (about 3 minutes), ``nox -s fuzz -- short`` the
    one CI runs (under a minute), ``nox -s fuzz -- long`` 25 times the default (about an
    hour; before a release).  Other arguments go to pytest.
    """
    session.install("-e", ".[test]")
    args = list(session.posargs)
    budget = args.pop(0) if args and args[0] in FUZZ_BUDGETS else "default"
    session.run(
        "pytest",
        "--fuzz",
        "-m",
        "fuzz",
        "tests/fuzz",
        *args,
        env={"FUZZ_BUDGET": budget, "PYTHONHASHSEED": "0"},
    )


@nox.session
def lint(session: nox.Session) -> None:
    """ruff (style, imports, bugbear) and mypy --strict on the package."""
    session.install("-e", ".[lint,test]")
    session.run("ruff", "check", "sphinx_incidents", "tests", "bench", "noxfile.py")
    session.run("ruff", "format", "--check", "sphinx_incidents", "tests", "bench", "noxfile.py")
    session.run("mypy")


@nox.session
def docs(session: nox.Session) -> None:
    """Build our own site from scratch with -W, as CI and a fresh clone do."""
    session.install("-e", ".[docs]")
    out = os.path.join("docs", "_build", "html")
    shutil.rmtree(os.path.join("docs", "_build"), ignore_errors=True)
    session.run(
        "sphinx-build", "-W", "--keep-going", "-E", "-b", "html", "docs", out, *session.posargs
    )
    session.log(f"open {os.path.abspath(os.path.join(out, 'index.html'))}")


@nox.session(name="docs-internal")
def docs_internal(session: nox.Session) -> None:
    """The same site for the team: private records included, each marked as private
    (incidents_include_private), in docs/_build/internal.  Publish it only where the team
    can read it; the public site (``nox -s docs``) leaves them out entirely."""
    session.install("-e", ".[docs]")
    out = os.path.join("docs", "_build", "internal")
    shutil.rmtree(out, ignore_errors=True)
    session.run(
        "sphinx-build",
        "-W",
        "--keep-going",
        "-E",
        "-b",
        "html",
        "-D",
        "incidents_include_private=1",
        "docs",
        out,
        *session.posargs,
    )
    session.log(f"open {os.path.abspath(os.path.join(out, 'index.html'))}")


@nox.session
def live(session: nox.Session) -> None:
    """Preview the site while editing: sphinx-autobuild serves it on http://127.0.0.1:8000
    and rebuilds when a page in docs/ *or a record* in incident_records/ changes (it only
    watches the docs folder by itself).  The generated stubs (docs/incidents/) are ignored:
    the build that wrote them already shows them.  Extra arguments go to sphinx-autobuild
    (``nox -s live -- --port 0 --open-browser``).
    """
    session.install("-e", ".[docs]", "sphinx-autobuild")
    session.run(
        "sphinx-autobuild",
        "docs",
        os.path.join("docs", "_build", "html"),
        "--watch",
        "incident_records",
        "--ignore",
        os.path.join("docs", "incidents"),
        *session.posargs,
    )


def _sizes(posargs: list[str]) -> list[str]:
    """The ``--sizes``/``--count`` values among ``posargs`` (check_throughput takes only these)."""
    for flag in ("--sizes", "--count"):
        if flag in posargs:
            values = []
            for arg in posargs[posargs.index(flag) + 1 :]:
                if arg.startswith("-"):
                    break
                values.append(arg)
            return [flag, *values]
    return []


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks (see docs/benchmarks.md): Sphinx builds against plain MyST and sphinx-needs,
    then record checking.  ``nox -s bench -- --sizes 100 1000 5000`` chooses N; the other
    options (``--themes``, ``--nav``, ``--baseline-max-nav``, ``--no-needs``, ``--no-j2``,
    ``--output``, ``--keep``, ``--default-clock``) go to bench/build_bench.py only.  Writes
    the build table into docs/benchmarks.md.
    """
    session.install("-e", ".[docs]", "sphinx-needs")
    session.run("python", "bench/build_bench.py", *session.posargs)
    session.run("python", "bench/check_throughput.py", *_sizes(list(session.posargs)))
