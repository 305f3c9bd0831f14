# Sourced by scripts/compose-e2e.sh: the observability profile (Prometheus scrapes the API and
# the worker; Grafana, which has no stand-in here, is checked statically and its password rule
# is run), and the final cleanup.

prometheus_up() {
  curl -sf "http://127.0.0.1:$((e2e_port + 10))/api/v1/query" --data-urlencode 'query=up' |
    jq -e '[.data.result[] | select(.value[1] == "1") | .metric.job] | (index("api") != null and index("worker") != null)' >/dev/null
}

# The grafana-password one-shot's command, run in a shell (the stand-ins' Debian base) with the
# password given: prints its exit status.
password_rule_status() {
  local script
  script=$(dc --profile observability config --format json | jq -r '.services["grafana-password"].command[0]')
  script=${script//\$\$/\$} # compose's escape for a literal $, as compose passes it on
  docker run --rm -e GF_SECURITY_ADMIN_PASSWORD="$1" "$standin_base" sh -c "$script" >/dev/null 2>&1
  printf '%s' $?
}

check_observability() {
  local took bad=() rules dashboards
  if ! dc --profile observability up -d --wait prometheus >"$e2e_logs/observability.log" 2>&1; then
    row "observability profile" FAIL "up prometheus failed: $(tail -n 2 "$e2e_logs/observability.log" | tr '\n' ' ')"
    return 0
  fi
  took=$(await 90 prometheus_up) || bad+=("Prometheus: up of api and worker not both 1 after 90 s")
  rules=$(dc --profile observability exec -T prometheus promtool check config /etc/prometheus/prometheus.yml 2>&1) ||
    bad+=("promtool: $(tr '\n' ' ' <<<"$rules")")
  jq -e '.panels | length > 0' deploy/grafana/dashboards/order-service.json >/dev/null ||
    bad+=("the Grafana dashboard is not JSON with panels")
  grep -q 'url: http://prometheus:9090' deploy/grafana/provisioning/datasources/prometheus.yml ||
    bad+=("Grafana's data source is not the compose Prometheus")
  dashboards=$(grep -c 'path: /var/lib/grafana/dashboards' deploy/grafana/provisioning/dashboards/*.yml || true)
  [ "$dashboards" -ge 1 ] || bad+=("no dashboard provider reads /var/lib/grafana/dashboards")
  [ "$(password_rule_status "")" != 0 ] || bad+=("Grafana would start without a password")
  [ "$(password_rule_status admin)" != 0 ] || bad+=("Grafana would start with the password admin")
  [ "$(password_rule_status "s3cret-$RANDOM")" = 0 ] || bad+=("Grafana refuses a real password")
  GRAFANA_ADMIN_PASSWORD="" dc config --quiet 2>/dev/null || bad+=("a plain up needs GRAFANA_ADMIN_PASSWORD")
  report "observability profile" "Prometheus up == 1 for api and worker after ${took} s; promtool check config (rules included) ok; Grafana (no stand-in) checked statically: dashboard JSON, data source, provider; its start needs a password other than admin, a plain up does not"
}

project_leftovers() {
  local label=label=com.docker.compose.project=$project
  printf '%s containers, %s networks, %s volumes' \
    "$(docker ps -aq --filter "$label" | wc -l)" "$(docker network ls -q --filter "$label" | wc -l)" \
    "$(docker volume ls -q --filter "$label" | wc -l)"
}

check_cleanup() {
  local before after
  before=$(project_leftovers)
  dc --profile observability down --volumes --remove-orphans >"$e2e_logs/cleanup.log" 2>&1
  after=$(project_leftovers)
  if [ "$after" = "0 containers, 0 networks, 0 volumes" ]; then
    row "cleanup" pass "down -v: from $before to $after of project $project"
  else
    row "cleanup" FAIL "after down -v: $after"
  fi
}
