# Sourced by scripts/compose-e2e.sh: the e2e's compose project, its settings, the result table
# and small helpers the checks share.
project=order-service-e2e
# The API's published ports (a range, for the scale check) and Prometheus's, on 127.0.0.1 only.
# Below Linux's ephemeral range (32768-60999): a port in it can be any outgoing connection's
# local port at the moment compose binds it ("address already in use"; it failed a CI run so).
e2e_port=${COMPOSE_E2E_PORT:-28180}
e2e_env=$standin_dir/e2e.env
e2e_logs=$standin_dir/logs

dc() {
  "${compose_cli[@]}" --project-name "$project" --env-file "$e2e_env" \
    --file compose.yaml --file scripts/compose-e2e/compose.e2e.yaml "$@"
}

# Fresh secrets per run; the image variables come from prepare_images' environment.
stack_configure() {
  mkdir -p "$e2e_logs"
  (
    umask 077
    cat >"$e2e_env" <<ENV
JWT_SECRET_KEY=$(head -c 48 /dev/urandom | base64 | tr -d '/+=\n')
DB_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -d '/+=\n')
GRAFANA_ADMIN_PASSWORD=$(head -c 24 /dev/urandom | base64 | tr -d '/+=\n')
SERVING_PORT=127.0.0.1:$e2e_port-$((e2e_port + 2))
PROMETHEUS_PORT=$((e2e_port + 10))
GRAFANA_PORT=$((e2e_port + 11))
ENV
  )
}

stack_down_all() {
  [ ${#compose_cli[@]} -gt 0 ] && [ -f "$e2e_env" ] || return 0
  dc --profile observability down --volumes --remove-orphans --timeout 10 >>"$e2e_logs/down.log" 2>&1 || true
}

rows=()
failures=0
row_since=$SECONDS
# row <check> <pass|FAIL> <figure>; the time column is the time since the previous row.
row() {
  local line
  line=$(printf '| %s | %s | %s | %s s |' "$1" "$2" "$3" $((SECONDS - row_since)))
  row_since=$SECONDS
  rows+=("$line")
  [ "$2" = pass ] || failures=$((failures + 1))
  log "$line"
}

# report <check> <figure>: a passing row with the figure when the caller's `bad` array is empty,
# else a failing row listing it.
report() {
  if [ ${#bad[@]} -eq 0 ]; then row "$1" pass "$2"; else row "$1" FAIL "${bad[*]}"; fi
}

print_table() {
  [ ${#rows[@]} -gt 0 ] || return 0
  printf '\n| check | result | figure | time |\n|---|---|---|---|\n'
  printf '%s\n' "${rows[@]}"
  printf '\ncompose e2e: %s checks, %s failed\n' "${#rows[@]}" "$failures"
}

# Keeps the logs of a failed step for the reader; prints the last lines of the output given.
keep_logs() {
  dc --profile observability logs --no-color >"$e2e_logs/$1.log" 2>&1 || true
  dc ps -a >>"$e2e_logs/$1.log" 2>&1 || true
}

sql() {
  dc exec -T postgres psql -U order_service -d order_service -v ON_ERROR_STOP=1 -tAqc "$1"
}

# The URL of the n-th API replica's published port.
api_url() { printf 'http://%s' "$(dc port --index "${1:-1}" api 8000)"; }

# Polls `$@` every second until it succeeds or $timeout seconds pass; prints the seconds taken.
await() {
  local timeout=$1 start=$SECONDS
  shift
  until "$@"; do
    [ $((SECONDS - start)) -lt "$timeout" ] || return 1
    sleep 1
  done
  printf '%s' $((SECONDS - start))
}

# state_of <service>: "running healthy", "exited 0", ... of its first container.
state_of() {
  docker inspect -f '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.ExitCode}}{{end}}' \
    "$(dc ps -a -q "$1" | head -n 1)" 2>/dev/null
}
