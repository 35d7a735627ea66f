project = "mermaid"
extensions = ["myst_parser", "sphinx_incidents"]
myst_fence_as_directive = ["mermaid"]  # ```mermaid fences, as many MyST sites write them
incidents_dir = "records"
incidents_now = "2024-06-01T00:00:00Z"
exclude_patterns = ["_build", "records"]
html_baseurl = "https://mermaid.example.org/"
