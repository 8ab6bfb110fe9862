#!/usr/bin/env bash
# Smoke check of the macOS disk image: mount it, copy the .app out as a user installs it,
# check its CSV document type and signature, then run packaging/smoke.py on it.
#
#   bash packaging/macos/smoke.sh [DMG]      (default: the newest dist/Campaign-Desk-*.dmg)
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/.venv/bin:$PATH"
dmg=${1:-$(ls -t dist/Campaign-Desk-*.dmg | head -1)}
work=$(mktemp -d)
mount=$work/mount
mkdir -p "$mount" "$work/Applications"
hdiutil attach -nobrowse -readonly -mountpoint "$mount" "$dmg" >/dev/null
trap 'hdiutil detach "$mount" -quiet || true; rm -rf "$work"' EXIT
test -L "$mount/Applications" || { echo "FAIL the image has no link to /Applications"; exit 1; }
cp -R "$mount/Campaign Desk.app" "$work/Applications/"
app="$work/Applications/Campaign Desk.app"
plist="$app/Contents/Info.plist"
[ "$(/usr/libexec/PlistBuddy -c 'Print :CFBundleDocumentTypes:0:LSItemContentTypes:0' "$plist")" \
  = public.comma-separated-values-text ] || { echo "FAIL no CSV document type"; exit 1; }
codesign --verify --deep --strict "$app"
echo "ok   CSV document type, signature"
python packaging/smoke.py "$app/Contents/MacOS/campaign-desk"
echo "smoke.sh: passed"
