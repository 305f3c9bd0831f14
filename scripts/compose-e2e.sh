#!/usr/bin/env bash
# deno task compose:e2e: brings the real compose stack (compose.yaml) up and checks it end to
# end, through the port it publishes on 127.0.0.1 and from inside the compose network
# (`docker compose exec`). Prints one table row per check (pass/FAIL and a figure) and exits
# non-zero on any failure. Images compose.yaml names that cannot be pulled are replaced by
# stand-ins built here (scripts/compose-e2e/standins.sh, docs/deployment.md).
# Engine: a running Docker daemon; without one, under CI=true or COMPOSE_E2E_START_ENGINE=1,
# Debian's dockerd is installed and started for the run (scripts/compose-e2e/engine.sh).
# The project is named order-service-e2e, so it never touches a stack you run yourself.
# COMPOSE_E2E_KEEP=1 leaves the stack running at the end, to look at it.
set -euo pipefail
cd "$(dirname "$0")/.."
export NO_COLOR=1
source scripts/lib/env.sh
log() { printf '[compose-e2e] %s\n' "$*" >&2; }
die() { printf '[compose-e2e] error: %s\n' "$*" >&2; exit 1; }
source scripts/lib/deploy-tools.sh
source scripts/compose-e2e/standins.sh
source scripts/compose-e2e/engine.sh
source scripts/compose-e2e/stack.sh
source scripts/compose-e2e/checks-basic.sh
source scripts/compose-e2e/checks-faults.sh
source scripts/compose-e2e/checks-observability.sh

started=$(date +%s)
finish() {
  local status=$?
  if [ "${COMPOSE_E2E_KEEP:-}" = 1 ]; then
    log "COMPOSE_E2E_KEEP=1: the stack stays up (docker compose -p $project ... down -v to remove it)"
  else
    stack_down_all
    stop_started_engine
  fi
  print_table
  log "finished in $(($(date +%s) - started)) s"
  [ "$status" = 0 ] && [ "$failures" = 0 ] || exit 1
}
trap finish EXIT

ensure_engine
ensure_compose_cli
prepare_images
row "engine and images" pass "Docker $(docker version -f '{{.Server.Version}}'), $("${compose_cli[@]}" version --short 2>/dev/null | sed 's/^/Compose /'); stand-ins for ${#standins_used[@]} images that could not be pulled (${standins_used[*]:-none})"
stack_configure
stack_down_all # leftovers of an interrupted run

# Each check adds its rows; a stack that does not start leaves nothing else to check.
check_clean_start || exit 1
check_api_flow
check_worker_once
check_event_record
check_users
check_startup_logs
check_faults
check_restart_policy
check_scale
check_restart_with_data
check_observability
check_cleanup
