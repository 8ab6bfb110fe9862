#!/usr/bin/env bash
# Build dist/Campaign-Desk-<version>-<arch>.dmg on macOS (PyInstaller cannot cross-build):
# "Campaign Desk.app" from the spec beside a link to /Applications, to drag it onto.
#
#   python3 -m venv .venv && .venv/bin/pip install -e ".[package]"
#   bash packaging/macos/build-dmg.sh
#
# PyInstaller signs the .app ad hoc, which runs on the machine that built it. To distribute
# it, set CODESIGN_IDENTITY ("Developer ID Application: ...") and notarise the .dmg:
#   xcrun notarytool submit dist/*.dmg --keychain-profile PROFILE --wait && xcrun stapler staple dist/*.dmg
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/.venv/bin:$PATH"
version=$(python -c "import app; print(app.__version__)")
pyinstaller --noconfirm --log-level WARN packaging/campaign-desk.spec
app="dist/Campaign Desk.app"
if [ -n "${CODESIGN_IDENTITY:-}" ]; then
  codesign --force --deep --options runtime --timestamp --sign "$CODESIGN_IDENTITY" "$app"
fi
stage=build/dmg
rm -rf "$stage"
mkdir -p "$stage"
cp -R "$app" "$stage/"
ln -s /Applications "$stage/Applications"
dmg="dist/Campaign-Desk-$version-$(uname -m).dmg"
hdiutil create -volname "Campaign Desk" -srcfolder "$stage" -fs HFS+ -format UDZO -ov "$dmg"
echo "build-dmg.sh: $dmg ($(du -k "$dmg" | cut -f1) KiB)"
