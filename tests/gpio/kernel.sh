#!/bin/sh
# kernel.sh KIND DIR: a kernel with gpio-sim for the GPIO lane, cached in DIR
#
# KIND backports: the newest linux-binary-VER-amd64 of trixie-backports
#   whose linux-modules-VER-amd64 ships gpio-sim (Debian 13's userland,
#   libgpiod v2). These kernels lack the GPIO uAPI v1 (CONFIG_GPIO_CDEV_V1).
# KIND own: this machine's own release kernel (linux-image-amd64), which
#   keeps the uAPI v1 libgpiod 1.x needs (Debian 12's userland) but ships
#   no gpio-sim: gpio-sim is built here from that kernel's own source
#   (linux-source-X.Y), with irq_sim (not built into that kernel) linked
#   into the same module, against its linux-headers.
#
# apt fetches from the mirrors the machine's apt configuration already
# uses, with a private apt state under DIR (the machine's own is never
# touched). DIR then holds:
#
#   vmlinuz        the kernel
#   modules/*.ko   the modules the VM loads, decompressed
#   modules.order  their names, each after the modules it depends on
#   version        the kernel's version
#
# A rerun with DIR/version present downloads nothing; rm -rf DIR fetches
# the newest again.
set -eu

kind=${1:?usage: kernel.sh backports|own DIR}
dir=${2:?usage: kernel.sh backports|own DIR}

die() { echo "kernel: $*" >&2; exit 1; }

# the VM's needs: gpio-sim (and configfs), 9p over virtio for its roots,
# overlay for the writable root systemd boots on (vm.sh systemd)
WANT="configfs gpio-sim netfs 9pnet 9pnet_virtio 9p overlay"
case $kind in
backports) ;;
own)       WANT="$WANT virtio_pci" ;;      # a module in Debian 12's kernel
*)         die "unknown kind $kind" ;;
esac

# a cache that holds every wanted module is kept
if [ -f "$dir/version" ]; then
	missing=
	for m in $WANT; do
		grep -qx "$m" "$dir/modules.order" || missing="$missing $m"
	done
	[ -z "$missing" ] && exit 0
	echo "kernel: the cache in $dir lacks$missing: fetching again"
	rm -f "$dir/version"
fi

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
apt="$dir/apt"
rm -rf "$apt" "$dir/modules" "$dir/modules.order" "$dir/vmlinuz"
mkdir -p "$apt/etc/preferences.d" "$apt/etc/apt.conf.d" \
	"$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs"

# The machine's repositories: URI and suite of each, as apt has them
repos=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' \
	'Created-By: Packages' | sort -u)
main=$(echo "$repos" | awk '$2 !~ /-/ { print $1; exit }')
[ -n "$main" ] || die "no Debian archive in the machine's apt sources"

key="[signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]"
if [ "$kind" = backports ]; then
	echo "deb $key $main trixie-backports main"
else
	echo "$repos" | while read -r uri suite; do
		echo "deb $key $uri $suite main"
	done
fi > "$apt/etc/sources.list"
cat > "$apt/apt.conf" <<EOF
Dir::Etc "$apt/etc";
Dir::State "$apt";
Dir::State::Lists "$apt/lists";
Dir::State::status "/dev/null";
Dir::Cache "$apt/cache";
APT::Architecture "amd64";
APT::Sandbox::User "$(id -un)";
Acquire::Languages "none";
EOF
export APT_CONFIG="$apt/apt.conf"

apt-get -q update > "$apt/update.log" 2>&1 ||
	{ cat "$apt/update.log" >&2; die "apt-get update failed"; }

download() {
	apt-get -q download "$@" > "$apt/download.log" 2>&1 ||
		{ cat "$apt/download.log" >&2; die "cannot download $*"; }
}
depends_on() {      # PACKAGE PATTERN: the dependency of PACKAGE matching
	apt-cache depends "$1" | sed -n "s/^ *Depends: \($2\)$/\1/p" | head -1
}

cd "$apt/debs"
if [ "$kind" = backports ]; then
	# candidates, newest first: the generic amd64 flavour only
	versions=$(apt-cache pkgnames linux-binary- |
		sed -n 's/^linux-binary-\([0-9][^-]*\)-amd64$/\1/p' | sort -rV)
	[ -n "$versions" ] || die "no linux-binary-*-amd64 in trixie-backports"
	found=
	for v in $versions; do
		apt-cache show "linux-modules-$v-amd64" > /dev/null 2>&1 ||
			continue
		rm -f ./*.deb
		download "linux-modules-$v-amd64"
		if dpkg-deb -c linux-modules-*.deb |
				grep '/gpio-sim\.ko' > /dev/null; then
			found=$v
			break
		fi
		echo "kernel: $v has no gpio-sim, trying an older one"
	done
	[ -n "$found" ] || die "no kernel in trixie-backports ships gpio-sim"
	download "linux-binary-$found-amd64"
	version="$found-amd64"
else
	image=$(depends_on linux-image-amd64 'linux-image-[0-9].*-amd64')
	[ -n "$image" ] || die "no linux-image-amd64 in the machine's sources"
	version=${image#linux-image-}
	headers="linux-headers-$version"
	common=$(depends_on "$headers" 'linux-headers-.*-common')
	kbuild=$(depends_on "$headers" 'linux-kbuild-[0-9.]*')
	source=$(depends_on linux-source 'linux-source-[0-9.]*')
	[ -n "$common" ] && [ -n "$kbuild" ] && [ -n "$source" ] ||
		die "no headers, kbuild or source for $version"
	download "$image" "$headers" "$common" "$kbuild" "$source"
fi

rm -rf x && mkdir x
for deb in ./*.deb; do
	dpkg-deb -x "$deb" x
done
kdir=$(ls -d x/usr/lib/modules/*/ x/lib/modules/*/ 2>/dev/null | head -1)
vmlinuz=$(ls "$kdir/vmlinuz" x/boot/vmlinuz-* 2>/dev/null | head -1)
[ -n "$vmlinuz" ] || die "no vmlinuz for $version"

if [ "$kind" = own ]; then
	# gpio-sim and irq_sim from the kernel's own source, one module
	src=$(ls x/usr/src/linux-source-*.tar.xz)
	top=$(basename "$src" .tar.xz)
	tar -xJf "$src" "$top/drivers/gpio/gpio-sim.c" \
		"$top/drivers/gpio/gpiolib.h" "$top/kernel/irq/irq_sim.c"
	mkdir -p sim
	cp "$top/drivers/gpio/gpio-sim.c" sim/gpio-sim-main.c
	cp "$top/drivers/gpio/gpiolib.h" "$top/kernel/irq/irq_sim.c" sim/
	# irq_to_desc() is not exported to modules; the irq's own handler,
	# reached through generic_handle_irq(), is the same handle_simple_irq
	sed -i 's/handle_simple_irq(irq_to_desc(\([a-z]*\)))/generic_handle_irq(\1)/' \
		sim/irq_sim.c
	grep -q generic_handle_irq sim/irq_sim.c ||
		die "irq_sim.c of $version is not as expected"
	printf 'obj-m := gpio-sim.o\ngpio-sim-y := gpio-sim-main.o irq_sim.o\n' \
		> sim/Kbuild
	# the headers name their common half by absolute path: point it here
	hdr="$PWD/x/usr/src/$headers"
	sed -i "s#/usr/src/#$PWD/x/usr/src/#g" "$hdr/Makefile"
	make -s -C "$hdr" M="$PWD/sim" modules > "$apt/build.log" 2>&1 ||
		{ cat "$apt/build.log" >&2; die "building gpio-sim failed"; }
fi

# Each wanted module after what it depends on (modinfo's depends= field)
mkdir -p "$dir/modules"
: > "$dir/modules.order"
add() {
	grep -qx "$1" "$dir/modules.order" && return 0
	# file names mix - and _; the kernel treats them as one
	f=$(find sim "$kdir" -name "$(echo "$1" | sed 's/[-_]/[-_]/g').ko*" \
		2>/dev/null | head -1)
	[ -n "$f" ] || die "module $1 is not in the $version packages"
	case $f in
	*.xz)  xz -dc "$f" ;;
	*.zst) zstd -qdc "$f" ;;
	*)     cat "$f" ;;
	esac > "$dir/modules/$1.ko"
	deps=$(tr '\0' '\n' < "$dir/modules/$1.ko" | sed -n 's/^depends=//p' |
		tr ',' ' ')
	for d in $deps; do
		add "$d"
	done
	echo "$1" >> "$dir/modules.order"
}
for m in $WANT; do
	add "$m"
done

cp "$vmlinuz" "$dir/vmlinuz"
cd "$dir"
rm -rf "$apt/debs" "$apt/cache" "$apt/lists"
echo "$version" > "$dir/version"
echo "kernel: $version (vmlinuz and $(wc -l < modules.order) modules)"
