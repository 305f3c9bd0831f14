#!/usr/bin/env bash
# Checks the Helm chart (deploy/helm/order-service) offline, without a cluster:
#   1. helm lint --strict, and helm template with the default values (plus the one required
#      value, existingSecret) and with deploy/helm/values-production.yaml;
#   2. every rendered object decodes strictly into the Kubernetes API types of the chart's
#      kubeVersion floor (deploy/helm/validate), the PrometheusRule equals
#      deploy/prometheus/alerts.yml, and the ConfigMap has exactly .env.example's non-secret
#      variables;
#   3. checkov's Kubernetes and Helm checks: no failure, and every skip gives a reason;
#   4. wrong values fail to render, each with its own message.
# The first run builds helm (Go module helm.sh/helm/v4) and the validator into .tools/go and
# installs checkov (PyPI) into .tools/helm-venv; later runs reuse them. Prints one summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

HELM_VERSION=v4.3.2    # its go.mod says go 1.26.0
GO_MINIMUM=1.26
CHECKOV_VERSION=3.3.30
chart=deploy/helm/order-service
production=deploy/helm/values-production.yaml
venv=.tools/helm-venv
# Go's build and module caches sit beside the Kafka jars in the user's cache (scripts/services.sh),
# shared by every checkout: a fresh clone then compiles helm from cached objects, not from scratch.
go_cache=${ORDER_SERVICE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/order-service}/go
export GOPATH=$root/.tools/go GOBIN=$root/.tools/go/bin GOCACHE=$go_cache/build \
  GOMODCACHE=$go_cache/mod GOFLAGS=-modcacherw GOTOOLCHAIN=local CGO_ENABLED=0
export PATH=$GOBIN:$PATH
# No debug information or symbol tables: about 7 % less CPU for helm's cold build.
go_build_flags=(-ldflags=-s\ -w -gcflags=all=-dwarf=false)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

started=$(date +%s)
log() { printf '[check-helm +%ss] %s\n' "$(($(date +%s) - started))" "$*" >&2; }
die() { printf '[check-helm] error: %s\n' "$*" >&2; exit 1; }

ensure_go() {
  command -v go >/dev/null || die "Go $GO_MINIMUM or later is needed to build helm (https://go.dev/dl/)"
  local have
  have=$(go env GOVERSION | sed -E 's/^go([0-9]+\.[0-9]+).*/\1/')
  [ "$(printf '%s\n%s\n' "$GO_MINIMUM" "$have" | sort -V | head -n 1)" = "$GO_MINIMUM" ] ||
    die "helm $HELM_VERSION needs Go $GO_MINIMUM or later; found $(go env GOVERSION)"
}

# checkov installs while Go compiles: one waits on the network, the other on the CPU.
ensure_tools() {
  local pip_pid=""
  if [ "$(cat "$venv/.requirements" 2>/dev/null)" != "checkov==$CHECKOV_VERSION" ]; then
    command -v python3 >/dev/null || die "python3 is needed to install checkov"
    log "installing checkov $CHECKOV_VERSION into $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    printf '*\n' >"$venv/.gitignore"
    "$venv/bin/pip" install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION" \
      >"$work/pip.log" 2>&1 &
    pip_pid=$!
  fi
  if [ "$(cat .tools/go/.helm-version 2>/dev/null)" != "$HELM_VERSION" ]; then
    ensure_go
    log "building helm $HELM_VERSION into .tools/go/bin"
    mkdir -p .tools/go && printf '*\n' >.tools/go/.gitignore
    go install "${go_build_flags[@]}" "helm.sh/helm/v4/cmd/helm@$HELM_VERSION"
    printf '%s\n' "$HELM_VERSION" >.tools/go/.helm-version
  fi
  # Rebuilt when its source changes; Go's build cache makes an unchanged rebuild instant.
  ensure_go
  (cd deploy/helm/validate && go build "${go_build_flags[@]}" -o "$GOBIN/helm-validate" .)
  if [ -n "$pip_pid" ]; then
    wait "$pip_pid" || { cat "$work/pip.log" >&2; die "pip install checkov failed"; }
    printf 'checkov==%s\n' "$CHECKOV_VERSION" >"$venv/.requirements"
  fi
}

# helm, minus the INFO line it prints for files/alerts.yml, a symbolic link by design.
helm_q() {
  local status=0
  helm "$@" 2>"$work/helm.err" || status=$?
  grep -v 'found symbolic link in path' "$work/helm.err" >&2 || true
  return "$status"
}

# The floor of Chart.yaml's kubeVersion must be the minor whose types the validator decodes into.
kube_version() {
  local floor api
  floor=$(sed -nE 's/^kubeVersion: *">= *([0-9]+\.[0-9]+)\.[0-9]+.*/\1/p' "$chart/Chart.yaml")
  api=$(sed -nE 's/^[[:space:]]*k8s\.io\/api v0\.([0-9]+)\.[0-9]+.*/1.\1/p' deploy/helm/validate/go.mod)
  [ -n "$floor" ] && [ "$floor" = "$api" ] ||
    die "Chart.yaml kubeVersion floor ($floor) and deploy/helm/validate/go.mod k8s.io/api ($api) differ"
  printf '%s.0' "$floor"
}

render() { # name, extra helm args...
  local name=$1
  shift
  helm_q template orders "$chart" --namespace orders --kube-version "$kube" "$@" \
    >"$work/$name.yaml" || die "helm template ($name values) failed"
}

check_configmap() {
  local expected actual
  expected=$(sed -nE 's/^#? ?([A-Z][A-Z0-9_]*)=.*/\1/p' .env.example |
    grep -vxE 'JWT_SECRET_KEY|PAGE_CURSOR_SECRET|DATABASE_URL|DB_PASSWORD' | sort -u)
  actual=$(sed -nE 's/^  ([A-Z][A-Z0-9_]*):.*/\1/p' "$chart/values.yaml" | sort -u)
  diff <(echo "$expected") <(echo "$actual") >"$work/config.diff" || die "values.yaml config differs \
from .env.example's non-secret variables (< only in .env.example, > only in values.yaml):
$(cat "$work/config.diff")"
  # The rendered ConfigMap: every non-null one, and nothing else.
  actual=$(awk '/^kind: ConfigMap/{on=1} on&&/^data:/{d=1;next} d&&/^  [A-Z]/{sub(":.*","");
    print $1} d&&/^[^ ]/{d=0;on=0}' "$work/default.yaml" | sort)
  expected=$(sed -nE '/: null$/d; s/^  ([A-Z][A-Z0-9_]*):.*/\1/p' "$chart/values.yaml" | sort)
  [ "$actual" = "$expected" ] || die "the rendered ConfigMap's keys are not values.yaml's non-null config"
  config_keys=$(wc -l <<<"$expected")
}

checkov_run() { # label, checkov args...
  local label=$1 out
  shift
  out=$("$venv/bin/checkov" "$@" --compact --skip-download 2>&1) || {
    grep -A2 -E 'FAILED|Error' <<<"$out" >&2 || echo "$out" >&2
    die "checkov ($label) found problems"
  }
  local passed failed skipped
  passed=$(sed -nE 's/^Passed checks: ([0-9]+), Failed checks: ([0-9]+), Skipped checks: ([0-9]+).*/\1/p' <<<"$out")
  failed=$(sed -nE 's/^Passed checks: ([0-9]+), Failed checks: ([0-9]+).*/\2/p' <<<"$out")
  skipped=$(sed -nE 's/.*Skipped checks: ([0-9]+).*/\1/p' <<<"$out")
  # checkov exits 0 when it could not render a chart at all: insist it checked something.
  { [ -n "$passed" ] && [ "$passed" -gt 0 ] && [ "$failed" = 0 ]; } || {
    tail -n 20 <<<"$out" >&2
    die "checkov ($label) checked nothing or failed"
  }
  if grep -q 'Suppress comment: *$' <<<"$out"; then
    grep -B3 'Suppress comment: *$' <<<"$out" >&2
    die "checkov ($label): a skipped check has no reason"
  fi
  log "checkov $label: $passed passed, $skipped skipped with reasons, 0 failed"
  checkov_summary+=" $label ${passed}/${skipped}"
}

check_checkov() {
  # One process for both renderings: checkov's start-up is most of its time.
  checkov_run kubernetes -f "$work/default.yaml" "$work/production.yaml" --framework kubernetes
  # checkov's helm runner renders the chart itself and treats any stderr as a failed render, so
  # it scans a copy with the link resolved.
  cp -RL "$chart" "$work/chart"
  printf 'existingSecret: order-service\n' >"$work/secret.yaml"
  local config=(--config-file "$chart/.checkov.yaml")
  checkov_run helm/default -d "$work/chart" --framework helm --var-file "$work/secret.yaml" "${config[@]}"
  checkov_run helm/production -d "$work/chart" --framework helm --var-file "$production" "${config[@]}"
}

refused=0
expect_refusal() { # what, expected message (ERE), helm args...
  local what=$1 pattern=$2 out
  shift 2
  if out=$(helm_q template orders "$chart" --namespace orders --kube-version "$kube" "$@" 2>&1); then
    die "wrong value accepted: $what"
  fi
  grep -qE "$pattern" <<<"$out" || die "wrong value ($what) failed without saying why: $out"
  refused=$((refused + 1))
}

check_refusals() {
  local secret=(--set existingSecret=order-service)
  expect_refusal "no existingSecret" "existingSecret is required"
  expect_refusal "worker replicas over the partitions" "worker.replicas \(4\) is more than kafka.partitions \(3\)" \
    "${secret[@]}" --set worker.replicas=4
  expect_refusal "a negative pool" "/config/DB_POOL_MAX.*minimum" "${secret[@]}" --set config.DB_POOL_MAX=-1
  expect_refusal "a misspelt variable" "additional propert.*DB_POOL_MAXX" "${secret[@]}" --set config.DB_POOL_MAXX=4
  expect_refusal "more connections than PostgreSQL allows" "PostgreSQL connections: 21 API pods" \
    "${secret[@]}" --set api.replicas=20,database.maxConnections=100
  expect_refusal "a grace period the schema forbids" "/api/preStopSleepSeconds.*minimum" \
    "${secret[@]}" --set api.preStopSleepSeconds=-5
}

# The checkers themselves must be able to fail: a misspelt field, and rules that drifted.
check_checkers() {
  sed 's/^\( *\)imagePullPolicy:/\1imagePullPolice:/' "$work/default.yaml" >"$work/typo.yaml"
  if helm-validate <"$work/typo.yaml" >"$work/typo.out" 2>&1; then
    die "the validator accepted a misspelt field (imagePullPolice)"
  fi
  grep -q 'unknown field.*imagePullPolice' "$work/typo.out" ||
    die "the validator refused the misspelt field without naming it: $(cat "$work/typo.out")"
  sed 's/for: 2m/for: 3m/' deploy/prometheus/alerts.yml >"$work/alerts.yml"
  if helm-validate -rules "$work/alerts.yml" <"$work/production.yaml" >/dev/null 2>&1; then
    die "the validator did not notice a PrometheusRule that differs from the rule file"
  fi
}

ensure_tools
kube=$(kube_version)
helm_q lint --strict "$chart" --kube-version "$kube" --set existingSecret=order-service >"$work/lint.txt" ||
  { cat "$work/lint.txt" >&2; die "helm lint (default values) failed"; }
helm_q lint --strict "$chart" --kube-version "$kube" -f "$production" >"$work/lint.txt" ||
  { cat "$work/lint.txt" >&2; die "helm lint ($production) failed"; }
render default --set existingSecret=order-service
render production -f "$production"
decoded=$(helm-validate <"$work/default.yaml") || die "the default render does not decode"
log "default: $decoded"
decoded_prod=$(helm-validate -rules deploy/prometheus/alerts.yml <"$work/production.yaml") ||
  die "the production render does not decode"
log "production: ${decoded_prod//$'\n'/; }"
check_checkers
check_configmap
checkov_summary=""
check_checkov
check_refusals
printf 'check-helm: helm %s lint and template ok (default, production) against Kubernetes %s; ' \
  "$HELM_VERSION" "$kube"
printf 'objects decoded strictly %s + %s; ConfigMap %s variables = .env.example; ' \
  "$(grep -oE '^validate: [0-9]+' <<<"$decoded" | grep -oE '[0-9]+')" \
  "$(grep -oE 'validate: [0-9]+ objects' <<<"$decoded_prod" | grep -oE '[0-9]+')" "$config_keys"
printf 'checkov passed/skipped:%s, 0 failed; %d wrong values refused (%ss)\n' \
  "$checkov_summary" "$refused" "$(($(date +%s) - started))"
