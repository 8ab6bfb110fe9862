#!/usr/bin/env bash
# Build dist/campaign-desk_<version>_<arch>.deb: the PyInstaller bundle under /opt/campaign-desk,
# a /usr/bin link, the .desktop file and the icon. Debian 12 has no PySide6 packages, so the
# package carries its own Qt. Run from the repository root in a venv with ".[package]".
set -euo pipefail
cd "$(dirname "$0")/../.."
version=$(python -c "import app; print(app.__version__)")
arch=$(dpkg --print-architecture)
pyinstaller --noconfirm --distpath build/pyinstaller --workpath build/work packaging/campaign-desk.spec

root=build/deb/campaign-desk
rm -rf "$root"
mkdir -p "$root/DEBIAN" "$root/opt" "$root/usr/bin" "$root/usr/share/applications" \
  "$root/usr/share/icons/hicolor/scalable/apps"
cp -a build/pyinstaller/campaign-desk "$root/opt/campaign-desk"
ln -s /opt/campaign-desk/campaign-desk "$root/usr/bin/campaign-desk"
install -m 644 resources/campaign-desk.desktop "$root/usr/share/applications/"
install -m 644 resources/campaign-desk.svg "$root/usr/share/icons/hicolor/scalable/apps/"
size=$(du -sk "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: campaign-desk
Version: $version
Architecture: $arch
Maintainer: Campaign Desk <support@campaign-desk.invalid>
Installed-Size: $size
Depends: libc6, libegl1, libxkbcommon0, libfontconfig1, libxcb-cursor0, libdbus-1-3
Section: net
Priority: optional
Description: Check, price and send bulk SMS campaigns
 Drop a CSV of recipients, see encoding, segments and cost per row, validate at the
 provider, schedule, send and steer campaigns. Ships with a sandbox of five providers.
CONTROL
mkdir -p dist
dpkg-deb --root-owner-group --build "$root" "dist/campaign-desk_${version}_${arch}.deb"
