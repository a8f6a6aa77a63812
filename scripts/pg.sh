# Shared by scripts/test.sh and scripts/bench.sh (sourced, not run): a
# throw-away PostgreSQL server on a free port of 127.0.0.1, in a temporary
# directory, stopped and removed by pg_cleanup.
#
# initdb refuses to run as root: the server then runs as the postgres OS user,
# from its own directory, which that user can read.
#
#   pg_start PREFIX [server options...]   sets PG_BIN, PG_DIR, PG_PORT, PG_STARTED;
#                                          returns 1 with a message on stderr
#   pg_cleanup                            stops the server and removes PG_DIR

PG_DIR=""
PG_BIN=""
PG_PORT=""
PG_STARTED=0

is_root() { [ "$(id -u)" -eq 0 ]; }

# Newest installed PostgreSQL, e.g. /usr/lib/postgresql/16/bin (empty if none).
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

pg_start() {
    local prefix=$1
    shift
    PG_BIN=$(newest_pg_bin)
    if [ -z "$PG_BIN" ]; then
        echo "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb)." >&2
        return 1
    fi
    if is_root && ! id postgres >/dev/null 2>&1; then
        echo "running as root but there is no 'postgres' OS user to run the server." >&2
        return 1
    fi
    PG_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/$prefix.XXXXXX")
    mkdir "$PG_DIR/sock"
    if is_root; then
        chown -R postgres: "$PG_DIR"
    fi
    local initdb_opts=(-D "$PG_DIR/data" -U postgres --auth=trust -E UTF8)
    if ! as_pg "$PG_BIN/initdb" "${initdb_opts[@]}" --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1; then
        echo "initdb with locale C.UTF-8 failed; retrying with locale C." >&2
        as_pg rm -rf "$PG_DIR/data"
        if ! as_pg "$PG_BIN/initdb" "${initdb_opts[@]}" --locale=C >"$PG_DIR/initdb.log" 2>&1; then
            cat "$PG_DIR/initdb.log" >&2
            echo "initdb failed." >&2
            return 1
        fi
    fi
    PG_STARTED=1 # from here on, pg_cleanup tries to stop the server
    local options="-c listen_addresses=127.0.0.1 -p $PG_PORT -k $PG_DIR/sock"
    local extra
    for extra in "$@"; do
        options+=" -c $extra"
    done
    if ! as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/log" -w start -o "$options" >/dev/null; then
        cat "$PG_DIR/log" >&2 || true
        echo "the PostgreSQL server did not start." >&2
        return 1
    fi
}

pg_cleanup() {
    if [ "$PG_STARTED" -eq 1 ]; then
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1 ||
            printf 'WARNING: could not stop the PostgreSQL server in %s\n' "$PG_DIR" >&2
    fi
    if [ -n "$PG_DIR" ]; then
        rm -rf "$PG_DIR"
    fi
}
