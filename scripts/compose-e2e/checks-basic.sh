# Sourced by scripts/compose-e2e.sh: a clean start, the API through its published port, the
# worker's effect, the record on new_order, and the users and root file systems of the images.
long_running=(postgres redis kafka api worker)
one_shots=(migrate kafka-init)

check_clean_start() {
  local start built up_at bad=() service state sizes=() image
  start=$SECONDS
  if ! dc build >"$e2e_logs/build.log" 2>&1; then
    row "clean start" FAIL "build failed: $(tail -n 3 "$e2e_logs/build.log" | tr '\n' ' ')"
    return 1
  fi
  built=$((SECONDS - start))
  up_at=$SECONDS
  if ! dc up --build --wait >"$e2e_logs/up.log" 2>&1; then
    keep_logs clean-start
    row "clean start" FAIL "up --wait failed: $(tail -n 3 "$e2e_logs/up.log" | tr '\n' ' ')"
    return 1
  fi
  up_at=$((SECONDS - up_at))
  for service in "${long_running[@]}"; do
    state=$(state_of "$service")
    [ "$state" = "running healthy" ] || bad+=("$service: $state")
  done
  for service in "${one_shots[@]}"; do
    state=$(state_of "$service")
    [ "$state" = "exited 0" ] || bad+=("$service: $state")
  done
  if [ ${#bad[@]} -gt 0 ]; then
    keep_logs clean-start
    row "clean start" FAIL "${bad[*]}"
    return 1
  fi
  row "clean start" pass "up --build --wait to all healthy ${up_at} s (image builds before it ${built} s); ${#long_running[@]} healthy, ${#one_shots[@]} one-shots exited 0"
  for image in $(dc config --images | sort -u); do
    sizes+=("$image $(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%d MB", $1 / 1e6}')")
  done
  row "image sizes" pass "$(IFS=,; printf '%s' "${sizes[*]}" | sed 's/,/, /g')"
}

flow_orders=()
flow_token=""
check_api_flow() {
  local out failed requests
  if ! out=$(deno run --allow-net scripts/compose-e2e/api-flow.ts "$(api_url)" 2>"$e2e_logs/api-flow.err"); then
    row "API through the published port" FAIL "$(tail -n 2 "$e2e_logs/api-flow.err" | tr '\n' ' ')"
    return 0
  fi
  read -r -a flow_orders <<<"$(jq -r '.orderIds | join(" ")' <<<"$out")"
  flow_token=$(jq -r .token <<<"$out")
  failed=$(jq -r '.failures | join("; ")' <<<"$out")
  requests=$(jq -r .requests <<<"$out")
  if [ -n "$failed" ]; then
    row "API through the published port" FAIL "$failed"
  else
    row "API through the published port" pass "$requests requests on $(api_url) with the expected statuses (register 201, token 200, POST 201, GET 200, PATCH 200, list 200, /docs 200, /openapi.json 200)"
  fi
}

# How many orders among the given ids have an effect, and how many effects they have.
effects_of() {
  local ids
  ids=$(printf "'%s'," "$@")
  sql "select count(distinct order_id) || ' ' || count(*) from processed_events
       where topic = 'new_order' and order_id in (${ids%,})"
}

check_worker_once() {
  local n=${#flow_orders[@]} took
  [ "$n" -gt 0 ] || { row "worker: each order once" FAIL "no orders were created"; return 0; }
  if took=$(await 90 eval '[ "$(effects_of "${flow_orders[@]}")" = "$n $n" ]'); then
    row "worker: each order once" pass "$n/$n orders processed, $n effects in processed_events (psql via exec), after ${took} s"
  else
    row "worker: each order once" FAIL "orders with effect / effects: $(effects_of "${flow_orders[@]}"), expected $n $n"
  fi
}

# Reads new_order from the beginning inside the kafka container and checks each created
# order's record: key = order id; headers event-id, event-type, event-version, content-type.
check_event_record() {
  local n=${#flow_orders[@]} records id line bad=()
  records=$(dc exec -T kafka /opt/kafka/bin/kafka-console-consumer.sh --bootstrap-server localhost:9092 \
    --topic new_order --from-beginning --max-messages "$n" --timeout-ms 60000 \
    --property print.key=true --property print.headers=true --property key.separator=' KEY ' \
    --property headers.separator=, 2>"$e2e_logs/console-consumer.err") || true
  printf '%s\n' "$records" >"$e2e_logs/new_order-records.txt"
  for id in "${flow_orders[@]}"; do
    line=$(grep -F " KEY $id " <<<"$records" || true)
    [ -n "$line" ] || { bad+=("$id: no record keyed by it"); continue; }
    [[ "$line" =~ event-id:[0-9a-f-]{36} ]] || bad+=("$id: event-id")
    [[ "$line" == *event-type:order.created* ]] || bad+=("$id: event-type")
    [[ "$line" == *event-version:1* ]] || bad+=("$id: event-version")
    [[ "$line" == *content-type:application/json* ]] || bad+=("$id: content-type")
    [[ "$line" =~ \{\"id\":\ ?\"$id\" ]] || bad+=("$id: value is not the order")
  done
  report "record on new_order" "$n/$n records keyed by order id, headers event-id, event-type: order.created, event-version: 1, content-type: application/json"
}

check_users() {
  local service container uid user ro bad=() figures=()
  for service in api worker; do
    container=$(dc ps -q "$service" | head -n 1)
    user=$(docker inspect -f '{{.Config.User}}' "$container")
    uid=$(dc exec -T "$service" id -u)
    ro=$(docker inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$container")
    [ "$uid" != 0 ] || bad+=("$service runs as root")
    [ "$ro" = true ] || bad+=("$service: root file system is writable")
    if dc exec -T "$service" sh -c 'echo x >/app/.write-test' 2>/dev/null; then
      bad+=("$service: wrote /app/.write-test")
    fi
    figures+=("$service uid $uid (USER $user), read-only rootfs $ro")
  done
  report "users, read-only root" "${figures[0]}; ${figures[1]}"
}

# The images hold everything they run: the API fetches no npm package when it starts, and the
# postgres.js fix in patches/ is applied in both images (the worker and API log otherwise).
check_startup_logs() {
  local logs bad=()
  logs=$(dc logs --no-color api worker 2>&1)
  # Deno colours the word even without a terminal: "Download<escape>[0m https://...".
  grep -q 'Download.* https://' <<<"$logs" && bad+=("the API downloads npm packages at start: $(grep -c 'Download.* https://' <<<"$logs") lines")
  grep -qi 'not patched' <<<"$logs" && bad+=("postgres.js is not patched: $(grep -i -m1 'not patched' <<<"$logs")")
  report "self-contained images" "no npm download at start, postgres.js patched ($(wc -l <<<"$logs") log lines read)"
}
