"""The chat page (Gradio) for brief-bot: `ui.app` lays it out and serves it, `ui.page` holds its
handlers, `ui.render` turns answers into safe HTML, `ui.uploads` saves and indexes new files."""

import os

from brief_bot.config import force_offline

# Before any module here imports gradio: no hub, no analytics.
force_offline()
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
# Gradio rebuilds a pandas summary of every past event after each event, for its API page's
# timings (local, not telemetry): a cost that grows with the server's age. Every 1,000 events
# over the last 1,000 is plenty.
os.environ.setdefault("GRADIO_ANALYTICS_CACHE_FREQUENCY", "1000")
os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "1000")

