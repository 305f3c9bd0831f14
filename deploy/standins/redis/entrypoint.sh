#!/bin/sh
# The redis stand-in's start: protected mode off unless the command's own flags say otherwise
# (they come after, so they win), as the official image builds Redis.
set -eu
if [ "${1:-}" = redis-server ]; then
  shift
  set -- redis-server --protected-mode no "$@"
fi
exec "$@"
