# Sourced by scripts/compose-e2e.sh. For each image compose.yaml names: use it when the engine has
# it or can pull it; otherwise build a stand-in from deploy/standins/ (Debian from debootstrap,
# Debian packages, Maven Central jars, the npm binaries in .tools/) under its own name
# (order-service-standin/...), and export the variable that makes compose.yaml use it. Official
# names are never retagged. Stand-ins stay in the engine as tagged images, so a later run
# rebuilds only what changed (Docker's layer cache).
standin_repo=order-service-standin
standin_base=$standin_repo/debian:bookworm-minbase
standin_dir=.tools/compose-e2e
ca_bundle=/etc/ssl/certs/ca-certificates.crt

# variable | official image (compose.yaml's default) | stand-in directory | stand-in tag
standin_table() {
  cat <<'TABLE'
POSTGRES_IMAGE postgres:17-alpine postgres postgres:15-bookworm
REDIS_IMAGE redis:7.4-alpine redis redis:7.0-bookworm
KAFKA_IMAGE apache/kafka:4.1.1 kafka kafka:4.1.1-bookworm
DBMATE_IMAGE ghcr.io/amacneil/dbmate:2.24.0 dbmate dbmate:2.24.0-bookworm
DENO_IMAGE denoland/deno:2.9.6 deno deno:2.9.6-bookworm
BUN_IMAGE oven/bun:1.4.5-slim bun bun:1.4.5-bookworm
PROMETHEUS_IMAGE prom/prometheus:v3.5.0 prometheus prometheus:2.42-bookworm
TABLE
}

image_present() { docker image inspect "$1" >/dev/null 2>&1; }

# The minimal Debian root file system, imported once; later runs find the tagged image.
standin_base_image() {
  image_present "$standin_base" && return 0
  command -v debootstrap >/dev/null || install_debian_packages debootstrap
  local rootfs=$standin_dir/rootfs
  if [ ! -x "$rootfs/bin/bash" ]; then
    log "debootstrap --variant=minbase bookworm (the stand-ins' base)"
    rm -rf "$rootfs"
    debootstrap --variant=minbase bookworm "$rootfs" http://deb.debian.org/debian >"$standin_dir/debootstrap.log" 2>&1 ||
      die "debootstrap failed; see $standin_dir/debootstrap.log"
  fi
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* # debootstrap's downloads
  tar -C "$rootfs" -c . | docker import - "$standin_base" >/dev/null
  rm -rf "$rootfs"
}

# The build context: the committed files plus what must not be committed (binaries, CA bundle).
standin_context() {
  local name=$1 ctx=$standin_dir/context/$1
  rm -rf "$ctx"
  mkdir -p "$ctx"
  cp -a "deploy/standins/$name/." "$ctx/"
  case "$name" in
    deno) cp "$(readlink -f "$(command -v deno)")" "$ctx/deno" && cp "$ca_bundle" "$ctx/" ;;
    bun) cp "$(readlink -f "$(command -v bun)")" "$ctx/bun" && cp "$ca_bundle" "$ctx/" ;;
    dbmate) cp .tools/node_modules/@dbmate/linux-x64/bin/dbmate "$ctx/dbmate" ;;
    kafka) cp -a "$(kafka_standin_libs)" "$ctx/libs" ;;
  esac
  printf '%s' "$ctx"
}

# Kafka's jars plus kafka-tools, from Maven Central into the same cache scripts/services.sh uses.
kafka_standin_libs() {
  local cache=${ORDER_SERVICE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/order-service}
  local libs=$cache/kafka-standin-4.1.1/libs
  if [ ! -d "$libs" ]; then
    command -v mvn >/dev/null || install_debian_packages maven
    command -v java >/dev/null || install_debian_packages openjdk-17-jre-headless
    mvn -q -B -f deploy/standins/kafka/pom.xml dependency:copy-dependencies \
      -DoutputDirectory="$libs.tmp" -DincludeScope=runtime >&2
    mv "$libs.tmp" "$libs"
  fi
  printf '%s' "$libs"
}

# Sets each image variable: the official image if present or pullable, else a stand-in.
standins_used=()
prepare_images() {
  local var official dir tag pids=() failed=()
  mkdir -p "$standin_dir"
  while read -r var official dir tag; do
    if image_present "$official" || docker pull -q "$official" >/dev/null 2>&1; then
      export "$var=$official"
      continue
    fi
    export "$var=$standin_repo/$tag"
    standins_used+=("$dir")
  done < <(standin_table)
  [ ${#standins_used[@]} -gt 0 ] || return 0
  standin_base_image
  # In parallel: most of a first build is waiting for apt and the registries.
  for dir in "${standins_used[@]}"; do
    tag=$(standin_table | awk -v dir="$dir" '$3 == dir { print $4 }')
    log "building stand-in $standin_repo/$tag"
    docker build --build-arg BASE_IMAGE="$standin_base" -t "$standin_repo/$tag" \
      "$(standin_context "$dir")" >"$standin_dir/build-$dir.log" 2>&1 &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || failed+=("${standins_used[$i]}")
  done
  [ ${#failed[@]} -eq 0 ] || die "building the stand-ins failed: ${failed[*]}; see $standin_dir/build-*.log"
}
