"""Section headings: what the chunk table stores as a path ("Outcomes > Elections") and the
label that names an enumerated section ("Message 2", "Route 4", "One-pager 3")."""

from __future__ import annotations

import re

# "Message 2", "Route 4", "One-pager 3": the label of an enumerated section's heading.
SECTION_LABEL = re.compile(r"^[A-Za-z][\w'-]*(?:\s+[A-Za-z][\w'-]*)?\s+\d{1,2}\b(?=\s*[:.-])")
