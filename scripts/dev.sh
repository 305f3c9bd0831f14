#!/usr/bin/env bash
# One command for local development: starts the local services (unless DATABASE_URL is
# configured), migrates, and runs the API in watch mode on http://localhost:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/env.sh
prepare_local
export APP_ENV=${APP_ENV:-development}
# A fixed secret is accepted only in development; set JWT_SECRET_KEY for anything else.
export JWT_SECRET_KEY=${JWT_SECRET_KEY:-dev-only-secret-not-for-production}
exec deno run --watch --allow-net --allow-env --allow-read --allow-sys api/main.ts
