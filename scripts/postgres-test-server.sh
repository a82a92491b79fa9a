#!/usr/bin/env bash
# A throwaway PostgreSQL server for huntbook's tests.
#
# Usage:
#   scripts/postgres-test-server.sh [start]   start (or reuse) the server; prints its URL
#   scripts/postgres-test-server.sh url       print the URL of a running server
#   scripts/postgres-test-server.sh stop      stop the server (the data directory stays)
#   scripts/postgres-test-server.sh clean     stop it and delete the data directory
#
#   export HUNTBOOK_TEST_PG_URL="$(scripts/postgres-test-server.sh)"
#   cargo test -p huntbook-data --test drivers_postgres
#
# The server listens on 127.0.0.1:${HUNTBOOK_PG_PORT:-55432} and a unix socket in its data
# directory ${HUNTBOOK_PG_DIR:-/tmp/huntbook-pg-<uid>}. It is started with fsync off and
# trusts local connections for the user `huntbook`; the role `huntbook_pw` (password
# `huntbook-pw`) must give a password, so tests can check authentication errors.
# Idempotent: a second call finds the running server and prints its URL at once. When
# PostgreSQL is missing it is installed with apt-get (as root). As root, the server runs as
# the `postgres` user (or `nobody`), since PostgreSQL refuses to run as root.
# Only the URL goes to stdout; progress goes to stderr.

set -euo pipefail

PORT="${HUNTBOOK_PG_PORT:-55432}"
STATE="${HUNTBOOK_PG_DIR:-${TMPDIR:-/tmp}/huntbook-pg-$(id -u)}"
DATA="$STATE/data"
LOG="$STATE/server.log"
DB=huntbook_test
URL="postgresql://huntbook@127.0.0.1:$PORT/$DB"

say() { echo "postgres-test-server: $*" >&2; }

find_bin() {
    local dir
    dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [[ -z "$dir" ]] && command -v pg_config >/dev/null; then
        dir="$(pg_config --bindir)"
    fi
    [[ -n "$dir" && -x "$dir/initdb" ]] && echo "$dir"
}

install_postgres() {
    if [[ "$(id -u)" != 0 ]]; then
        say "PostgreSQL is not installed and this is not root; install the postgresql package"
        exit 1
    fi
    say "installing PostgreSQL with apt-get"
    apt-get install -y postgresql >&2 || { apt-get update >&2 && apt-get install -y postgresql >&2; }
}

# Runs a command as the server's user: ourselves, or postgres/nobody when we are root.
as_owner() {
    if [[ "$(id -u)" != 0 ]]; then
        "$@"
    else
        runuser -u "$OWNER" -- "$@"
    fi
}

pick_owner() {
    OWNER="$(id -un)"
    if [[ "$(id -u)" == 0 ]]; then
        if id postgres >/dev/null 2>&1; then OWNER=postgres; else OWNER=nobody; fi
    fi
}

running() {
    [[ -f "$DATA/postmaster.pid" ]] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

init_cluster() {
    say "creating a cluster in $DATA"
    mkdir -p "$STATE"
    chmod 755 "$STATE"
    [[ "$(id -u)" == 0 ]] && chown "$OWNER" "$STATE"
    as_owner "$BIN/initdb" -D "$DATA" -U huntbook -A trust -E UTF8 --locale=C --no-sync >&2
    # Password role first: pg_hba takes the first matching line.
    local hba="$DATA/pg_hba.conf"
    as_owner sh -c "{ echo 'host all huntbook_pw 127.0.0.1/32 scram-sha-256';
                      echo 'local all huntbook_pw scram-sha-256'; cat '$hba'; } > '$hba.new' \
                    && mv '$hba.new' '$hba'"
}

start_server() {
    say "starting on 127.0.0.1:$PORT"
    as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 30 \
        -o "-p $PORT -k $STATE -c listen_addresses=127.0.0.1 -c fsync=off \
            -c synchronous_commit=off -c full_page_writes=off" start >&2 || {
        say "the server did not start; its log says:"
        tail -n 20 "$LOG" >&2 || true
        exit 1
    }
}

prepare_database() {
    local psql=("$BIN/psql" -h 127.0.0.1 -p "$PORT" -U huntbook -v ON_ERROR_STOP=1 -qtA)
    if [[ "$("${psql[@]}" -d postgres -c "select 1 from pg_database where datname = '$DB'")" != 1 ]]; then
        "${psql[@]}" -d postgres -c "create database $DB" >&2
    fi
    "${psql[@]}" -d postgres -c "do \$\$ begin
        if not exists (select from pg_roles where rolname = 'huntbook_pw') then
            create role huntbook_pw login password 'huntbook-pw';
        end if; end \$\$" >&2
}

main() {
    local command="${1:-start}"
    pick_owner
    BIN="$(find_bin || true)"
    case "$command" in
        url)
            [[ -n "$BIN" ]] && running && { echo "$URL"; exit 0; }
            say "not running"; exit 1 ;;
        stop)
            [[ -n "$BIN" ]] && running && as_owner "$BIN/pg_ctl" -D "$DATA" -m fast stop >&2
            exit 0 ;;
        clean)
            [[ -n "$BIN" ]] && running && as_owner "$BIN/pg_ctl" -D "$DATA" -m fast stop >&2
            rm -rf "$STATE"; exit 0 ;;
        start) ;;
        *) say "unknown command $command; use start, url, stop or clean"; exit 2 ;;
    esac

    if [[ -z "$BIN" ]]; then
        install_postgres
        BIN="$(find_bin)" || { say "initdb not found after installing"; exit 1; }
    fi
    if ! running; then
        [[ -f "$DATA/PG_VERSION" ]] || init_cluster
        start_server
    fi
    prepare_database
    echo "$URL"
}

main "$@"
