"""What makes a file name an incident id, whatever the policy's ``id_pattern`` says.

The id is the record's file name, a Sphinx document name, a file name of the build output
(``<id>.html``, ``<id>.rst.txt``, ``.<id>.rst.tmp``), an HTML anchor and a word on the command
line.  So beyond the policy's pattern, which a team may loosen, every id must:

- match in full (``re.fullmatch``: with ``re.match``, ``$`` accepts a trailing newline);
- use only letters, digits, ``-``, ``_`` and ``.``, starting and ending with a letter or
  digit: nothing that means something in reStructuredText, HTML, a shell or a path;
- have at most :data:`MAX_ID_LENGTH` characters, which leaves room in the 255 bytes a file
  name may have for ``.<id>.yaml.XXXXXXXX.tmp``, the temporary name ``log`` writes.
"""

from __future__ import annotations

import re
from datetime import date

from sphinx_incidents.core.policy import Policy
from sphinx_incidents.core.safetext import printable

MAX_ID_LENGTH = 200
SAFE_ID_RE = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?")
ID_HINT = "name it YYYY-MM-DD-slug.yaml, lowercase, e.g. 2024-03-01-api-search-timeouts.yaml"


def id_problem(incident_id: str, policy: Policy) -> tuple[str, str] | None:
    """``(message, hint)`` when ``incident_id`` is not a valid id, else None."""
    shown = printable(incident_id, 80)
    if len(incident_id) > MAX_ID_LENGTH:
        return (
            f"incident id '{shown}' is {len(incident_id)} characters long; "
            f"the limit is {MAX_ID_LENGTH}",
            "shorten the slug: the id becomes file and page names, which have a length limit",
        )
    if not SAFE_ID_RE.fullmatch(incident_id):
        return (
            f"file name '{shown}' is not a valid incident id",
            "an id has only letters, digits, '-', '_' and '.', and starts and ends with a "
            "letter or digit; " + ID_HINT,
        )
    if not policy.id_regex.fullmatch(incident_id):
        return f"file name '{shown}' is not a valid incident id", ID_HINT
    if incident_id[:4].isdigit():
        try:
            date.fromisoformat(incident_id[:10])
        except ValueError:
            return (
                f"'{incident_id[:10]}' in the file name is not a real date",
                "the id starts with the day the incident was detected",
            )
    return None
