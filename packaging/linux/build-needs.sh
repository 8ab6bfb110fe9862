#!/usr/bin/env bash
# Install (as root, with apt) what building and smoke-checking the .deb needs on Debian 12:
# the packaging tools, and the system libraries the bundled Qt links, which must be present
# for dpkg-shlibdeps to name their packages. (The .deb's Depends line is not taken from here:
# build-deb.sh computes it from the bundle, and stops if a library it links is missing.)
set -euo pipefail
needs=(
  binutils dpkg-dev fakeroot lintian desktop-file-utils appstream xvfb xauth
  libegl1 libgl1 libfontconfig1 libfreetype6 libdbus-1-3 libglib2.0-0 libxkbcommon0
  libxkbcommon-x11-0 libx11-6 libx11-xcb1 libxcb1 libxcb-cursor0 libxcb-icccm4
  libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render0 libxcb-render-util0
  libxcb-shape0 libxcb-shm0 libxcb-sync1 libxcb-util1 libxcb-xfixes0 libxcb-xkb1
  libwayland-client0 libwayland-cursor0
)
missing=()
for package in "${needs[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "build-needs.sh: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
