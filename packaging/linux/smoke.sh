#!/usr/bin/env bash
# Smoke check of the Linux package: build the .deb (or take the one given), check it with
# lintian, desktop-file-validate and appstreamcli, unpack it into a throwaway root, check that
# every library its binaries link is found, run packaging/smoke.py on the unpacked program
# (--version, preview, --self-test when it exists, start time, what the bundle holds), and
# open its window on a real X server (Xvfb) with Qt's xcb plugin.
#
#   packaging/linux/smoke.sh [--install] [DEB]
#
# --install (as root) also installs the package with dpkg, runs /usr/bin/campaign-desk, removes
# it and checks that nothing of it is left under /opt or /usr, then purges it.
# Needs: the venv with ".[package]"; apt-get install lintian desktop-file-utils appstream xvfb
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="$PWD/.venv/bin:$PATH"

install=0
if [ "${1:-}" = "--install" ]; then install=1; shift; fi
for tool in lintian:lintian desktop-file-validate:desktop-file-utils appstreamcli:appstream \
    xvfb-run:xvfb; do
  command -v "${tool%%:*}" >/dev/null 2>&1 \
    || { echo "smoke.sh: needs ${tool%%:*}: apt-get install ${tool#*:}" >&2; exit 1; }
done

if [ $# -ge 1 ]; then
  deb=$1
else
  started=$(date +%s)
  bash packaging/linux/build-deb.sh
  echo "smoke.sh: built in $(($(date +%s) - started)) s"
  deb=$(ls -t dist/campaign-desk_*.deb | head -1)
fi
echo "smoke.sh: $deb, $(du -k "$deb" | cut -f1) KiB"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dpkg-deb -x "$deb" "$work/root"
program=$work/root/opt/campaign-desk/campaign-desk

echo "== lintian"
lintian --fail-on error "$deb" | tee "$work/lintian.txt" || { echo "FAIL lintian"; exit 1; }
echo "ok   lintian: $(grep -c '^E:' "$work/lintian.txt" || true) errors," \
  "$(grep -c '^W:' "$work/lintian.txt" || true) warnings"
echo "== desktop integration"
desktop-file-validate "$work/root/usr/share/applications/campaign-desk.desktop"
appstreamcli validate --no-net "$work"/root/usr/share/metainfo/*.metainfo.xml
for size in 16 22 24 32 48 64 128 256 512; do
  test -s "$work/root/usr/share/icons/hicolor/${size}x${size}/apps/campaign-desk.png" \
    || { echo "FAIL no ${size}x${size} icon"; exit 1; }
done
echo "ok   menu entry, AppStream metadata, icons 16-512 px and SVG"

echo "== linked libraries"
libdirs=$(find "$work/root/opt/campaign-desk" -name '*.so*' -printf '%h\n' | sort -u | paste -sd:)
missing=$(find "$work/root/opt/campaign-desk" -type f \( -name '*.so*' -o -perm -u+x \) \
  -exec sh -c 'head -c4 "$1" | grep -q ELF && LD_LIBRARY_PATH="$2" ldd "$1" | grep "not found" \
    | sed "s|^|$1: |"' _ {} "$libdirs" \; | sed "s|$work/root||" || true)
if [ -n "$missing" ]; then echo "FAIL libraries not found:"; echo "$missing"; exit 1; fi
echo "ok   every library the bundle links is in it or installed"

echo "== the installed program"
python packaging/smoke.py "$program"

echo "== a real window (Xvfb, Qt's xcb plugin)"
home=$work/home
mkdir -p "$home"
if out=$(HOME=$home XDG_CONFIG_HOME=$home/.config XDG_DATA_HOME=$home/.local/share \
    QT_QPA_PLATFORM=xcb CAMPAIGN_DESK_QUIT_AFTER_FIRST_WINDOW=1 \
    timeout 120 xvfb-run -a "$program" 2>&1) && grep -q '^first-window-epoch=' <<<"$out"; then
  echo "ok   window shown on X11"
else
  echo "FAIL no window on X11:"; echo "$out"; exit 1
fi

if [ "$install" = 1 ]; then
  echo "== install, remove, purge"
  dpkg -i "$deb" >/dev/null
  trap 'dpkg --purge campaign-desk >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
  dpkg -L campaign-desk | sort >"$work/files"
  /usr/bin/campaign-desk --version
  cache=/usr/share/applications/mimeinfo.cache
  if command -v update-desktop-database >/dev/null 2>&1; then
    grep -q '^text/csv=.*campaign-desk\.desktop' "$cache" \
      || { echo "FAIL CSV files do not offer Campaign Desk ($cache)"; exit 1; }
    echo "ok   CSV files offer Campaign Desk (postinst refreshed $cache)"
  fi
  dpkg -r campaign-desk >/dev/null
  if [ -f "$cache" ] && grep -q 'campaign-desk\.desktop' "$cache"; then
    echo "FAIL $cache still names campaign-desk.desktop after dpkg -r"; exit 1
  fi
  # every file and link of the package gone, and every folder of its own (shared ones stay)
  left=$(grep -E '^/(opt|usr)/' "$work/files" | while read -r path; do
    if [ -e "$path" ] || [ -L "$path" ]; then
      if ! [ -d "$path" ] || [[ $path == */campaign-desk || $path == /opt/campaign-desk/* ]]; then
        echo "$path"
      fi
    fi
  done)
  if [ -n "$left" ]; then echo "FAIL dpkg -r left:"; echo "$left"; exit 1; fi
  echo "ok   dpkg -r left nothing under /opt or /usr"
  dpkg --purge campaign-desk
fi
echo "smoke.sh: passed"
