# Sourced by scripts/compose-e2e.sh: faults under light load, the restart policy, scaling, and a
# restart that keeps the data. Every load is bounded (scripts/compose-e2e/load.ts) and stops by
# itself; each check then awaits every acknowledged order's effect.

# start_load <name> <seconds> <per-second> <url>...: in the background, output in logs/<name>.json
start_load() {
  local name=$1
  shift
  deno run --allow-net scripts/compose-e2e/load.ts "$@" >"$e2e_logs/$name.json" 2>"$e2e_logs/$name.err" &
  load_pid=$!
}

# The orders a load created: every one present once in orders and with exactly one effect.
# Prints "<orders> <with effect> <effects>" for the given load output file.
load_effects() {
  local ids
  ids=$(jq -r '.created | map("'"'"'" + . + "'"'"'") | join(",")' "$1")
  [ -n "$ids" ] || { printf '0 0 0'; return 0; }
  sql "select (select count(*) from orders where id in ($ids)) || ' ' || count(distinct order_id)
       || ' ' || count(*) from processed_events where topic = 'new_order' and order_id in ($ids)"
}
all_processed_once() { local n; n=$(jq '.created | length' "$1"); [ "$(load_effects "$1")" = "$n $n $n" ]; }
duplicate_effects() {
  sql "select count(*) from (select 1 from processed_events group by order_id, topic having count(*) > 1) d"
}
statuses_of() { jq -r '.statuses | to_entries | map("\(.key): \(.value)") | join(", ")' "$1"; }
# Answers that are 5xx but not 503.
bad_5xx() { jq '[.statuses | to_entries[] | select((.key | tonumber) >= 500 and .key != "503") | .value] | add // 0' "$1"; }

check_faults() {
  local out=$e2e_logs/load-faults.json n took bad
  start_load load-faults 40 3 "$(api_url)"
  sleep 5 # some orders before the first fault
  dc restart postgres >>"$e2e_logs/faults.log" 2>&1
  await 60 eval '[ "$(state_of postgres)" = "running healthy" ]' >/dev/null
  dc stop kafka >>"$e2e_logs/faults.log" 2>&1
  sleep 20 # the outage the issue asks for
  dc start kafka >>"$e2e_logs/faults.log" 2>&1
  wait "$load_pid" || { row "faults under load" FAIL "load failed: $(tail -n 2 "$e2e_logs/load-faults.err")"; return 0; }
  n=$(jq '.created | length' "$out")
  if ! took=$(await 180 all_processed_once "$out"); then
    row "faults under load" FAIL "$n orders acknowledged; orders/with effect/effects: $(load_effects "$out"); answers $(statuses_of "$out")"
    return 0
  fi
  bad=$(bad_5xx "$out")
  if [ "$bad" != 0 ] || [ "$(jq '.statuses["0"] // 0' "$out")" != 0 ] || [ "$(duplicate_effects)" != 0 ]; then
    row "faults under load" FAIL "answers $(statuses_of "$out"); duplicate effects $(duplicate_effects)"
  else
    row "faults under load" pass "postgres restarted, kafka stopped 20 s; answers $(statuses_of "$out"); $n/$n acknowledged orders processed once (${took} s after the load), 0 duplicates"
  fi
}

container_pid() { docker inspect -f '{{.State.Pid}}' "$1"; }
restarts_of() { docker inspect -f '{{.RestartCount}}' "$1"; }
healthy_again() { [ "$(docker inspect -f '{{.State.Health.Status}} {{.RestartCount}}' "$1")" = "healthy $2" ]; }

check_restart_policy() {
  local service container before took figures=() bad=()
  for service in api worker; do
    container=$(dc ps -q "$service" | head -n 1)
    before=$(restarts_of "$container")
    kill -9 "$(container_pid "$container")"
    if took=$(await 90 healthy_again "$container" $((before + 1))); then
      figures+=("$service: kill -9 of its pid, back and healthy in ${took} s")
    else
      bad+=("$service not back after kill -9: $(docker inspect -f '{{.State.Status}} restarts {{.RestartCount}}' "$container")")
    fi
  done
  container=$(dc ps -q api | head -n 1)
  before=$(restarts_of "$container")
  docker kill "$container" >/dev/null
  sleep 3 # a restart would begin within a second (the policy's first delay is 100 ms)
  [ "$(docker inspect -f '{{.State.Status}} {{.RestartCount}}' "$container")" = "exited $before" ] ||
    bad+=("api restarted after docker kill: $(docker inspect -f '{{.State.Status}} restarts {{.RestartCount}}' "$container")")
  dc up -d --wait >>"$e2e_logs/restart-policy.log" 2>&1 || bad+=("up after docker kill failed")
  report "restart policy" "${figures[0]}; ${figures[1]}; docker kill api: stays exited 3 s (manual stop)"
}

check_scale() {
  local out=$e2e_logs/load-scale.json urls=() n took api2 worker1 refused_elsewhere
  if ! dc up -d --wait --scale api=2 --scale worker=3 >"$e2e_logs/scale.log" 2>&1; then
    row "scale api=2 worker=3" FAIL "up --scale failed: $(tail -n 2 "$e2e_logs/scale.log" | tr '\n' ' ')"
    return 0
  fi
  urls=("$(api_url 1)" "$(api_url 2)")
  start_load load-scale 20 5 "${urls[@]}"
  sleep 8 # mid-run
  api2=$(docker ps -q --filter "label=com.docker.compose.project=$project" \
    --filter label=com.docker.compose.service=api --filter label=com.docker.compose.container-number=2)
  worker1=$(dc ps -q worker | head -n 1)
  docker kill "$api2" "$worker1" >/dev/null
  wait "$load_pid" || { row "scale api=2 worker=3" FAIL "load failed: $(tail -n 2 "$e2e_logs/load-scale.err")"; return 0; }
  n=$(jq '.created | length' "$out")
  # No HTTP answer is expected only from the killed replica (connection refused).
  refused_elsewhere=$(jq --arg url "${urls[0]}" '.byUrl[$url]["0"] // 0' "$out")
  if took=$(await 180 all_processed_once "$out") && [ "$(duplicate_effects)" = 0 ] &&
    [ "$(bad_5xx "$out")" = 0 ] && [ "$refused_elsewhere" = 0 ]; then
    row "scale api=2 worker=3" pass "${urls[*]}; docker kill of api-2 and a worker at 8 s; answers $(statuses_of "$out") (every 0, no HTTP answer, from the killed API); $n/$n orders processed once (${took} s after the load)"
  else
    row "scale api=2 worker=3" FAIL "$n acknowledged; orders/with effect/effects: $(load_effects "$out"); answers $(statuses_of "$out"), $refused_elsewhere without answer from the API left running; duplicates $(duplicate_effects)"
  fi
  dc up -d --wait --scale api=1 --scale worker=1 >>"$e2e_logs/scale.log" 2>&1 || true
}

check_restart_with_data() {
  local orders effects first=${flow_orders[0]:-} status out=$e2e_logs/load-restart.json took
  orders=$(sql "select count(*) from orders")
  effects=$(sql "select count(*) from processed_events")
  local down_at=$SECONDS up_at
  dc down >"$e2e_logs/restart.log" 2>&1
  down_at=$((SECONDS - down_at)) up_at=$SECONDS
  if ! dc up -d --wait >>"$e2e_logs/restart.log" 2>&1; then
    row "restart with data" FAIL "up after down failed: $(tail -n 2 "$e2e_logs/restart.log" | tr '\n' ' ')"
    return 0
  fi
  up_at=$((SECONDS - up_at))
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $flow_token" "$(api_url)/orders/$first")
  start_load load-restart 2 2 "$(api_url)" # a few new orders, to see the worker consume again
  wait "$load_pid" || true
  took=$(await 90 all_processed_once "$out") || took=never
  local now_orders now_effects new
  now_orders=$(sql "select count(*) from orders")
  now_effects=$(sql "select count(*) from processed_events")
  new=$(jq '.created | length' "$out")
  if [ "$status" = 200 ] && [ "$took" != never ] && [ "$now_effects" = $((effects + new)) ] &&
    [ "$now_orders" = $((orders + new)) ] && [ "$(duplicate_effects)" = 0 ]; then
    row "restart with data" pass "down (volumes kept, ${down_at} s) and up (${up_at} s): $orders orders kept, an earlier order GET 200; $new new orders processed (${took} s), effects $effects -> $now_effects, 0 duplicates"
  else
    row "restart with data" FAIL "GET earlier order $status; orders $orders -> $now_orders, effects $effects -> $now_effects, new $new, processed after $took"
  fi
}
