# The commands the README names. Everything is installed into .venv by these targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME := $(VENV)/.runtime-installed
DEV := $(VENV)/.dev-installed

# `make test` runs against the real services: PostgreSQL and Redis on this machine
# unless DATABASE_URL / REDIS_URL say otherwise.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/societas
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: install install-dev run test lint migrate seed collectstatic clean bench

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Societas needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(RUNTIME): requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(DEV): requirements.txt requirements-dev.txt $(RUNTIME)
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(RUNTIME)
install-dev: $(DEV)

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	@test -f var/demo-seeded || ($(BIN)/python manage.py seed_demo && touch var/demo-seeded)

run: seed
	$(BIN)/honcho -f Procfile.dev start

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test: lint
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(BIN)/pytest

# Benchmarks (not part of `make test`): figures go to benchmarks/README.md. They use a
# database and a Redis database of their own, which they empty: BENCH_DATABASE_URL, BENCH_REDIS_URL.
bench: install-dev
	$(BIN)/python benchmarks/outbox.py

collectstatic: install
	$(BIN)/python manage.py collectstatic --noinput

clean:
	rm -rf $(VENV) var/broker var/cache var/mailbox
