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

.PHONY: install install-dev run test lint migrate seed collectstatic clean bench soak wrk messages

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

# Benchmarks and fault tests (not part of `make test`): figures and timings go to
# benchmarks/README.md. The web benchmarks and the fault tests make their own databases next to
# DATABASE_URL's and use Redis databases 4-7 of REDIS_URL's server; the outbox benchmark uses a
# database and a Redis database of its own, which it empties: BENCH_DATABASE_URL, BENCH_REDIS_URL;
# here with 10,000 messages, so the whole of `make bench` stays near 10 minutes. Loopback only.
bench: install-dev wrk
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(BIN)/python benchmarks/web.py
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(BIN)/python benchmarks/dashboard.py
	$(BIN)/python benchmarks/outbox.py --messages 10000 --concurrency 4
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(BIN)/python benchmarks/import_bench.py

soak: install-dev
	DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(TEST_REDIS_URL)} \
		$(BIN)/python benchmarks/soak.py

# wrk is the load for `make bench`: Debian's package, installed when missing (as .ci/run does for chromium).
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
		echo "installing Debian's wrk for the benchmarks"; \
		if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
		$$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }

# The catalogues: gather the converted paths' strings into locale/<code>/LC_MESSAGES/django.po
# (needs GNU gettext's xgettext), then, once translated, compile the .mo files that are committed:
# with Babel's compiler (requirements.txt), or GNU msgfmt where Babel is missing.
messages: install
	$(BIN)/python manage.py update_catalogues
	$(MAKE) compile-messages

compile-messages:
	@if [ -x $(BIN)/pybabel ]; then $(BIN)/pybabel compile -d locale -D django --statistics; \
	else $(BIN)/python manage.py compilemessages --ignore=.venv --ignore=var; fi

collectstatic: install
	$(BIN)/python manage.py collectstatic --noinput

clean:
	rm -rf $(VENV) var/broker var/cache var/mailbox
