#!/usr/bin/env bash
# Start Chromium full screen for a motcua screen: the ticket kiosk, the queue display or the
# rating tablet (a Linux mini-PC or Raspberry Pi; put it in the session's autostart).
#
#   deploy/chromium-kiosk.sh http://192.168.1.10/pair/<token> display
#
# The first URL is the pairing link from Quản trị > Thiết bị (it stores the device cookie in this
# profile and redirects to the screen); afterwards the screen URL (/kiosk, /display, /rating) is
# enough. The browser is restarted if it exits. MOTCUA_DRY_RUN=1 prints the command instead.
set -euo pipefail

URL=${1:?"usage: $0 <pairing or screen URL> [kiosk|display|tablet]"}
ROLE=${2:-display}
PROFILE=${MOTCUA_PROFILE_DIR:-"$HOME/.config/motcua-$ROLE"}
BROWSER=${MOTCUA_BROWSER:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || echo chromium)}

FLAGS=(
  --kiosk                                     # full screen, no address bar, no exit by F11
  --noerrdialogs                              # no error pop-ups in front of citizens
  --autoplay-policy=no-user-gesture-required  # the display announces calls without a tap
  --disable-infobars
  --disable-session-crashed-bubble            # no "restore pages?" after a power cut
  --no-first-run
  --disable-translate
  --disable-sync
  --disable-background-networking
  --disable-component-update
  --check-for-update-interval=31536000
  --password-store=basic
  --lang=vi
  --user-data-dir="$PROFILE"
)
FEATURES="Translate,TranslateUI"  # Chromium honours only the last --disable-features: build one
case "$ROLE" in
  kiosk|tablet)
    # Touch screens: no pinch zoom, no swipe back.
    FLAGS+=(--touch-events=enabled --disable-pinch --overscroll-history-navigation=0)
    FEATURES+=",TouchpadOverscrollHistoryNavigation"
    # A kiosk with browser printing (issue 14) prints its ticket on the default printer without a dialog.
    [[ $ROLE == kiosk ]] && FLAGS+=(--kiosk-printing)
    ;;
  display) ;;
  *) echo "role must be kiosk, display or tablet" >&2; exit 2 ;;
esac
FLAGS+=(--disable-features="$FEATURES")

if [[ "${MOTCUA_DRY_RUN:-0}" == "1" ]]; then
  printf '%q ' "$BROWSER" "${FLAGS[@]}" "$URL"; echo
  exit 0
fi

# Keep the screen on: no blanking, no power saving.
if [[ -n "${DISPLAY:-}" ]] && command -v xset >/dev/null 2>&1; then
  xset s off -dpms s noblank || true
fi
mkdir -p "$PROFILE/Default"
while true; do
  # A power cut leaves the profile marked as crashed; mark it clean so no bubble appears.
  sed -i 's/"exited_cleanly":false/"exited_cleanly":true/; s/"exit_type":"Crashed"/"exit_type":"Normal"/' \
    "$PROFILE/Default/Preferences" 2>/dev/null || true
  "$BROWSER" "${FLAGS[@]}" "$URL" || true
  sleep 2
done
