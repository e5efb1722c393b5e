#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests (issue 14), run as an unprivileged user.
#
#   eval "$(.ci/postgres.sh start)"   # installs PostgreSQL from Debian packages if it is missing, starts a
#                                     # cluster in a temp dir on 127.0.0.1:<free port> with trust auth and
#                                     # prints `export TEST_DATABASE_URL=... LABQC_PG_DIR=...`
#   .ci/postgres.sh stop              # stops the cluster of $LABQC_PG_DIR and deletes its directory
#
# Throwaway means fast, not durable: fsync, synchronous_commit and full_page_writes are off.
# Everything it reports goes to stderr; stdout carries only the export line.
set -euo pipefail

log() { echo "[postgres.sh] $*" >&2; }

pg_bindir() {
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  if [ -n "$d" ] && [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
  return 1
}

# run a command as the cluster's owner: root cannot run PostgreSQL, any other user runs it as itself
as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u "$PG_USER" -- "$@"; else "$@"; fi
}

start() {
  local bindir
  if ! bindir=$(pg_bindir); then
    log "PostgreSQL is not installed: apt-get install postgresql"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql >&2
    bindir=$(pg_bindir)
  fi
  PG_USER=$(id -un)
  if [ "$(id -u)" = 0 ]; then
    PG_USER=labqc-pg
    id -u "$PG_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$PG_USER"
  fi
  local dir port
  dir=$(mktemp -d /tmp/labqc-pg.XXXXXX)
  chmod 700 "$dir"
  [ "$(id -u)" = 0 ] && chown "$PG_USER" "$dir"
  port=$(node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
  as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
  as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
  as_owner "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres labqc
  echo "$PG_USER" >"$dir/owner"
  log "$("$bindir/postgres" --version) started at 127.0.0.1:$port (data in $dir, user $PG_USER)"
  echo "export TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$port/labqc LABQC_PG_DIR=$dir"
}

stop() {
  local dir=${LABQC_PG_DIR:-${1:-}} bindir
  if [ -z "$dir" ] || [ ! -d "$dir" ]; then return 0; fi
  PG_USER=$(cat "$dir/owner" 2>/dev/null || id -un)
  if bindir=$(pg_bindir) && [ -f "$dir/data/postmaster.pid" ]; then
    as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
  fi
  rm -rf "$dir"
  log "stopped and removed $dir"
}

case "${1:-}" in
  start) start ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 start | stop [dir]" >&2; exit 2 ;;
esac
