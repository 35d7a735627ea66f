project = "backbone"
extensions = ["myst_parser", "sphinx_incidents"]
incidents_dir = "records"
incidents_policy = "policy.yaml"
incidents_now = "2024-06-01T00:00:00Z"
suppress_warnings = ["incidents.inc044"]
exclude_patterns = ["_build", "records"]
html_baseurl = "https://backbone.example.org/docs/"
