# Everyday commands. `make run` starts the application with demo data,
# `make test` runs everything CI runs (scripts/test.sh), `make bench` prints
# the benchmark figures (scripts/bench.sh).

PY     := .venv/bin/python
RUFF   := .venv/bin/ruff
# pip reinstalls only when pyproject.toml is newer than this stamp.
STAMP  := .venv/.installed

.PHONY: venv run test lint bench clean

venv: $(STAMP)
	@:

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

# A local .env with a fresh secret key and demo password, written once and
# never overwritten: the settings read it from the project root
# (django-environ); a DEMO_PASSWORD in the environment takes precedence.
.env:
	@umask 077 && printf 'SECRET_KEY=%s\nDEBUG=true\nDEMO_PASSWORD=%s\n' \
		"$$(python3 -c 'import secrets; print(secrets.token_urlsafe(50)[:50])')" \
		"$$(python3 -c 'import secrets; print(secrets.token_urlsafe(9))')" > $@
	@echo "Created $@ with a new SECRET_KEY, DEBUG=true and a DEMO_PASSWORD."

# Every step is idempotent, so running `make run` twice is harmless.
# DEMO_PASSWORD, if set, reaches dati_demo through the environment.
run: venv .env
	$(PY) manage.py migrate --noinput
	$(PY) manage.py carica_accordo
	$(PY) manage.py dati_demo
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py runserver 127.0.0.1:8000

# Extra pytest arguments: make test ARGS='-k rules'
test:
	bash scripts/test.sh $(ARGS)

# Benchmark figures (scripts/bench.sh): SQLite, plus a throw-away PostgreSQL
# for the concurrency figure. Extra arguments: make bench ARGS='--json bench.json'
bench:
	bash scripts/bench.sh $(ARGS)

lint: venv
	$(RUFF) check .
	$(RUFF) format --check .

clean:
	rm -rf .venv .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
