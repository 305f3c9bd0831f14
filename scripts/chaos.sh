#!/usr/bin/env bash
# `deno task chaos`: runs every infrastructure fault under load against this checkout's own
# PostgreSQL, Redis and Kafka (started and migrated here like the bench does), bounded to
# 10 minutes. Prints a table, writes bench/results/chaos-latest.md, exits 1 on a lost order,
# a duplicate effect, another 5xx or a dead process. Arguments filter faults by name.
# It stops, freezes and restarts the local services: do not point it at shared ones.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/env.sh
prepare_local
if ! uses_local_services; then
  echo "[chaos] error: DATABASE_URL is not this checkout's local PostgreSQL; the suite breaks the services it runs against, so it only runs on the local ones" >&2
  exit 1
fi
# -A: the harness spawns the API and workers, signals the services and reads /proc.
exec deno run -A bench/chaos/main.ts "$@"
