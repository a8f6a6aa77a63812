#!/usr/bin/env bash
# Everything CI checks, in order: system packages, virtualenv, ruff, the test
# suite on SQLite, then the same suite on a throw-away PostgreSQL server.
#
#   scripts/test.sh [pytest arguments]     e.g. scripts/test.sh -k rules
#
#   SKIP_APT=1  do not install missing system packages
#   SKIP_PG=1   skip the PostgreSQL phase
#
# Exits non-zero as soon as a phase fails.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

PYTEST_ARGS=("$@")
# shellcheck source=scripts/pg.sh
. scripts/pg.sh

header() { printf '\n== %s ==\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die() {
    printf 'ERROR: %s\n' "$*" >&2
    exit 1
}
cleanup() {
    local rc=$?
    pg_cleanup
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# pytest with the test settings; DATABASE_URL comes from the caller (unset
# means SQLite). Exit code 5 (nothing collected) is a failure: the suite
# must exist.
run_pytest() {
    local label=$1 rc=0
    shift
    DJANGO_SETTINGS_MODULE=config.settings.test \
        .venv/bin/pytest -q -p no:cacheprovider "$@" ${PYTEST_ARGS[@]+"${PYTEST_ARGS[@]}"} || rc=$?
    case $rc in
        0) ;;
        5) die "pytest on $label collected no tests: the test suite must exist." ;;
        *)
            printf 'ERROR: pytest on %s failed (exit code %s).\n' "$label" "$rc" >&2
            exit "$rc"
            ;;
    esac
}

# True while another apt/dpkg process holds (or is about to take) the locks.
apt_busy() {
    command -v pgrep >/dev/null || return 1
    local name
    for name in apt apt-get dpkg unattended-upgr; do
        pgrep -x "$name" >/dev/null && return 0
    done
    return 1
}

# Wait (at most 10 minutes) for another apt/dpkg run to finish.
wait_for_apt() {
    local waited=0
    while apt_busy; do
        [ "$waited" -eq 0 ] && echo "Waiting for another apt/dpkg process to finish..."
        [ "$waited" -ge 600 ] && die "apt/dpkg still busy after 10 minutes."
        sleep 5
        waited=$((waited + 5))
    done
}

# --- a. system packages ------------------------------------------------------
missing=()
[ -n "$(newest_pg_bin)" ] || missing+=(postgresql)
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
[ -x /usr/bin/chromium ] || missing+=(chromium)

if [ ${#missing[@]} -gt 0 ]; then
    header "system packages: ${missing[*]}"
    if [ "${SKIP_APT:-0}" = 1 ]; then
        warn "SKIP_APT=1: not installing ${missing[*]}; tests that need them will skip."
    elif ! is_root; then
        warn "not root: cannot install ${missing[*]}; tests that need them will skip."
    else
        export DEBIAN_FRONTEND=noninteractive
        wait_for_apt
        apt-get -o DPkg::Lock::Timeout=600 update -qq
        apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}"
    fi
fi

# --- b. virtualenv -----------------------------------------------------------
header "virtualenv"
make --no-print-directory venv

# --- c. lint -----------------------------------------------------------------
header "ruff check"
.venv/bin/ruff check .
header "ruff format --check"
.venv/bin/ruff format --check .

# --- d. tests on SQLite ------------------------------------------------------
unset DATABASE_URL
header "pytest on SQLite"
run_pytest SQLite

# --- e. the pages that show "today", on another day ---------------------------
# Every test runs on a fixed day (tests/conftest.py); the browser and dashboard
# tests (marker `date`) must pass on any day, so they run again with the
# clock inside the first tranche, when nothing has ended yet.
OGGI_SECONDO_GIRO=${OGGI_SECONDO_GIRO:-2024-11-15}
header "pytest on SQLite, browser and dashboard tests on $OGGI_SECONDO_GIRO"
run_pytest "SQLite on $OGGI_SECONDO_GIRO" -m date --oggi "$OGGI_SECONDO_GIRO"

# --- f. tests on PostgreSQL --------------------------------------------------
if [ "${SKIP_PG:-0}" = 1 ]; then
    header "pytest on PostgreSQL: skipped (SKIP_PG=1)"
    exit 0
fi

if [ -z "$(newest_pg_bin)" ]; then
    # As root we just tried to install it, so its absence is an error.
    is_root && die "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)."
    warn "PostgreSQL is not installed: skipping the PostgreSQL phase."
    exit 0
fi
# Tests need no durability: the server is thrown away.
pg_start pgtest fsync=off synchronous_commit=off full_page_writes=off ||
    die "could not start PostgreSQL for the tests."
header "PostgreSQL $(basename "$(dirname "$PG_BIN")") on 127.0.0.1:$PG_PORT"

# pytest-django creates (and drops) the test_postgres database itself.
export DATABASE_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
# The browser tests (pages, CSP, accessibility, journeys) look at what the
# server renders, which does not depend on the database: they run once, on
# SQLite, to keep CI within its time.
header "pytest on PostgreSQL (browser tests ran on SQLite)"
run_pytest PostgreSQL -m "not browser"

header "all checks passed"
