#!/usr/bin/env bash
# What `make bench` runs: the benchmark report of `manage.py bench`, with a
# throw-away PostgreSQL server for the concurrency figure.
#
#   scripts/bench.sh [manage.py bench arguments]    e.g. scripts/bench.sh --json bench.json
#
#   SKIP_APT=1  do not install PostgreSQL when missing (the figure is then skipped)
#   SKIP_PG=1   do not start PostgreSQL (the figure is skipped)
#
# The server is started like scripts/test.sh does: on a free port of
# 127.0.0.1, in a temporary data directory (as the postgres OS user when run
# as root, since initdb refuses root), and stopped and removed at the end.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

BENCH_ARGS=("$@")
# shellcheck source=scripts/pg.sh
. scripts/pg.sh

warn() { printf 'WARNING: %s\n' "$*" >&2; }
cleanup() {
    local rc=$?
    pg_cleanup
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Starts the server and exports BENCH_POSTGRES_URL; returns non-zero (with a
# warning) when it cannot, and the benchmark then skips the figure.
start_postgres() {
    if [ -z "$(newest_pg_bin)" ] && is_root && [ "${SKIP_APT:-0}" != 1 ]; then
        echo "Installing postgresql (apt-get)..." >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
        apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends postgresql >&2
    fi
    # Durable settings (fsync, synchronous_commit) are left on: the figure
    # compares the locked service with plain inserts, both paying for commits.
    if ! pg_start pgbench; then
        warn "no PostgreSQL server: the PostgreSQL figures are skipped."
        return 1
    fi
    export BENCH_POSTGRES_URL="postgres://postgres@127.0.0.1:$PG_PORT/postgres"
    echo "PostgreSQL $(basename "$(dirname "$PG_BIN")") on 127.0.0.1:$PG_PORT" >&2
}

make --no-print-directory venv >&2

if [ "${SKIP_PG:-0}" = 1 ]; then
    warn "SKIP_PG=1: the concurrency figure is skipped."
    unset BENCH_POSTGRES_URL
else
    start_postgres || unset BENCH_POSTGRES_URL
fi

DJANGO_SETTINGS_MODULE=bench.settings .venv/bin/python manage.py bench ${BENCH_ARGS[@]+"${BENCH_ARGS[@]}"}
