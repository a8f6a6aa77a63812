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
PG_DIR=""
PG_BIN=""
PG_STARTED=0

warn() { printf 'WARNING: %s\n' "$*" >&2; }
die() {
    printf 'ERROR: %s\n' "$*" >&2
    exit 1
}
is_root() { [ "$(id -u)" -eq 0 ]; }

newest_pg_bin() {
    local dir
    dir=$(compgen -G '/usr/lib/postgresql/*/bin/initdb' | sort -V | tail -n 1 || true)
    [ -n "$dir" ] && dirname "$dir"
    return 0
}

as_pg() {
    if is_root; then
        (cd "$PG_DIR" && runuser -u postgres -- "$@")
    else
        (cd "$PG_DIR" && "$@")
    fi
}

cleanup() {
    local rc=$?
    if [ "$PG_STARTED" -eq 1 ]; then
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 ||
            warn "could not stop the PostgreSQL server in $PG_DIR"
    fi
    if [ -n "$PG_DIR" ]; then
        rm -rf "$PG_DIR"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Starts the server and exports BENCH_POSTGRES_URL; returns non-zero (with a
# warning) when it cannot, and the benchmark then skips the figure.
start_postgres() {
    PG_BIN=$(newest_pg_bin)
    if [ -z "$PG_BIN" ] && is_root && [ "${SKIP_APT:-0}" != 1 ]; then
        echo "Installing postgresql (apt-get)..." >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get -o DPkg::Lock::Timeout=600 update -qq >&2
        apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends postgresql >&2
        PG_BIN=$(newest_pg_bin)
    fi
    if [ -z "$PG_BIN" ]; then
        warn "PostgreSQL is not installed: the concurrency figure is skipped."
        return 1
    fi
    if is_root && ! id postgres >/dev/null 2>&1; then
        warn "running as root but there is no 'postgres' OS user: the concurrency figure is skipped."
        return 1
    fi
    local port
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pgbench.XXXXXX")
    mkdir "$PG_DIR/sock"
    if is_root; then
        chown -R postgres: "$PG_DIR"
    fi
    local initdb_opts=(-D "$PG_DIR/data" -U postgres --auth=trust -E UTF8)
    if ! as_pg "$PG_BIN/initdb" "${initdb_opts[@]}" --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1; then
        as_pg rm -rf "$PG_DIR/data"
        if ! as_pg "$PG_BIN/initdb" "${initdb_opts[@]}" --locale=C >"$PG_DIR/initdb.log" 2>&1; then
            cat "$PG_DIR/initdb.log" >&2
            warn "initdb failed: the concurrency figure is skipped."
            return 1
        fi
    fi
    PG_STARTED=1
    # Durable settings (fsync, synchronous_commit) are left on: the figure
    # compares the locked service with plain inserts, both paying for commits.
    if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w start \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_DIR/sock" >/dev/null; then
        cat "$PG_DIR/log" >&2 || true
        warn "the PostgreSQL server did not start: the concurrency figure is skipped."
        return 1
    fi
    export BENCH_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
    echo "PostgreSQL $(basename "$(dirname "$PG_BIN")") on 127.0.0.1:$port" >&2
}

make --no-print-directory venv >&2

if [ "${SKIP_PG:-0}" = 1 ]; then
    warn "SKIP_PG=1: the concurrency figure is skipped."
    unset BENCH_POSTGRES_URL
else
    start_postgres || unset BENCH_POSTGRES_URL
fi

DJANGO_SETTINGS_MODULE=bench.settings .venv/bin/python manage.py bench ${BENCH_ARGS[@]+"${BENCH_ARGS[@]}"}
