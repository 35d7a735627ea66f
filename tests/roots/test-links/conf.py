project = "links"
extensions = ["myst_parser", "sphinx_incidents"]
myst_enable_extensions = ["linkify"]
myst_heading_anchors = 2
incidents_dir = "records"
incidents_now = "2024-06-01T00:00:00Z"
exclude_patterns = ["_build", "records"]
html_baseurl = "https://links.example.org/"
