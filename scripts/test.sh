#!/usr/bin/env bash
# Runs the whole test suite. Uses DATABASE_URL/REDIS_URL/KAFKA_BROKERS when configured (env or
# .env); otherwise starts the local services itself. Extra arguments go to `deno test`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/env.sh
prepare_local
exec deno test --allow-all "${@:-tests/}"
