project = "views"
extensions = ["myst_parser", "sphinx_incidents"]
incidents_dir = "records"
incidents_now = "2024-06-01T00:00:00Z"
exclude_patterns = ["_build", "records"]
html_baseurl = "https://views.example.org/"
