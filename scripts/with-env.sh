#!/usr/bin/env bash
# Runs a command with the project's CLIs on PATH and the environment from .env or the local
# services (`deno task services:up`) underneath what is already set.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/env.sh
load_env
exec "$@"
