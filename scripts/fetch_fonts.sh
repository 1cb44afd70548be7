#!/usr/bin/env bash
# Printing room: fetch the bundled Vietnamese font (Be Vietnam Pro, SIL OFL 1.1) from the npm
# registry and copy Regular + Bold into static/fonts/. The fonts are committed, so the server
# and the ticket printer need no network at run time; run this only to refresh or verify them.
#
# Source: npm package @expo-google-fonts/be-vietnam-pro@0.4.1 (ships the Google Fonts TTFs and
# LICENSE_FONT = OFL-1.1 text). Be Vietnam Pro covers the full Vietnamese alphabet, including
# stacked marks (Ệ, ỗ, Ử) and Đ/đ.
set -euo pipefail

PKG="@expo-google-fonts/be-vietnam-pro"
VERSION="0.4.1"
# sha256 of the files as shipped in that version; a mismatch stops the script.
SHA_REGULAR="cb6f53d6fd56316356c55b067474d9621c27b7182b124063b8f6eab6acef63bd"
SHA_BOLD="2fe6c3f9dbb65f61554d530c16b2eb4ec32ca437dc8f9999a6ec0f6403b30bfe"

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEST="$ROOT/static/fonts"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

mkdir -p "$DEST"
(cd "$WORK" && npm pack --silent "$PKG@$VERSION" >/dev/null)
tar -xzf "$WORK"/*.tgz -C "$WORK"

check() {
  # check FILE SHA: refuse a file whose content differs from the pinned one
  local got
  got="$(sha256sum "$1" | cut -d' ' -f1)"
  if [ "$got" != "$2" ]; then
    echo "sha256 mismatch for $1: got $got, want $2" >&2
    exit 1
  fi
}

check "$WORK/package/400Regular/BeVietnamPro_400Regular.ttf" "$SHA_REGULAR"
check "$WORK/package/700Bold/BeVietnamPro_700Bold.ttf" "$SHA_BOLD"

cp "$WORK/package/400Regular/BeVietnamPro_400Regular.ttf" "$DEST/BeVietnamPro-Regular.ttf"
cp "$WORK/package/700Bold/BeVietnamPro_700Bold.ttf" "$DEST/BeVietnamPro-Bold.ttf"
cp "$WORK/package/LICENSE_FONT" "$DEST/OFL.txt"
cat > "$DEST/SOURCE.txt" <<TXT
Be Vietnam Pro (Regular 400, Bold 700), SIL Open Font License 1.1 (see OFL.txt).
Obtained from the npm registry: $PKG@$VERSION by scripts/fetch_fonts.sh.
BeVietnamPro-Regular.ttf  sha256 $SHA_REGULAR
BeVietnamPro-Bold.ttf     sha256 $SHA_BOLD
Used by kiosk/printing (ticket images) and static/css/fonts.css (family "Motcua Sans").
TXT
echo "fonts: $PKG@$VERSION -> $DEST"
