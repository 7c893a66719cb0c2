# Two commands set up a fresh machine (see README):
#   make run    install if needed, build the index if there is none, serve the chat page
#   make test   install if needed (Python deps, Debian chromium), lint, run the tests
PY      := .venv/bin/python
STAMP   := .venv/.installed

.PHONY: run test install index bench

$(STAMP): pyproject.toml
	python3 -m venv .venv
	# The CPU build of torch first and pinned in the same resolve: plain `torch` pulls CUDA.
	.venv/bin/pip install -q torch==2.13.0
	.venv/bin/pip install -q torch==2.13.0 -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	.venv/bin/brief-bot serve

index: $(STAMP)
	.venv/bin/brief-bot index

test: $(STAMP)
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; }
	.venv/bin/ruff check src ui tests benchmarks scripts
	.venv/bin/pytest -q --durations=10

bench: $(STAMP)
	$(PY) benchmarks/bench_index.py
	$(PY) benchmarks/bench_ask.py
	$(PY) benchmarks/bench_web.py
