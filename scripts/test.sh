#!/usr/bin/env bash
# Runs the whole test suite. Uses DATABASE_URL/REDIS_URL/KAFKA_BROKERS when configured (env or
# .env); otherwise starts the local services itself. Extra arguments go to `deno test`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/env.sh
[ -d node_modules ] || deno install
load_env
if uses_local_services; then
  bash scripts/services.sh up
  load_env
fi
bash scripts/migrate.sh up >/dev/null
exec deno test --allow-all "${@:-tests/}"
