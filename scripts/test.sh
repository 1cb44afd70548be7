#!/usr/bin/env bash
# Run the whole test suite: sets up .venv, installs Debian's Chromium when missing (root only),
# makes sure PostgreSQL and Redis answer (starting them if this machine has them stopped).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# Debian packages the tests drive for real: Chromium (browser tests), nginx (the shipped proxy config).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[[ -x /usr/sbin/nginx ]] || command -v nginx >/dev/null 2>&1 || missing+=(nginx)
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "Installing Debian's ${missing[*]} for the tests..."
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >/tmp/motcua-apt.log 2>&1 \
      || { echo "apt-get install ${missing[*]} failed:"; tail -20 /tmp/motcua-apt.log; exit 1; }
  else
    echo "${missing[*]} missing and cannot be installed here (not root): those tests will skip."
  fi
fi

pg_up() { .venv/bin/python -c "import psycopg2; psycopg2.connect('${TEST_PG_ADMIN:-postgresql://postgres@127.0.0.1:5432/test}', connect_timeout=2)" 2>/dev/null; }
redis_up() { .venv/bin/python -c "import redis; redis.Redis(socket_connect_timeout=2).ping()" 2>/dev/null; }
if ! pg_up && command -v pg_ctlcluster >/dev/null 2>&1; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start || true
fi
if ! redis_up && command -v redis-server >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no || true
fi

.venv/bin/ruff check . || { echo "ruff found problems (see above)"; exit 1; }

set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [[ $status -eq 5 ]]; then
  echo "pytest collected no tests"; exit 1
fi
exit $status
