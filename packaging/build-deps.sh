#!/bin/bash
# make deb: install what the package needs to build, as make deps does
# for make test. Nothing is installed when dpkg-checkbuilddeps is happy.
#
#   build-deps.sh ARCH SRCDIR      (ARCH other than the machine's: a cross
#                                   build with profiles cross,nocheck)
set -euo pipefail
ARCH=$1 SRC=$2
SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
APT="$SUDO env DEBIAN_FRONTEND=noninteractive apt-get -q"

installed() {
	dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null |
		grep -q '^install ok installed'
}
install() {    # apt-get ARGS..., updating the lists first if it fails
	$APT "$@" || { $APT update && $APT "$@"; }
}

NATIVE=$(dpkg --print-architecture)
CROSS=() EXTRA=(dpkg-dev)
if [ "$ARCH" != "$NATIVE" ]; then
	CROSS=(-a "$ARCH" -P cross,nocheck)
	EXTRA+=("crossbuild-essential-$ARCH")
	if ! dpkg --print-foreign-architectures | grep -qx "$ARCH"; then
		$SUDO dpkg --add-architecture "$ARCH"
		$APT update
	fi
fi
missing=()
for p in "${EXTRA[@]}"; do installed "$p" || missing+=("$p"); done
[ ${#missing[@]} = 0 ] ||
	install install -y --no-install-recommends "${missing[@]}"

cd "$SRC"
dpkg-checkbuilddeps "${CROSS[@]}" 2>/dev/null && exit 0
echo "deb: installing the build dependencies ($ARCH)"
install build-dep -y --no-install-recommends "${CROSS[@]}" ./
