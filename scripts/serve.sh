#!/usr/bin/env bash
# Serve motcua: sets up .venv, then runs the eventlet server. On an empty database it seeds the
# demo office and prints every screen's URL. Pass --no-demo to start empty. Settings: README.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python server.py "$@"
