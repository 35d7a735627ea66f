"""The Sphinx-free core: policy, records, validation, analytics.

Public entry points:

- :func:`sphinx_incidents.core.policy.load_policy`
- :func:`sphinx_incidents.core.check.check_paths` / :func:`check_directory`
- :mod:`sphinx_incidents.core.analytics`
"""
