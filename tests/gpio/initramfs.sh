#!/bin/sh
# initramfs.sh KERNELDIR OUT: the GPIO lane's initramfs
#
# Static busybox, tests/gpio/init as /init, and the modules kernel.sh
# left in KERNELDIR (decompressed: busybox insmod takes plain .ko files),
# packed with busybox cpio (newc) and gzip.
set -eu

kdir=${1:?usage: initramfs.sh KERNELDIR OUT}
out=${2:?usage: initramfs.sh KERNELDIR OUT}
here=$(cd "$(dirname "$0")" && pwd)
busybox=/bin/busybox

# busybox-static's binary; a dynamic busybox cannot run before the root
ldd "$busybox" 2>&1 | grep -q 'not a dynamic' ||
	{ echo "initramfs: $busybox is not static: install busybox-static" >&2;
	  exit 1; }

tmp=$(mktemp -d "${out}.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/modules"
cp "$busybox" "$tmp/bin/busybox"
cp "$here/init" "$tmp/init"
chmod 0755 "$tmp/init" "$tmp/bin/busybox"
cp "$kdir"/modules/*.ko "$tmp/modules/"
cp "$kdir/modules.order" "$tmp/modules.order"

(cd "$tmp" && find . | sort | "$busybox" cpio -o -H newc 2>/dev/null) |
	gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
