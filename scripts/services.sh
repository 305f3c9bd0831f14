#!/usr/bin/env bash
# Starts (up) or stops (down) real PostgreSQL, Redis and Apache Kafka on loopback, with their
# data under .data/ in the repo. Idempotent: `up` leaves running services alone; `down` stops
# only what `up` started (tracked by the pid files and data dirs under .data/).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/env.sh
# Ports may come from the environment or .env (for example a second checkout beside this one).
load_env
root=$PWD
data=$root/.data
PG_PORT=${ORDER_SERVICE_PG_PORT:-55432}
REDIS_PORT=${ORDER_SERVICE_REDIS_PORT:-56379}
KAFKA_PORT=${ORDER_SERVICE_KAFKA_PORT:-59092}
KAFKA_CONTROLLER_PORT=$((KAFKA_PORT + 1))
KAFKA_VERSION=4.1.1
cache=${ORDER_SERVICE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/order-service}
kafka_libs=$cache/kafka-$KAFKA_VERSION/libs

# A process that exited but was not reaped yet (a zombie: our daemons are re-parented to an init
# that may reap late) still answers `kill -0`; it must count as stopped, or `up` would skip it.
pid_alive() {
  local state
  state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
  [ -n "$state" ] && [ "$state" != Z ]
}

log() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] error: %s\n' "$*" >&2; exit 1; }

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

ensure_packages() {
  local missing=()
  [ -n "$(pg_bin)" ] || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
  [ -d "$kafka_libs" ] || command -v mvn >/dev/null || missing+=(maven)
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing ${missing[*]} with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null && apt-get install -y -q "${missing[@]}" >/dev/null; }
    # Debian's packages start their own system instances; ours run on other ports, so stop them.
    service redis-server stop >/dev/null 2>&1 || true
  else
    die "missing: ${missing[*]}. Install them (Debian/Ubuntu: sudo apt-get install ${missing[*]}) and rerun."
  fi
}

# Prometheus (for the metrics test and local dashboards): Debian's package, without its
# recommended node exporter. The tests start their own instance; the system one stays off.
ensure_prometheus() {
  command -v prometheus >/dev/null && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing prometheus with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q --no-install-recommends prometheus >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends prometheus >/dev/null; }
    service prometheus stop >/dev/null 2>&1 || true
  else
    die "missing: prometheus. Install it (Debian/Ubuntu: sudo apt-get install prometheus) and rerun."
  fi
}

# PostgreSQL refuses to run as root, so as root it runs as the `postgres` system user.
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

pg_up() {
  local bin; bin=$(pg_bin)
  mkdir -p "$data/run"
  if [ ! -f "$data/pg/PG_VERSION" ]; then
    log "initialising PostgreSQL in .data/pg"
    mkdir -p "$data/pg"
    [ "$(id -u)" = 0 ] && chown postgres "$data/pg" "$data/run"
    as_pg "$bin/initdb" -D "$data/pg" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
  fi
  [ "$(id -u)" = 0 ] && chown postgres "$data/run"
  if ! as_pg "$bin/pg_ctl" -D "$data/pg" status >/dev/null 2>&1; then
    as_pg "$bin/pg_ctl" -D "$data/pg" -l "$data/run/postgres.log" -w -t 60 start \
      -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -k $data/run -c max_connections=200 -c fsync=off -c synchronous_commit=off" >/dev/null
  fi
  local psql=("$bin/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -v ON_ERROR_STOP=1 -qtA)
  if [ "$("${psql[@]}" -c "select 1 from pg_roles where rolname='order_service'")" != 1 ]; then
    "${psql[@]}" -c "create role order_service login password 'order_service'"
  fi
  if [ "$("${psql[@]}" -c "select 1 from pg_database where datname='order_service'")" != 1 ]; then
    "${psql[@]}" -c "create database order_service owner order_service"
  fi
}

redis_up() {
  mkdir -p "$data/redis" "$data/run"
  if [ -f "$data/run/redis.pid" ] && pid_alive "$(cat "$data/run/redis.pid")"; then return 0; fi
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --dir "$data/redis" \
    --pidfile "$data/run/redis.pid" --logfile "$data/run/redis.log" --save "" --appendonly no
  for _ in $(seq 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return 0; sleep 0.1; done
  die "redis did not start; see .data/run/redis.log"
}

kafka_fetch() {
  [ -d "$kafka_libs" ] && return 0
  log "downloading Apache Kafka $KAFKA_VERSION jars from Maven Central into $kafka_libs"
  mvn -q -B -f scripts/kafka/pom.xml dependency:copy-dependencies \
    -DoutputDirectory="$kafka_libs.tmp" -DincludeScope=runtime >&2
  mv "$kafka_libs.tmp" "$kafka_libs"
}

kafka_up() {
  local dir=$data/kafka props=$data/kafka/server.properties
  mkdir -p "$dir/logs" "$data/run"
  if [ -f "$data/run/kafka.pid" ] && pid_alive "$(cat "$data/run/kafka.pid")"; then return 0; fi
  kafka_fetch
  cat >"$props" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$dir/data
num.partitions=3
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=3
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
EOF
  local java_opts=(-Xms256m -Xmx512m -Dkafka.logs.dir="$dir/logs"
    -Dlog4j2.configurationFile="$root/scripts/kafka/log4j2.properties" -cp "$kafka_libs/*")
  if [ ! -f "$dir/data/meta.properties" ]; then
    java "${java_opts[@]}" kafka.tools.StorageTool format -t "$(java "${java_opts[@]}" \
      kafka.tools.StorageTool random-uuid)" -c "$props" >/dev/null
  fi
  nohup java "${java_opts[@]}" kafka.Kafka "$props" >"$dir/logs/stdout.log" 2>&1 &
  echo $! >"$data/run/kafka.pid"
  for _ in $(seq 600); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$KAFKA_PORT") 2>/dev/null; then return 0; fi
    pid_alive "$(cat "$data/run/kafka.pid")" || die "kafka exited; see .data/kafka/logs"
    sleep 0.1
  done
  die "kafka did not open port $KAFKA_PORT; see .data/kafka/logs"
}

stop_pidfile() {
  local name=$1 file=$data/run/$1.pid pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  if pid_alive "$pid"; then
    log "stopping $name"
    kill -TERM "$pid"
    for _ in $(seq 300); do pid_alive "$pid" || break; sleep 0.1; done
    pid_alive "$pid" && kill -KILL "$pid"
  fi
  rm -f "$file"
}

env_file() {
  cat >"$data/services.env" <<EOF
DATABASE_URL=postgres://order_service:order_service@127.0.0.1:$PG_PORT/order_service?sslmode=disable
REDIS_URL=redis://127.0.0.1:$REDIS_PORT/0
KAFKA_BROKERS=127.0.0.1:$KAFKA_PORT
EOF
}

case "${1:-}" in
up)
  ensure_packages
  ensure_prometheus
  pg_up
  redis_up
  kafka_up
  env_file
  # create-topics runs kafkajs, so the patches/ fixes must be in node_modules first.
  [ -d node_modules ] || deno install >&2
  patch_deps >&2
  deno run --allow-net --allow-env --allow-read --allow-sys api/cli/create-topics.ts "127.0.0.1:$KAFKA_PORT" >&2
  log "running:"
  sed 's/^/  /' "$data/services.env"
  ;;
down)
  stop_pidfile kafka
  stop_pidfile redis
  if [ -f "$data/pg/PG_VERSION" ] && as_pg "$(pg_bin)/pg_ctl" -D "$data/pg" status >/dev/null 2>&1; then
    log "stopping postgres"
    as_pg "$(pg_bin)/pg_ctl" -D "$data/pg" -m fast -w stop >/dev/null
  fi
  ;;
*) die "usage: scripts/services.sh up|down" ;;
esac
