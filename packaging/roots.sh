#!/bin/bash
# Debian roots for testing on another release than the machine's own.
#
#   roots.sh make SUITE ROOT       debootstrap --variant=minbase SUITE into
#                                  ROOT unless ROOT.stamp says it is there
#   roots.sh run SUITE ROOT CMD    run the shell command CMD as root inside
#                                  ROOT, in this source tree (same path)
#
# The Debian mirror is the machine's own, read from its apt configuration
# each time: no mirror's name is ever written into this project. The root
# holds it only while a command runs inside (apt may need it then).
#
# Mounts (proc, sys, dev, this tree) live in a private mount namespace:
# they are unmounted on exit, and vanish with the namespace even if this
# script is killed, so `rm -rf build` never reaches the host's /dev.
# Needs root and unshare (util-linux); installs debootstrap if missing.
set -euo pipefail

TREE=$(cd "$(dirname "$0")/.." && pwd)

die() { echo "roots: $*" >&2; exit 1; }
since() { awk -v a="$(date +%s.%N)" -v b="$1" 'BEGIN {printf "%.0f", a - b}'; }

# The first URI of a main-archive suite (not -security/-updates) in the
# machine's apt sources: deb822 files first, then one-line sources.list
mirror() {
	local m f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		m=$(awk '
			function flush() {
				if (uri != "" && main && types ~ /(^| )deb( |$)/ &&
				    out == "") out = uri
				uri = ""; main = 0; types = ""
			}
			/^[ \t]*$/ { flush(); next }
			/^[ \t]*#/ { next }
			tolower($1) == "types:" { $1 = ""; types = $0 " " }
			tolower($1) == "uris:" { uri = $2 }
			tolower($1) == "suites:" {
				for (i = 2; i <= NF; i++) if ($i !~ /-/) main = 1
			}
			END { flush(); print out }' "$f")
		[ -n "$m" ] && { echo "$m"; return; }
	done
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -f "$f" ] || continue
		m=$(awk '$1 == "deb" {
				for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) {
					if ($(i + 1) !~ /-/) { print $i; exit }
					break
				}
			}' "$f")
		[ -n "$m" ] && { echo "$m"; return; }
	done
	die "no Debian mirror in /etc/apt/sources.list{,.d/}"
}

# bookworm's debootstrap has no script for the newest suites; sid's fits
script_for() {
	if [ -e "/usr/share/debootstrap/scripts/$1" ]; then
		echo "$1"
	else
		echo sid
	fi
}

sources_in() {         # ROOT SUITE: the root's apt sources, for now
	echo "deb $(mirror) $2 main" > "$1/etc/apt/sources.list"
	# a suite whose Release file has expired must still be usable
	echo 'Acquire::Check-Valid-Until "false";' \
		> "$1/etc/apt/apt.conf.d/99roots-valid-until"
	cp -L /etc/resolv.conf "$1/etc/resolv.conf" 2>/dev/null || true
}
sources_out() { : > "$1/etc/apt/sources.list"; }

# Library manual pages (section 3) are left out of the root: some
# Multi-Arch: same -dev packages of trixie (libpsl-dev, pulled by
# libcurl4-openssl-dev) carry compressed pages that differ between amd64
# and arm64, and dpkg then refuses the arm64 one that the cross build
# needs. The others stay: systemd-analyze verify reads the unit's
# Documentation=man:baresip(1).
dpkg_excludes() {
	echo 'path-exclude=/usr/share/man/man3/*' \
		> "$1/etc/dpkg/dpkg.cfg.d/roots-no-man3"
	rm -f "$1/etc/dpkg/dpkg.cfg.d/roots-no-man"
}

cmd_make() {
	local suite=$1 root=$2 t
	[ -f "$root.stamp" ] && [ -x "$root/usr/bin/make" ] && return 0
	# as make deps does: install what is missing
	if ! command -v debootstrap >/dev/null; then
		echo "roots: installing debootstrap"
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends debootstrap ||
		{ apt-get update -q && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q --no-install-recommends debootstrap; }
	fi
	t=$(date +%s.%N)
	rm -rf "${root:?}" "$root.stamp"
	mkdir -p "$(dirname "$root")"
	echo "roots: debootstrap --variant=minbase $suite (script" \
		"$(script_for "$suite")) into $root"
	# make is the only addition: the rest comes from the project's deps
	debootstrap --variant=minbase --include=make \
		"$suite" "$root" "$(mirror)" \
		"/usr/share/debootstrap/scripts/$(script_for "$suite")" \
		> "$root.debootstrap.log" 2>&1 ||
		{ tail -20 "$root.debootstrap.log"; rm -rf "${root:?}";
		  die "debootstrap $suite failed"; }
	sources_out "$root"
	rm -f "$root/var/cache/apt/archives/"*.deb
	echo "$suite $(date -u +%FT%TZ)" > "$root.stamp"
	echo "roots: $suite root made in $(since "$t") s," \
		"$(du -sm "$root" | cut -f1) MB"
}

# Inside a private mount namespace (see cmd_run)
cmd_inside() {
	local suite=$1 root=$2 cmd=$3
	# global: the EXIT trap runs after this function has returned
	MOUNTS=()
	ROOT=$root
	cleanup() {
		local i
		for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
			umount -R "${MOUNTS[i]}" 2>/dev/null ||
				umount -R -l "${MOUNTS[i]}" || true
		done
		sources_out "$ROOT"
	}
	trap cleanup EXIT
	mount -t proc proc "$root/proc";   MOUNTS+=("$root/proc")
	mount --rbind /sys "$root/sys";    MOUNTS+=("$root/sys")
	mount --rbind /dev "$root/dev";    MOUNTS+=("$root/dev")
	mkdir -p "$root$TREE"
	mount --bind "$TREE" "$root$TREE"; MOUNTS+=("$root$TREE")
	sources_in "$root" "$suite"
	dpkg_excludes "$root"
	# a clean environment: the host's PATH, locale or BUILD must not leak
	chroot "$root" /usr/bin/env -i HOME=/root TERM="${TERM:-dumb}" \
		PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
		DEBIAN_FRONTEND=noninteractive \
		/bin/sh -c "cd '$TREE' && $cmd"
}

cmd_run() {
	local suite=$1 root=$2 cmd=$3
	[ -f "$root.stamp" ] || die "no $suite root in $root: make it first"
	unshare --mount --propagation private -- \
		bash "$TREE/packaging/roots.sh" _inside "$suite" "$root" "$cmd"
}

[ "$(id -u)" = 0 ] || die "run as root (debootstrap, mount, chroot)"
case "${1:-}" in
make)    [ $# = 3 ] || die "usage: roots.sh make SUITE ROOT"
	 cmd_make "$2" "$(realpath -m "$3")" ;;
run)     [ $# = 4 ] || die "usage: roots.sh run SUITE ROOT CMD"
	 cmd_run "$2" "$(realpath -m "$3")" "$4" ;;
_inside) cmd_inside "$2" "$3" "$4" ;;
*)       die "usage: roots.sh make|run SUITE ROOT [CMD]" ;;
esac
