#!/usr/bin/env bash
# `deno task bench`: load-tests the API (and, when the worker exists, the event pipeline)
# against the real local services, on loopback, bounded in time (~3 minutes). Prints a table
# and writes bench/results/<timestamp>.{json,md} and bench/results/latest.md.
# Not part of the tests. Settings: the BENCH_* variables in bench/run/config.ts.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/env.sh
prepare_local

# wrk is the load generator: a small native process, light enough for a 2-core machine.
if ! command -v wrk >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "[bench] installing wrk with apt-get" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q wrk >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null && apt-get install -y -q wrk >/dev/null; }
  else
    echo "[bench] error: wrk is missing. Install it (Debian/Ubuntu: sudo apt-get install wrk) and rerun." >&2
    exit 1
  fi
fi

# -A: the bench spawns processes anyway (--allow-run), and Deno grants /proc/<pid>/status
# (the RSS samples) only with all permissions.
exec deno run -A bench/run.ts "$@"
