#!/usr/bin/env bash
# Install the motcua print agent on a Debian/Ubuntu kiosk PC as a systemd service, from this checkout
# (run as root on the kiosk, the PC with the ticket printer attached):
#   sudo bash scripts/install-agent.sh --pair http://192.168.1.10:5000/pair/<token> --printer usb://0x04b8:0x0202
#   sudo bash scripts/install-agent.sh --dry-run --pair ... --printer ...   print every step and file; change nothing
#   sudo bash scripts/install-agent.sh --uninstall                           stop and remove the service (journal kept)
# --server URL overrides the server taken from the pairing link. The pairing link is the kiosk's own
# (Quản trị > Thiết bị); set that kiosk's printer to "Máy in gắn vào kiosk" in the same page.
# Paths (env): MOTCUA_AGENT_USER (motcua-agent), MOTCUA_AGENT_DATA (/var/lib/motcua-agent),
# MOTCUA_AGENT_CONF (/etc/motcua-agent.conf), MOTCUA_UNIT_DIR (/etc/systemd/system),
# MOTCUA_UDEV_DIR (/etc/udev/rules.d).
set -euo pipefail
APP_DIR=$(cd "$(dirname "$0")/.." && pwd)
USER_NAME=${MOTCUA_AGENT_USER:-motcua-agent}
DATA_DIR=${MOTCUA_AGENT_DATA:-/var/lib/motcua-agent}
CONF=${MOTCUA_AGENT_CONF:-/etc/motcua-agent.conf}
UNIT_DIR=${MOTCUA_UNIT_DIR:-/etc/systemd/system}
UDEV_DIR=${MOTCUA_UDEV_DIR:-/etc/udev/rules.d}
UNIT="$UNIT_DIR/motcua-agent.service"
VENV="$APP_DIR/.venv-agent"

mode=install
dry=0
server=""
pair=""
printer=""
while (($#)); do
  case "$1" in
    --dry-run) dry=1 ;;
    --uninstall) mode=uninstall ;;
    --server) server=${2:?--server needs a URL}; shift ;;
    --pair) pair=${2:?--pair needs the kiosk pairing link}; shift ;;
    --printer) printer=${2:?--printer needs a printer URL}; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

# step, run (printed; only printed in a dry run), write_file PATH MODE OWNER [SHOWN]
source "$APP_DIR/scripts/install-lib.sh"

if ((dry == 0)) && [[ $(id -u) -ne 0 ]]; then
  echo "Run as root: sudo bash scripts/install-agent.sh ... (or --dry-run to see the steps)" >&2
  exit 1
fi

if [[ $mode == uninstall ]]; then
  step "Stop and remove the motcua-agent service ($DATA_DIR and $CONF are kept)"
  run systemctl disable --now motcua-agent.service
  run rm -f "$UNIT"
  run systemctl daemon-reload
  echo "Removed. Kept: $DATA_DIR (journal of printed jobs), $CONF (settings), user $USER_NAME."
  exit 0
fi

if [[ $pair != http*://*/pair/?* ]]; then
  echo "--pair needs the kiosk's pairing link, e.g. http://192.168.1.10:5000/pair/<token> (Quản trị > Thiết bị)" >&2
  exit 2
fi
if [[ -z $printer ]]; then
  echo "--printer is required: usb://0x04b8:0x0202, serial:///dev/ttyUSB0, file:///dev/usb/lp0, network://IP:9100" >&2
  exit 2
fi
server=${server:-${pair%%/pair/*}}
masked_pair="${pair%%/pair/*}/pair/********"

step "System packages: python3-venv, libusb (USB printers)"
run apt-get install -y --no-install-recommends python3-venv libusb-1.0-0

step "System user $USER_NAME (groups lp, dialout, plugdev: printer device files)"
if id "$USER_NAME" >/dev/null 2>&1; then
  echo "  (exists)"
else
  run useradd --system --home-dir "$DATA_DIR" --shell /usr/sbin/nologin "$USER_NAME"
fi
for group in lp dialout plugdev; do
  if getent group "$group" >/dev/null; then run usermod -a -G "$group" "$USER_NAME"; fi
done

step "Folder $DATA_DIR (0700: the journal of printed jobs)"
run install -d -m 0700 -o "$USER_NAME" -g "$USER_NAME" "$DATA_DIR"

step "Settings $CONF (0600: the pairing link is the kiosk's key)"
conf_text() {
  cat <<EOF
# motcua print agent (python -m kiosk.agent --config $CONF). Written by scripts/install-agent.sh.
[agent]
server = $server
pair = $1
printer = $printer
state_dir = $DATA_DIR
# timeout = 5
# poll = 2
# status_every = 15
# log_level = INFO
EOF
}
conf_text "$pair" | write_file "$CONF" 0600 "$USER_NAME:$USER_NAME" "$(conf_text "$masked_pair")"

step "Python environment $VENV (requirements-agent.txt, pinned)"
run python3 -m venv "$VENV"
run "$VENV/bin/pip" install --no-cache-dir --disable-pip-version-check -r "$APP_DIR/requirements-agent.txt"

if [[ $printer =~ ^usb://(0x)?([0-9a-fA-F]{4}):(0x)?([0-9a-fA-F]{4}) ]]; then
  vendor=${BASH_REMATCH[2],,}
  product=${BASH_REMATCH[4],,}
  step "USB printer $vendor:$product: readable and writable by the lp group"
  printf 'SUBSYSTEM=="usb", ATTRS{idVendor}=="%s", ATTRS{idProduct}=="%s", MODE="0660", GROUP="lp"\n' \
    "$vendor" "$product" | write_file "$UDEV_DIR/60-motcua-printer.rules" 0644 root:root
  run udevadm control --reload-rules
  run udevadm trigger --subsystem-match=usb
fi

step "systemd unit $UNIT (restart always, hardened)"
sed -e "s#/opt/motcua#$APP_DIR#g" -e "s#/var/lib/motcua-agent#$DATA_DIR#g" -e "s#/etc/motcua-agent.conf#$CONF#g" \
    -e "s#^User=motcua-agent#User=$USER_NAME#" -e "s#^Group=motcua-agent#Group=$USER_NAME#" \
    "$APP_DIR/deploy/motcua-agent.service" | write_file "$UNIT" 0644 root:root
if command -v systemd-analyze >/dev/null 2>&1; then
  run systemd-analyze verify "$UNIT"
fi

step "Enable and start"
run systemctl daemon-reload
run systemctl enable --now motcua-agent.service
echo "Chương trình in đã cài / print agent installed: journalctl -u motcua-agent -f shows what it prints."
