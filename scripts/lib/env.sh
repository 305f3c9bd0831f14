# Shared by the scripts: PATH with the project's CLIs, and the environment in the order
# "already set" > .env > the local services started by `deno task services:up`.
export PATH="$PWD/.tools/node_modules/.bin:$PWD/node_modules/.bin:$PATH" DENO_NO_UPDATE_CHECK=1

# The toolchain (Deno, Bun, dbmate) comes from npm into .tools/; fetch it on first use.
if [ ! -x .tools/node_modules/.bin/deno ]; then
  command -v npm >/dev/null || { echo "Node.js with npm is needed to install Deno and Bun" >&2; exit 1; }
  echo "[env] installing Deno, Bun and dbmate into .tools/ with npm" >&2
  npm install --prefix .tools --no-audit --no-fund --loglevel=error >&2
fi

load_env() {
  local file line key value
  for file in .env .data/services.env; do
    [ -f "$file" ] || continue
    while IFS= read -r line || [ -n "$line" ]; do
      [[ "$line" =~ ^[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
      key=${BASH_REMATCH[1]} value=${BASH_REMATCH[2]}
      value=${value%\"} value=${value#\"}
      [ -n "${!key+x}" ] || export "$key=$value"
    done <"$file"
  done
}

# dbmate insists on an explicit sslmode for a URL without TLS.
dbmate_url() {
  local url=${DATABASE_URL:?DATABASE_URL is not set: run deno task services:up or set it}
  case "$url" in *sslmode=*) ;; *\?*) url="$url&sslmode=disable" ;; *) url="$url?sslmode=disable" ;; esac
  printf '%s' "$url"
}

# True when no database is configured, or the configured one is the local services' own.
uses_local_services() {
  [ -z "${DATABASE_URL:-}" ] || grep -qxF "DATABASE_URL=$DATABASE_URL" .data/services.env 2>/dev/null
}

# Applies patches/ (package.json patchedDependencies) to Deno's node_modules; idempotent and
# quick. Bun applies the same files itself at `bun install`. Run after every `deno install`.
patch_deps() {
  deno run --allow-read --allow-write scripts/patch-deps.ts
}

# For dev, test and bench: installs the npm dependencies if missing, loads the environment,
# starts the local services unless another database is configured, and migrates.
prepare_local() {
  [ -d node_modules ] || deno install
  patch_deps
  load_env
  if uses_local_services; then
    bash scripts/services.sh up
    load_env
  fi
  bash scripts/migrate.sh up >/dev/null
}

# ensure_venv <dir> <requirement>...: a Python venv under .tools/ with exactly these pip
# requirements (reinstalled when they change), kept out of git. The caller defines log and die.
ensure_venv() {
  local dir=$1
  shift
  [ "$(cat "$dir/.requirements" 2>/dev/null)" = "$*" ] && return 0
  command -v python3 >/dev/null || die "python3 is needed to install $*"
  log "installing $* into $dir"
  rm -rf "$dir"
  python3 -m venv "$dir"
  printf '*\n' >"$dir/.gitignore"
  "$dir/bin/pip" install --quiet --disable-pip-version-check "$@"
  printf '%s\n' "$*" >"$dir/.requirements"
}
