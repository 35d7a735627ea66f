"""The ``sphinx-incidents`` command line (see :mod:`sphinx_incidents.cli.main`)."""
