#!/usr/bin/env bash
# A throwaway PostgreSQL for the tests, on a free loopback port, in a directory of its own.
#   scripts/postgres.sh start DIR   initdb (as the `postgres` system user when run as root: initdb
#                                   refuses root), start, create user `aegis` (password `aegis`) and
#                                   database `aegis`; prints `export AEGIS_TEST_POSTGRES_URL=…`
#   scripts/postgres.sh restart DIR fast shutdown and start again, same port (the scale-out tests)
#   scripts/postgres.sh stop DIR    fast shutdown
# Installs Debian's postgresql when no server binaries are found. Durability settings are off
# (fsync, synchronous_commit): the tests check the registry's logic, not PostgreSQL's disk.
set -euo pipefail

action="${1:?usage: postgres.sh start|restart|stop DIR}"
dir="${2:?usage: postgres.sh start|restart|stop DIR}"

bindir() {
    local found
    found="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
    if [ -z "$found" ]; then
        echo "postgres.sh: installing Debian's postgresql" >&2
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >/dev/null
        found="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
    fi
    echo "$found"
}

# Runs a server binary as the owner of the data directory.
as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$action" in
start)
    bin="$(bindir)"
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    echo aegis >"$dir/pwfile"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir/pwfile"
    as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 --pwfile="$dir/pwfile" \
        --encoding=UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o \
        "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
        >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    as_owner "$bin/psql" -h "$dir" -p "$port" -U postgres -q -v ON_ERROR_STOP=1 \
        -c "CREATE USER aegis PASSWORD 'aegis'" -c "CREATE DATABASE aegis OWNER aegis" >/dev/null
    echo "$port" >"$dir/port"
    echo "export AEGIS_TEST_POSTGRES_URL=postgres://aegis:aegis@127.0.0.1:$port/aegis"
    ;;
restart)
    as_owner "$(bindir)/pg_ctl" -D "$dir/data" -l "$dir/server.log" -m fast -w -t 60 restart >/dev/null
    ;;
stop)
    [ -d "$dir/data" ] || exit 0
    as_owner "$(bindir)/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
*)
    echo "usage: postgres.sh start|restart|stop DIR" >&2
    exit 2
    ;;
esac
