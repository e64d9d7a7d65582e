#!/usr/bin/env bash
# Servers for the tests, from the OS packages, on loopback and free ports. Sourced by eng/test.sh;
# also usable by hand:  source eng/services.sh && start_test_services  (and stop_test_services after).
#
# Each suite that needs a server reads its address from the environment, so the same tests run against
# servers a developer started by hand (set the variable and nothing is started for it):
#   FEAST_TEST_REDIS           host:port of a single redis-server
#   FEAST_TEST_REDIS_CLUSTER   host:port,host:port,host:port of a 3-master Redis Cluster
#   FEAST_TEST_POSTGRES        an Npgsql connection string to a superuser of a throwaway PostgreSQL
# A suite whose variable is unset fails with a message naming it (tests are never silently skipped).

FEAST_SERVICES_DIR=""

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
    || echo $((20000 + RANDOM % 20000))
}

# Installs Debian packages when a command is missing (CI machines start with only the .NET SDK).
ensure_package() {
  local command="$1" package="$2"
  if command -v "$command" >/dev/null 2>&1; then return 0; fi
  echo "services: installing $package (no $command on PATH)"
  local sudo=""
  if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
  $sudo apt-get update -qq >/dev/null 2>&1 || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$package" >/dev/null 2>&1 \
    || { echo "services: could not install $package; install it, or set the FEAST_TEST_* variables to servers you started" >&2; return 1; }
  # Debian's package may start its own instance; the tests use their own on free ports.
  $sudo service redis-server stop >/dev/null 2>&1 || true
}

# node and npm (Debian's), which eng/build-ui.sh needs to bundle Feast's web UI.
ensure_node() {
  ensure_package node nodejs || return 1
  ensure_package npm npm
}

# Debian's Chromium, which the browser tests of the web UI drive (Playwright with no browser download).
FEAST_CHROMIUM="${FEAST_CHROMIUM:-/usr/lib/chromium/chromium}"
ensure_chromium() {
  if [[ -x "$FEAST_CHROMIUM" ]]; then return 0; fi
  ensure_package chromium chromium || return 1
  [[ -x "$FEAST_CHROMIUM" ]] || { echo "services: no Chromium at $FEAST_CHROMIUM after installing it" >&2; return 1; }
}

# Podman for the container image (eng/image.sh) and the tests that run it (test/Feast.Deploy.Tests), installed from
# Debian when missing, with the two settings this kind of VM needs (a hard nofile cap of 20000 that podman's default
# ulimits exceed, and crun refusing a hybrid cgroup layout) in a containers.conf of its own, and the image storage in
# a folder of its own, so nothing of the machine's podman setup is touched. Sets CONTAINERS_CONF,
# CONTAINERS_STORAGE_CONF and CONTAINERS_REGISTRIES_CONF (each only when unset) for everything started after it.
#   FEAST_CONTAINERS_DIR   the folder (default ~/.cache/feast-containers): configuration, image storage, base rootfs
ensure_podman() {
  ensure_package podman podman || return 1
  ensure_package runc runc || return 1
  ensure_package mmdebstrap mmdebstrap || return 1
  ensure_package docker-registry docker-registry || return 1
  local dir="${FEAST_CONTAINERS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/feast-containers}"
  mkdir -p "$dir/storage" "$dir/run"
  export FEAST_CONTAINERS_DIR="$dir"
  if [[ -z "${CONTAINERS_CONF:-}" ]]; then
    cat >"$dir/containers.conf" <<CONF
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
CONF
    export CONTAINERS_CONF="$dir/containers.conf"
  fi
  if [[ -z "${CONTAINERS_STORAGE_CONF:-}" ]]; then
    cat >"$dir/storage.conf" <<CONF
[storage]
driver = "overlay"
graphroot = "$dir/storage"
runroot = "$dir/run"
CONF
    export CONTAINERS_STORAGE_CONF="$dir/storage.conf"
  fi
  if [[ -z "${CONTAINERS_REGISTRIES_CONF:-}" ]]; then
    # No outside registry: short names are not looked up anywhere, and the loopback registry needs no TLS.
    cat >"$dir/registries.conf" <<CONF
unqualified-search-registries = []
[[registry]]
location = "localhost"
insecure = true
CONF
    export CONTAINERS_REGISTRIES_CONF="$dir/registries.conf"
  fi
  podman info >"$dir/podman-info.log" 2>&1 \
    || { echo "services: podman cannot run here (podman info failed):" >&2; tail -n 5 "$dir/podman-info.log" >&2; return 1; }
}

wait_for() {
  local what="$1"; shift
  for _ in $(seq 1 100); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "services: $what did not come up" >&2
  return 1
}

start_redis() {
  ensure_package redis-server redis-server || return 1
  local dir="$FEAST_SERVICES_DIR/redis"
  mkdir -p "$dir"
  if [[ -z "${FEAST_TEST_REDIS:-}" ]]; then
    local port; port="$(free_port)"
    mkdir -p "$dir/single"
    redis-server --bind 127.0.0.1 --port "$port" --daemonize yes --save "" --appendonly no \
      --dir "$dir/single" --pidfile "$dir/single/redis.pid" --logfile "$dir/single/redis.log" >/dev/null
    wait_for "redis-server on $port" redis-cli -p "$port" ping || return 1
    export FEAST_TEST_REDIS="127.0.0.1:$port"
    FEAST_STARTED_REDIS_PORTS="$port"
  fi
  if [[ -z "${FEAST_TEST_REDIS_CLUSTER:-}" ]]; then
    local ports=() nodes=()
    for i in 1 2 3; do
      local port; port="$(free_port)"
      # Cluster nodes also listen on port+10000 for the bus; pick again when that is out of range.
      while (( port + 10000 > 65535 )); do port="$(free_port)"; done
      mkdir -p "$dir/node$i"
      redis-server --bind 127.0.0.1 --port "$port" --daemonize yes --save "" --appendonly no \
        --cluster-enabled yes --cluster-config-file "$dir/node$i/nodes.conf" --cluster-node-timeout 5000 \
        --dir "$dir/node$i" --pidfile "$dir/node$i/redis.pid" --logfile "$dir/node$i/redis.log" >/dev/null
      ports+=("$port"); nodes+=("127.0.0.1:$port")
    done
    for port in "${ports[@]}"; do wait_for "redis cluster node on $port" redis-cli -p "$port" ping || return 1; done
    redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 --cluster-yes >"$dir/cluster-create.log" 2>&1 \
      || { echo "services: redis-cli --cluster create failed:" >&2; cat "$dir/cluster-create.log" >&2; return 1; }
    wait_for "redis cluster state ok" bash -c "redis-cli -p ${ports[0]} cluster info | grep -q cluster_state:ok" || return 1
    export FEAST_TEST_REDIS_CLUSTER
    FEAST_TEST_REDIS_CLUSTER="$(IFS=,; echo "${nodes[*]}")"
    FEAST_STARTED_REDIS_PORTS="${FEAST_STARTED_REDIS_PORTS:-} ${ports[*]}"
  fi
}

start_postgres() {
  if [[ -n "${FEAST_TEST_POSTGRES:-}" ]]; then return 0; fi
  local bin
  bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [[ -z "$bin" ]]; then
    ensure_package psql postgresql || return 1
    bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
  fi
  local dir="$FEAST_SERVICES_DIR/postgres" port; port="$(free_port)"
  mkdir -p "$dir"
  local run=()
  # initdb refuses to run as root: run the cluster as the postgres user the package creates.
  if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
    chown postgres "$dir"
    chmod 755 "$FEAST_SERVICES_DIR"
    run=(runuser -u postgres --)
  fi
  "${run[@]}" "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
    || { echo "services: initdb failed:" >&2; cat "$dir/initdb.log" >&2; return 1; }
  "${run[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
    start >/dev/null \
    || { echo "services: postgres failed to start:" >&2; cat "$dir/postgres.log" >&2; return 1; }
  FEAST_STARTED_POSTGRES="$bin/pg_ctl -D $dir/data"
  export FEAST_TEST_POSTGRES="Host=127.0.0.1;Port=$port;Username=postgres;Password=postgres;Database=postgres"
}

start_test_services() {
  FEAST_SERVICES_DIR="$(mktemp -d /tmp/feast-services.XXXXXX)"
  start_redis || return 1
  start_postgres || return 1
  echo "services: redis ${FEAST_TEST_REDIS}, redis cluster ${FEAST_TEST_REDIS_CLUSTER}, postgres on ${FEAST_TEST_POSTGRES#*Port=}" | sed 's/;.*//'
}

stop_test_services() {
  local port
  for port in ${FEAST_STARTED_REDIS_PORTS:-}; do
    redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || true
  done
  if [[ -n "${FEAST_STARTED_POSTGRES:-}" ]]; then
    local run=()
    if [[ $(id -u) -eq 0 ]]; then run=(runuser -u postgres --); fi
    # shellcheck disable=SC2086
    "${run[@]}" $FEAST_STARTED_POSTGRES -m immediate stop >/dev/null 2>&1 || true
  fi
  if [[ -n "$FEAST_SERVICES_DIR" ]]; then rm -rf "$FEAST_SERVICES_DIR"; fi
  FEAST_STARTED_REDIS_PORTS="" FEAST_STARTED_POSTGRES="" FEAST_SERVICES_DIR=""
}
