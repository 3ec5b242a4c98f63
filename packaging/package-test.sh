#!/bin/bash
# make package-test: the Debian package, for real, on this machine.
#
#  1. install what is missing (debhelper, lintian, the arm64 cross
#     toolchain and :arm64 -dev packages, qemu-user-static, systemd)
#  2. systemd-analyze verify on the unit
#  3. make install / make uninstall into a DESTDIR
#  4. amd64 .deb: build, lintian (no errors), install with apt, run the
#     packaged door-station config as the service user and open relay 1
#     through httpopen with curl, run baresip-door-off as the service user
#     on file lines, dpkg -r (only config left), dpkg -P
#  5. arm64 .deb: cross-build, lintian, modules are aarch64 ELF whose
#     NEEDED libraries come from baresip-core:arm64's dependency closure or
#     from the package's own Depends; then Debian's arm64 baresip and its
#     libraries unpacked into $BUILD/arm64-sysroot run under
#     qemu-aarch64-static with the arm64 modules, and relay 1 is opened
#     through httpopen
#
#  6. with FOREIGN_DEBS (packages built on another Debian release): each
#     is refused here, by apt-get and by dpkg, for its baresip-core
#
#   package-test.sh                 steps 1-6
#   package-test.sh refuse DEB...   step 6 only, for these packages
#
# Needs root. Installs and removes the package baresip-door on this
# machine; refuses to start if it is installed already.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-$PWD/build}
MAKE=${MAKE:-make}
PYTHON=${PYTHON:-/usr/bin/python3}
MODE=${1:-all}
[ "$MODE" = refuse ] ||
	MODULES=${MODULES:?MODULES: the module names, as the Makefile passes them}
FOREIGN_DEBS=${FOREIGN_DEBS:-}
PKG=baresip-door
NATIVE=$(dpkg --print-architecture)
SYSROOT=$BUILD/arm64-sysroot
T0=$(date +%s.%N)

since() { awk -v a="$(date +%s.%N)" -v b="$1" 'BEGIN {printf "%.1f", a - b}'; }
step() { echo; echo "== $* (at $(since "$T0") s)"; }
PASSED=0
ok() { echo "ok:   $*"; PASSED=$((PASSED + 1)); }
fail() {
	echo "package-test: FAIL: $*" >&2
	echo "package-test: $PASSED passed, 1 failed"
	exit 1
}
# grep -q in a pipe under pipefail can kill the writer: read it all
has() { grep "$@" >/dev/null; }
installed() {
	dpkg-query -W -f='${Status}\n' "$1" 2>/dev/null |
		has '^install ok installed'
}

[ "$(id -u)" = 0 ] || fail "run as root: it installs packages"
mkdir -p "$BUILD"

# ---------------------------------------------------------------------
step "1. installing what is missing"
need_update=
if ! dpkg --print-foreign-architectures | has -x arm64; then
	dpkg --add-architecture arm64
	need_update=1
fi
ls /var/lib/apt/lists/*_binary-arm64_Packages* >/dev/null 2>&1 ||
	need_update=1
# -dev packages are Multi-Arch: same, so name the native one explicitly
NEEDED="curl file binutils util-linux systemd python3 baresip-core
	dpkg-dev debhelper lintian gcc qemu-user-static gcc-aarch64-linux-gnu
	libre-dev:$NATIVE librem-dev:$NATIVE libgpiod-dev:$NATIVE
	libcurl4-openssl-dev:$NATIVE libcmocka-dev:$NATIVE pkgconf:$NATIVE
	libmosquitto-dev:$NATIVE libmosquitto-dev:arm64
	libssl-dev:$NATIVE libssl-dev:arm64
	libc6-dev:arm64 libre-dev:arm64 librem-dev:arm64 libgpiod-dev:arm64
	libcurl4-openssl-dev:arm64 pkgconf:arm64"
missing=
for p in $NEEDED; do
	installed "$p" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing"
	[ -z "$need_update" ] || apt-get update -q
	# no update yet and a package is unknown: update, then try again
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends $missing ||
	{ apt-get update -q && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends $missing; }
elif [ -n "$need_update" ]; then
	apt-get update -q
fi
ok "tools and :arm64 -dev packages installed"

if installed $PKG || dpkg-query -W -f='${Status}\n' $PKG 2>/dev/null |
		has config-files; then
	fail "$PKG is installed (or its config is) on this machine; this" \
	     "test installs and purges it: run dpkg -P $PKG first"
fi

# Whatever happens, the machine is left without the package
cleanup() {
	if dpkg-query -W $PKG >/dev/null 2>&1; then
		echo "cleanup: purging $PKG"
		dpkg -P $PKG >/dev/null || true
	fi
}
trap cleanup EXIT

# A package built against another baresip: apt-get refuses it for its
# baresip-core dependency; dpkg -i unpacks it but cannot configure it
refuse_foreign() {
	local deb have out dep
	have=$(dpkg-query -W -f='${Version}' baresip-core)
	for deb in "$@"; do
		deb=$(realpath "$deb")
		dep=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' |
			sed -n 's/^ *\(baresip-core .*\)/\1/p' | paste -sd, -)
		[ -n "$dep" ] || fail "$deb does not depend on baresip-core"
		out=$(apt-get install -s -q --no-install-recommends "$deb" 2>&1) &&
			fail "apt-get accepts $deb ($dep) with baresip-core $have"
		echo "$out" | has "Depends: baresip-core" ||
			fail "apt-get refused $deb, not for baresip-core: $out"
		echo "$out" | grep 'Depends: baresip-core' | sed 's/^ */apt-get: /'
		ok "apt-get install refuses $deb ($dep; baresip-core $have here)"
		out=$(dpkg -i "$deb" 2>&1) && fail "dpkg -i installed $deb"
		echo "$out" | has "depends on baresip-core" ||
			fail "dpkg -i failed, not for baresip-core: $out"
		! installed $PKG || fail "dpkg -i left $PKG configured"
		dpkg -P $PKG > /dev/null
		! dpkg-query -W $PKG >/dev/null 2>&1 || fail "dpkg -P left $PKG"
		ok "dpkg -i leaves it unconfigured (depends on $dep), purged"
	done
}

if [ "$MODE" = refuse ]; then
	shift
	step "6. packages built on another Debian release are refused"
	refuse_foreign "$@"
	echo "package-test: $PASSED passed, 0 failed"
	exit 0
fi

# ---------------------------------------------------------------------
step "2. systemd-analyze verify"
systemd-analyze verify packaging/systemd/$PKG.service
ok "systemd-analyze verify packaging/systemd/$PKG.service"
echo "figure: $(systemd-analyze security --offline=true \
	packaging/systemd/$PKG.service 2>/dev/null | tail -1 |
	tr -cd '\40-\176' | sed 's/^ *//; s/ *$//')"

# ---------------------------------------------------------------------
step "3. make install / make uninstall with DESTDIR"
D=$BUILD/pkgtest-destdir
rm -rf "$D"
$MAKE -s BUILD="$BUILD" install DESTDIR="$D" PREFIX=/usr >/dev/null
for m in $MODULES; do
	[ -f "$D/usr/lib/baresip/modules/$m.so" ] || fail "make install: no $m.so"
done
for f in etc/$PKG/config etc/$PKG/accounts \
	 usr/share/$PKG/conf/door-station/config \
	 usr/share/$PKG/conf/indoor-monitor/config \
	 usr/share/doc/$PKG/README.md usr/lib/systemd/system/$PKG.service \
	 usr/lib/sysusers.d/$PKG.conf usr/lib/udev/rules.d/60-$PKG-gpio.rules
do
	[ -f "$D/$f" ] || fail "make install: no /$f"
done
ok "make install DESTDIR=... PREFIX=/usr: modules ($MODULES), examples, docs, unit"
$MAKE -s BUILD="$BUILD" uninstall DESTDIR="$D" PREFIX=/usr >/dev/null
left=$(cd "$D" && find . -type f | sort | tr '\n' ' ')
[ "$left" = "./etc/$PKG/accounts ./etc/$PKG/config " ] ||
	fail "make uninstall left: $left"
ok "make uninstall: only /etc/$PKG/{config,accounts} left"

# ---------------------------------------------------------------------
step "4. amd64 package"
t=$(date +%s.%N)
$MAKE -s BUILD="$BUILD" deb > "$BUILD/pkgtest-deb-$NATIVE.log" 2>&1 ||
	{ tail -40 "$BUILD/pkgtest-deb-$NATIVE.log"; fail "make deb"; }
DEB=$(ls "$BUILD"/${PKG}_*_"$NATIVE".deb)
echo "figure: make deb ($NATIVE) $(since "$t") s, $(stat -c %s "$DEB") bytes"
ok "built $DEB"

lintian_check() {
	local out rc=0
	out=$(lintian --fail-on error "$1" 2>&1) || rc=$?
	out=$(echo "$out" | grep -v 'root privileges is not recommended' || true)
	echo "${out:-(no tags)}" | sed 's/^/lintian: /'
	[ $rc = 0 ] || fail "lintian errors in $1"
	ok "lintian: no errors in $(basename "$1")"
}
lintian_check "$DEB"

listing=$(dpkg-deb -c "$DEB")
for m in $MODULES; do
	echo "$listing" | has "/usr/lib/baresip/modules/$m.so$" ||
		fail "$m.so is not in the package"
done
ok "package holds every module: $MODULES"

t=$(date +%s.%N)
DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	--no-install-recommends "$DEB" > "$BUILD/pkgtest-install.log" 2>&1 ||
	{ cat "$BUILD/pkgtest-install.log"; fail "apt-get install $DEB"; }
echo "figure: apt-get install $(since "$t") s"
installed $PKG || fail "$PKG not installed"
ok "apt-get install ./$(basename "$DEB")"

id -nG $PKG | tr ' ' '\n' | has -x gpio || fail "$PKG is not in group gpio"
ok "service user: $(id $PKG)"
[ "$(stat -c '%a %U %G' /etc/$PKG/config)" = "640 root $PKG" ] ||
	fail "/etc/$PKG/config is $(stat -c '%a %U %G' /etc/$PKG/config)"
runuser -u $PKG -- cat /etc/$PKG/config /etc/$PKG/accounts >/dev/null ||
	fail "$PKG cannot read its config"
! runuser -u nobody -- cat /etc/$PKG/config >/dev/null 2>&1 ||
	fail "/etc/$PKG/config is readable by anyone"
ok "/etc/$PKG/config: 0640 root:$PKG, readable by the service only"
[ ! -e /etc/systemd/system/multi-user.target.wants/$PKG.service ] ||
	fail "the service was enabled by the package"
systemd-analyze verify /lib/systemd/system/$PKG.service
ok "unit installed, not enabled; systemd-analyze verify passes"

OPEN=ctrl
case " $MODULES " in *" httpopen "*) OPEN=httpopen ;; esac
WORK=$(mktemp -d /tmp/$PKG-pkgtest.XXXXXX)
chmod 755 "$WORK"
$PYTHON tests/package/run_packaged.py --conf /usr/share/$PKG/conf/door-station \
	--modules /usr/lib/baresip/modules --work "$WORK/door-station" \
	--user $PKG --open $OPEN ||
	fail "packaged door-station config (amd64)"
ok "packaged door-station config runs as $PKG and opens relay 1 ($OPEN)"
$PYTHON tests/package/run_packaged.py \
	--conf /usr/share/$PKG/conf/indoor-monitor \
	--modules /usr/lib/baresip/modules --work "$WORK/indoor-monitor" \
	--user $PKG --load-only ||
	fail "packaged indoor-monitor config (amd64)"
ok "packaged indoor-monitor config loads cleanly"
# the unit's ExecStartPre=/ExecStopPost= program, as the service user
OFFDIR=$WORK/off
mkdir "$OFFDIR"
printf 'relay1_gpio file:%s/r1\nrelay1_active_low yes\ndryio_out1_gpio file:%s/o1\n' \
	"$OFFDIR" "$OFFDIR" > "$OFFDIR/config"
echo 1 > "$OFFDIR/o1"
chown -R $PKG "$OFFDIR"
runuser -u $PKG -- /usr/lib/$PKG/baresip-door-off -f "$OFFDIR" >/dev/null ||
	fail "/usr/lib/$PKG/baresip-door-off"
[ "$(cat "$OFFDIR/r1")" = 1 ] && [ "$(cat "$OFFDIR/o1")" = 0 ] ||
	fail "baresip-door-off left a line on"
ok "/usr/lib/$PKG/baresip-door-off switches the configured lines off"
rm -rf "$WORK"

conffiles=$(dpkg-query --showformat='${Conffiles}\n' -W $PKG |
	awk 'NF {print $1}' | sort)
files=$(dpkg -L $PKG | sort)
t=$(date +%s.%N)
dpkg -r $PKG > /dev/null
echo "figure: dpkg -r $(since "$t") s"
dpkg-query -W -f='${Status}\n' $PKG | has 'deinstall ok config-files' ||
	fail "dpkg -r: status $(dpkg-query -W -f='${Status}' $PKG)"
left=
for f in $files; do
	[ -d "$f" ] && continue
	if echo "$conffiles" | has -x "$f"; then
		[ -e "$f" ] || fail "dpkg -r removed the config $f"
	elif [ -e "$f" ] || [ -L "$f" ]; then
		left="$left $f"
	fi
done
[ -z "$left" ] || fail "dpkg -r left:$left"
for d in /usr/share/$PKG /usr/share/doc/$PKG; do
	[ ! -e "$d" ] || fail "dpkg -r left $d"
done
ok "dpkg -r: every file gone but the config ($(echo $conffiles))"
dpkg -P $PKG > /dev/null
[ ! -e /etc/$PKG ] || fail "dpkg -P left /etc/$PKG"
! dpkg-statoverride --list "/etc/$PKG/*" | has . ||
	fail "dpkg -P left statoverrides"
ok "dpkg -P: config and statoverrides gone (user $PKG stays, as Debian does)"

# ---------------------------------------------------------------------
step "5. arm64 package"
t=$(date +%s.%N)
$MAKE -s BUILD="$BUILD" deb ARCH=arm64 > "$BUILD/pkgtest-deb-arm64.log" 2>&1 ||
	{ tail -40 "$BUILD/pkgtest-deb-arm64.log"; fail "make deb ARCH=arm64"; }
ADEB=$(ls "$BUILD"/${PKG}_*_arm64.deb)
echo "figure: make deb ARCH=arm64 $(since "$t") s, $(stat -c %s "$ADEB") bytes"
ok "cross-built $ADEB"
lintian_check "$ADEB"

AROOT=$BUILD/arm64-deb-root
rm -rf "$AROOT"
dpkg-deb -x "$ADEB" "$AROOT"
for m in $MODULES; do
	so=$AROOT/usr/lib/baresip/modules/$m.so
	[ -f "$so" ] || fail "$m.so is not in the arm64 package"
	readelf -h "$so" | has 'Machine: *AArch64' ||
		fail "$m.so is not AArch64: $(file -b "$so")"
	readelf -h "$so" | has 'Class: *ELF64' || fail "$m.so is not ELF64"
done
ok "every module is an ELF64 AArch64 shared object: $MODULES"

# The sysroot: baresip-core:arm64 and its dependency closure
step "5b. arm64 sysroot from Debian's packages"
DEBS=$BUILD/arm64-debs
mkdir -p "$DEBS"
closure() {
	apt-cache depends --recurse --no-recommends --no-suggests \
		--no-conflicts --no-breaks --no-replaces --no-enhances "$@" |
		grep -v '^[ <]' | sort -u
}
fetch_extract() {       # packages... : download what is missing, unpack
	local p name get=
	for p in "$@"; do
		name=${p%%:*}
		ls "$DEBS/${name}"_*.deb >/dev/null 2>&1 || get="$get $p"
	done
	if [ -n "$get" ]; then
		(cd "$DEBS" && apt-get download -q $get 2>&1 |
			grep -v -e '^Get:' -e 'unsandboxed' || true)
	fi
	for p in "$@"; do
		name=${p%%:*}
		f=$(ls "$DEBS/${name}"_*.deb | sort -V | tail -1)
		[ -f "$f" ] || fail "apt-get download $p"
		dpkg-deb -x "$f" "$SYSROOT"
		dpkg-deb -c "$f" | awk -v p="$name" '{print p, $6}' \
			>> "$SYSROOT.index"
	done
}
t=$(date +%s.%N)
rm -rf "$SYSROOT" "$SYSROOT.index"
mkdir -p "$SYSROOT"
CORE=$(closure baresip-core:arm64)
fetch_extract $CORE
echo "figure: baresip-core:arm64 closure $(echo "$CORE" | wc -l) packages," \
	"$(du -sm "$DEBS" | cut -f1) MB of .debs, sysroot in $(since "$t") s"

# Merged /usr as on a real bookworm or trixie system. Without it, ld.so's
# first guess /lib/aarch64-linux-gnu/X (or on trixie, whose packages ship
# nothing in /lib, the interpreter /lib/ld-linux-aarch64.so.1 itself)
# misses in the sysroot and qemu -L falls back to this host's /lib, where
# the :arm64 -dev packages put copies.
usrmerge() {
	local d
	for d in lib bin sbin; do
		[ ! -L "$SYSROOT/$d" ] || continue
		mkdir -p "$SYSROOT/usr/$d"
		if [ -d "$SYSROOT/$d" ]; then
			cp -a "$SYSROOT/$d/." "$SYSROOT/usr/$d/"
			rm -rf "${SYSROOT:?}/$d"
		fi
		ln -s "usr/$d" "$SYSROOT/$d"
	done
}
usrmerge

# Each NEEDED library: in baresip-core's closure, or else shipped by a
# package that baresip-door Depends on (which then joins the sysroot)
DEPENDS=$(dpkg-deb -f "$ADEB" Depends | tr ',|' '\n\n' |
	sed 's/(.*)//; s/ //g' | grep .)
extra=
for m in $MODULES; do
	for lib in $(readelf -d "$AROOT/usr/lib/baresip/modules/$m.so" |
			sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		p=$(awk -v l="/$lib" '$2 ~ "/aarch64-linux-gnu" l "$" {print $1; exit}' \
			"$SYSROOT.index")
		if [ -n "$p" ]; then
			echo "  $m.so: $lib <- $p (baresip-core closure)"
			continue
		fi
		p=$(dpkg -S "*/aarch64-linux-gnu/$lib" 2>/dev/null |
			sed -n '1s/:.*//p')
		[ -n "$p" ] || fail "$m.so needs $lib: no arm64 package has it"
		echo "$DEPENDS" | has -x "$p" ||
			fail "$m.so needs $lib from $p, not in baresip-door's Depends"
		echo "  $m.so: $lib <- $p (baresip-door Depends)"
		case " $extra " in *" $p:arm64 "*) ;; *) extra="$extra $p:arm64" ;; esac
	done
done
ok "every NEEDED library comes from baresip-core:arm64's closure or the package's Depends"
if [ -n "$extra" ]; then
	t=$(date +%s.%N)
	EXTRA=$(closure $(echo $extra | tr ' ' '\n' | sort -u) |
		grep -vxF "$CORE" || true)
	[ -z "$EXTRA" ] || fetch_extract $EXTRA
	usrmerge
	echo "figure: +$(echo "$EXTRA" | grep -c . || true) packages for the" \
		"package's own Depends ($(echo $extra)) in $(since "$t") s"
fi
# the modules must not pick anything up from this amd64 host's multiarch dirs
for m in $MODULES; do
	for lib in $(readelf -d "$AROOT/usr/lib/baresip/modules/$m.so" |
			sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		[ -e "$SYSROOT/lib/aarch64-linux-gnu/$lib" ] ||
		[ -e "$SYSROOT/usr/lib/aarch64-linux-gnu/$lib" ] ||
			fail "$lib is not in the sysroot"
	done
done
ok "sysroot $SYSROOT holds every library the modules need"

step "5c. arm64 baresip under qemu-aarch64-static"
# qemu -L looks in the sysroot first and falls back to the host: without a
# cache of its own, the arm64 ld.so would read the host's /etc/ld.so.cache
# and load this host's multiarch copies. An empty cache makes it search
# its default directories, which are the sysroot's.
mkdir -p "$SYSROOT/etc"
: > "$SYSROOT/etc/ld.so.cache"
AMODS=$BUILD/arm64-run-modules
rm -rf "$AMODS"
mkdir -p "$AMODS"
ln -s "$SYSROOT"/usr/lib/baresip/modules/*.so "$AMODS"/
ln -sf "$AROOT"/usr/lib/baresip/modules/*.so "$AMODS"/
$PYTHON tests/package/run_packaged.py \
	--conf "$AROOT/usr/share/$PKG/conf/door-station" \
	--modules "$AMODS" --work "$BUILD/arm64-run" \
	--prefix "qemu-aarch64-static -L $SYSROOT" \
	--baresip "$SYSROOT/usr/bin/baresip" --open $OPEN --slow \
	--maps-under "$SYSROOT $AROOT" ||
	fail "arm64 baresip with the arm64 modules under qemu"
ok "arm64 baresip + arm64 modules under qemu: relay 1 opened ($OPEN)"

if [ -n "$FOREIGN_DEBS" ]; then
	step "6. packages built on another Debian release are refused"
	refuse_foreign $FOREIGN_DEBS
fi

echo
echo "package-test: all passed in $(since "$T0") s"
echo "package-test: $PASSED passed, 0 failed"
