# Two commands set up a fresh machine (see README):
#   make run    install if needed, build the index if there is none, serve the chat page
#   make test   install if needed (Python deps, Debian chromium, axe-core), lint, run the tests
PY      := .venv/bin/python
STAMP   := .venv/.installed

.PHONY: run test install index bench axe

$(STAMP): pyproject.toml
	@echo "==> Installing brief-bot into .venv: Python packages from PyPI, about 3 minutes the first time (pip's progress below)"
	python3 -m venv .venv
	@echo "==> 1/2: torch, the CPU build (pinned: plain torch would pull several GB of CUDA)"
	.venv/bin/pip install --progress-bar on torch==2.13.0
	@echo "==> 2/2: brief-bot and what it uses (sentence-transformers, chromadb, gradio, slack_bolt, ...)"
	.venv/bin/pip install --progress-bar on torch==2.13.0 -e '.[dev]'
	touch $(STAMP)
	@echo "==> Installed."

install: $(STAMP)

run: $(STAMP)
	@echo "==> Serving the chat page on http://127.0.0.1:7860 (or BRIEF_BOT_HOST/PORT); the first time, the index is built first (about a minute)."
	@echo "==> This stays in the foreground; press Ctrl-C to stop it."
	.venv/bin/brief-bot serve

index: $(STAMP)
	.venv/bin/brief-bot index

# axe-core (the accessibility engine the browser tests inject) from the npm registry, checked
# against its published integrity and cached outside the repository (~/.cache/brief-bot/npm).
axe: $(STAMP)
	@$(PY) -c 'from tests.test_browser import axe_source, AXE_CACHE; axe_source(); print("==> axe-core in", AXE_CACHE)'

test: $(STAMP)
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "==> Installing Debian chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; }
	@$(MAKE) --no-print-directory axe
	.venv/bin/ruff check src ui tests benchmarks scripts
	.venv/bin/pytest -q --durations=10

bench: $(STAMP)
	$(PY) benchmarks/bench_index.py
	$(PY) benchmarks/bench_ask.py
	$(PY) benchmarks/bench_web.py
