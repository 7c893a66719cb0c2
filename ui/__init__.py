"""The chat page (Gradio) for brief-bot: `ui.app` lays it out and serves it, `ui.page` holds its
handlers, `ui.render` turns answers into safe HTML, `ui.uploads` saves and indexes new files."""
