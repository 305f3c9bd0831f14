#!/usr/bin/env bash
# Applies db/migrations with dbmate and refreshes db/schema.sql. DATABASE_URL comes from the
# environment, .env, or the local services (.data/services.env), in that order.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/env.sh
load_env
dbmate --url "$(dbmate_url)" --migrations-dir db/migrations --schema-file db/schema.sql \
  --wait "${@:-up}"
# pg_dump writes a random \restrict token each time; drop it so the dump only changes with the schema.
[ -f db/schema.sql ] && sed -i '/^\\\(un\)\?restrict /d' db/schema.sql
