# Two commands: `make run` (setup + serve) and `make test` (setup + every test).
HOST ?= 127.0.0.1
PORT ?= 8000
PY := .venv/bin/python

.PHONY: setup run test bench clean

setup:
	@bash scripts/setup.sh

run: setup
	$(PY) -m daphne -b $(HOST) -p $(PORT) visualizer.project.asgi:application

test: setup
	@rc=0; $(PY) -m pytest $(PYTEST_ARGS) || rc=$$?; echo $$rc > .pytest-rc; \
	js=0; node --test tests/js/ || js=$$?; \
	if [ $$rc -ne 0 ]; then exit $$rc; fi; exit $$js

bench: setup
	$(PY) bench/run.py
	$(PY) bench/capacity.py
	$(PY) bench/burst.py
	$(PY) bench/workshop.py

clean:
	rm -rf .venv db.sqlite3 test-artifacts
