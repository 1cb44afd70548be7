#!/usr/bin/env bash
# Install motcua as a systemd service on Debian/Ubuntu, from this checkout (run as root):
#   sudo bash scripts/install.sh              user, folders, env file, .venv, unit, enable + start, setup URL
#   sudo bash scripts/install.sh --dry-run    print every step and the files it would write; change nothing
#   sudo bash scripts/install.sh --uninstall  stop and remove the service; the data and settings are kept
# Paths (env): MOTCUA_USER (motcua), MOTCUA_DATA (/var/lib/motcua), MOTCUA_ETC (/etc/motcua),
# MOTCUA_UNIT_DIR (/etc/systemd/system), PORT (5000).
set -euo pipefail
APP_DIR=$(cd "$(dirname "$0")/.." && pwd)
USER_NAME=${MOTCUA_USER:-motcua}
DATA_DIR=${MOTCUA_DATA:-/var/lib/motcua}
ETC_DIR=${MOTCUA_ETC:-/etc/motcua}
UNIT_DIR=${MOTCUA_UNIT_DIR:-/etc/systemd/system}
PORT=${PORT:-5000}
UNIT="$UNIT_DIR/motcua.service"
ENV_FILE="$ETC_DIR/motcua.env"

mode=install
dry=0
for arg in "$@"; do
  case "$arg" in
    --dry-run) dry=1 ;;
    --uninstall) mode=uninstall ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "unknown option: $arg (see --help)" >&2; exit 2 ;;
  esac
done

# step, run (printed; only printed in a dry run), write_file
source "$APP_DIR/scripts/install-lib.sh"

unit_text() {
  # The one unit, deploy/motcua.service, with this checkout's and these folders' paths.
  sed -e "s#/opt/motcua#$APP_DIR#g" -e "s#/var/lib/motcua#$DATA_DIR#g" -e "s#/etc/motcua#$ETC_DIR#g" \
      -e "s#^User=motcua#User=$USER_NAME#" -e "s#^Group=motcua#Group=$USER_NAME#" "$APP_DIR/deploy/motcua.service"
}

env_text() {
  cat <<EOF
# motcua settings (KEY=value; README.md lists them all). Read by $UNIT.
INSTANCE_DIR=$DATA_DIR
HOST=0.0.0.0
PORT=$PORT
# PUBLIC_BASE_URL=http://192.168.1.10:$PORT   # else the first-run setup page asks for it
# PRINTER=network://192.168.1.50:9100
# BACKUP_TIME=12:30
# BACKUP_KEEP=14
# MONITOR_TOKEN=<a long random value, for /api/health details>
EOF
}

lan_ip() { hostname -I 2>/dev/null | awk '{print $1}'; }

if ((dry == 0)) && [[ $(id -u) -ne 0 ]]; then
  echo "Run as root: sudo bash scripts/install.sh (or --dry-run to see the steps)" >&2
  exit 1
fi

if [[ $mode == uninstall ]]; then
  step "Stop and remove the motcua service (data in $DATA_DIR and settings in $ETC_DIR are kept)"
  run systemctl disable --now motcua.service
  run rm -f "$UNIT"
  run systemctl daemon-reload
  echo "Removed. Kept: $DATA_DIR (database, backups), $ETC_DIR (settings), user $USER_NAME."
  exit 0
fi

step "System user $USER_NAME"
if id "$USER_NAME" >/dev/null 2>&1; then
  echo "  (exists)"
else
  run useradd --system --home-dir "$DATA_DIR" --shell /usr/sbin/nologin "$USER_NAME"
fi
for group in lp dialout; do  # USB and serial receipt printers
  if getent group "$group" >/dev/null; then run usermod -a -G "$group" "$USER_NAME"; fi
done

step "Folders: $DATA_DIR (0700, database and backups), $ETC_DIR (0750, settings)"
run install -d -m 0700 -o "$USER_NAME" -g "$USER_NAME" "$DATA_DIR"
run install -d -m 0750 -o root -g "$USER_NAME" "$ETC_DIR"

step "Settings file $ENV_FILE"
if [[ -e $ENV_FILE ]]; then
  echo "  (kept as it is)"
else
  env_text | write_file "$ENV_FILE" 0640 "root:$USER_NAME"
fi

step "Python environment $APP_DIR/.venv (pinned dependencies)"
run bash "$APP_DIR/scripts/setup.sh"

step "systemd unit $UNIT (restart on failure, hardened)"
unit_text | write_file "$UNIT" 0644 root:root
if command -v systemd-analyze >/dev/null 2>&1; then
  run systemd-analyze verify "$UNIT"
fi

step "Enable and start"
run systemctl daemon-reload
run systemctl enable --now motcua.service

step "Open the office"
ip=$(lan_ip)
base="http://${ip:-127.0.0.1}:$PORT"
if ((dry)); then
  echo "  would print: $base/setup and the one-time code from $DATA_DIR/setup-code (first run)"
  exit 0
fi
for _ in $(seq 1 40); do  # the server writes the code once it has checked the (empty) database
  [[ -s $DATA_DIR/setup-code ]] && break
  sleep 0.5
done
if [[ -s $DATA_DIR/setup-code ]]; then
  echo "Thiết lập lần đầu / first-run setup: $base/setup  mã / code: $(cat "$DATA_DIR/setup-code")"
else
  echo "Quản trị / admin: $base/admin   (journalctl -u motcua shows the start-up log)"
fi
