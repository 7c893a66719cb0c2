"""Offline at run time: no model hub, no telemetry, no analytics.

`go_offline()` is called once where a program starts (the `brief-bot` command, the chat page's
and the Slack relay's launchers, the test and benchmark harnesses); the processes they start
inherit it. Importing any module of brief-bot changes nothing in the environment. The one other
caller is the embedding model's lazy loader, for a program that uses the library directly: it
is where a hub would otherwise be reached. Chroma's telemetry and Gradio's analytics are also
switched off in their own settings (`anonymized_telemetry=False`, `analytics_enabled=False`).
"""

from __future__ import annotations

import os

OFFLINE_ENV = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "ANONYMIZED_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "TOKENIZERS_PARALLELISM": "false",
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
    "TRANSFORMERS_VERBOSITY": "error",
}


def go_offline() -> None:
    """Set the offline switches (a value the user set already stands)."""
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
