#!/usr/bin/env bash
# The services the tests talk to: PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379.
# Each is checked; a stopped one is started, a missing one installed from Debian's packages.
# SeaweedFS is started by the test session itself (tests/plugins/seaweedfs.py).
set -euo pipefail

PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
REDIS_PORT=${REDIS_PORT:-6379}
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

apt_install() {
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "$@"
}

wait_for() {  # wait_for NAME COMMAND...
  local name=$1; shift
  for _ in $(seq 1 60); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  echo "error: $name did not come up" >&2
  return 1
}

pg_up() { pg_isready -q -h "$PGHOST" -p "$PGPORT"; }

if ! command -v pg_isready >/dev/null || ! pg_up; then
  if ! command -v pg_ctlcluster >/dev/null; then
    echo "PostgreSQL is not installed: installing it"
    apt_install postgresql
    # A throw-away test server: let the postgres role in over loopback without a password.
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    hba=/etc/postgresql/$version/main/pg_hba.conf
    "${sudo_cmd[@]}" sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' "$hba"
    "${sudo_cmd[@]}" pg_ctlcluster --skip-systemctl-redirect "$version" main restart || true
  fi
  if ! pg_up; then
    echo "PostgreSQL is not answering on $PGHOST:$PGPORT: starting it"
    version=$(ls /etc/postgresql | sort -V | tail -n 1)
    "${sudo_cmd[@]}" pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  fi
  wait_for PostgreSQL pg_up
fi
# The tests connect as postgres over TCP without a password (trust), as on the CI machines.
if ! psql -h "$PGHOST" -p "$PGPORT" -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1; then
  echo "error: cannot connect to PostgreSQL at $PGHOST:$PGPORT as postgres" >&2
  echo "       (the tests need the postgres role with trust auth on 127.0.0.1)" >&2
  exit 1
fi

redis_up() { redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping | grep -q PONG; }

if ! command -v redis-server >/dev/null; then
  echo "Redis is not installed: installing it"
  apt_install redis-server
fi
if ! redis_up 2>/dev/null; then
  echo "Redis is not answering on 127.0.0.1:$REDIS_PORT: starting it"
  mkdir -p /tmp/careers-tv-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" \
    --appendonly no --dir /tmp/careers-tv-redis --logfile /tmp/careers-tv-redis/redis.log
  wait_for Redis redis_up
fi
echo "services: PostgreSQL and Redis are up"
