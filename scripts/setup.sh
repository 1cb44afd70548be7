#!/usr/bin/env bash
# Set up the Python environment (.venv) with the pinned dependencies. Rerunnable, quick when done.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-$(command -v python3.11 || command -v python3)}
if [[ ! -x .venv/bin/python ]]; then
  "$PY" -m venv .venv
fi
want=$(cat requirements.txt requirements-dev.txt | sha256sum | cut -c1-16)
if [[ "$(cat .venv/.req-stamp 2>/dev/null)" != "$want" ]]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
  echo "$want" > .venv/.req-stamp
fi
