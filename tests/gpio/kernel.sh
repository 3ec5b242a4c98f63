#!/bin/sh
# kernel.sh DIR: a kernel with gpio-sim for the GPIO lane, cached in DIR
#
# Debian 12's kernel has no gpio-sim; the kernels in trixie-backports do.
# apt fetches the newest linux-binary-VER-amd64 (vmlinuz) whose
# linux-modules-VER-amd64 ships gpio-sim, from the mirror the machine's
# apt configuration already uses, with a private apt state under DIR (the
# machine's own apt state is never touched). DIR then holds:
#
#   vmlinuz        the kernel
#   modules/*.ko   the modules the VM loads, decompressed
#   modules.order  their names, each after the modules it depends on
#   version        the kernel package version
#
# A rerun with DIR/version present downloads nothing. rm -rf DIR for a
# newer kernel.
set -eu

SUITE=trixie-backports
# the VM's needs: gpio-sim (and configfs), 9p over virtio for its roots
WANT="configfs gpio-sim netfs 9pnet 9pnet_virtio 9p"

dir=${1:?usage: kernel.sh DIR}
[ -f "$dir/version" ] && exit 0

die() { echo "kernel: $*" >&2; exit 1; }

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
apt="$dir/apt"
rm -rf "$apt" "$dir/modules" "$dir/modules.order" "$dir/vmlinuz"
mkdir -p "$apt/etc/preferences.d" "$apt/etc/apt.conf.d" \
	"$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs"

# The main archive's URI, as the machine's apt configuration has it
uri=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE)' \
	'Created-By: Packages' | awk '$2 !~ /-/ { print $1; exit }')
[ -n "$uri" ] || die "no Debian archive in the machine's apt sources"

echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg]" \
	"$uri $SUITE main" > "$apt/etc/sources.list"
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
	{ cat "$apt/update.log" >&2; die "apt-get update ($SUITE) failed"; }

# Candidates, newest first: the generic amd64 flavour only
versions=$(apt-cache pkgnames linux-binary- |
	sed -n 's/^linux-binary-\([0-9][^-]*\)-amd64$/\1/p' | sort -rV)
[ -n "$versions" ] || die "no linux-binary-*-amd64 in $SUITE"

cd "$apt/debs"
found=
for v in $versions; do
	apt-cache show "linux-modules-$v-amd64" > /dev/null 2>&1 || continue
	rm -f ./*.deb
	apt-get -q download "linux-modules-$v-amd64" > "$apt/download.log" \
		2>&1 || { cat "$apt/download.log" >&2; die "download failed"; }
	if dpkg-deb -c linux-modules-*.deb | grep '/gpio-sim\.ko' > /dev/null; then
		found=$v
		break
	fi
	echo "kernel: $v has no gpio-sim, trying an older one"
done
[ -n "$found" ] || die "no kernel in $SUITE ships gpio-sim"

apt-get -q download "linux-binary-$found-amd64" > "$apt/download.log" \
	2>&1 || { cat "$apt/download.log" >&2; die "download failed"; }

rm -rf x && mkdir x
for deb in ./*.deb; do
	dpkg-deb -x "$deb" x
done
kdir=$(echo x/usr/lib/modules/*/)
[ -f "$kdir/vmlinuz" ] || kdir=$(echo x/lib/modules/*/)
vmlinuz=$(ls "$kdir/vmlinuz" x/boot/vmlinuz-* 2>/dev/null | head -1)
[ -n "$vmlinuz" ] || die "no vmlinuz in linux-binary-$found-amd64"

# Each wanted module after what it depends on (modinfo's depends= field)
mkdir -p "$dir/modules"
: > "$dir/modules.order"
add() {
	grep -qx "$1" "$dir/modules.order" && return 0
	# file names mix - and _; the kernel treats them as one
	f=$(find "$kdir" -name "$(echo "$1" | sed 's/[-_]/[-_]/g').ko*" |
		head -1)
	[ -n "$f" ] || die "module $1 is not in linux-modules-$found-amd64"
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
rm -rf "$apt/debs" "$apt/cache"
echo "$found" > "$dir/version"
echo "kernel: $found from $SUITE (vmlinuz and $(wc -l < modules.order)" \
	"modules)"
