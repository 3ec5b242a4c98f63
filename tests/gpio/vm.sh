#!/bin/sh
# vm.sh NAME ROOT BUILD: the GPIO tests in a VM, on the userland ROOT
#
# Boots NAME's kernel (kernel.sh, in $GPIO_DIR/kernel-NAME) with its
# initramfs (initramfs.sh) in qemu (TCG, one CPU). The VM mounts ROOT as its root filesystem
# (read-only), this tree at /mnt (read-only) and $GPIO_DIR/NAME as
# /run/out, the one writable share, and runs pytest on tests/gpio there
# against the modules in BUILD (built for ROOT). The test runner's
# output is printed here once the VM is off; the exit status is pytest's.
#
# Environment: GPIO_DIR (default build/gpio), GPIO_TIMEOUT (seconds the
# VM may run, default 400), PYTEST_ARGS (e.g. -k hold -x).
set -eu

name=${1:?usage: vm.sh NAME ROOT BUILD}
root=${2:?usage: vm.sh NAME ROOT BUILD}
build=${3:?usage: vm.sh NAME ROOT BUILD}
tree=$(cd "$(dirname "$0")/../.." && pwd)
root=$(cd "$root" && pwd)
gdir=$(cd "${GPIO_DIR:-$tree/build/gpio}" && pwd)
out="$gdir/$name"
kdir="$gdir/kernel-$name"

[ -f "$tree/$build/modules/relay.so" ] ||
	{ echo "gpio: $name: no modules in $build: build them first" >&2;
	  exit 1; }

rm -rf "$out"
mkdir -p "$out"
# what the VM runs inside ROOT (the tree is at /mnt there)
cat > "$out/run.sh" <<EOF
cd /mnt
export DOOR_BUILD=/mnt/$build PYTHONDONTWRITEBYTECODE=1
python3 -m pytest tests/gpio -q -rs -p no:cacheprovider \
	--basetemp=/tmp/pytest ${PYTEST_ARGS:-}
rc=\$?
# the tests' files (baresip logs, configs, sipp traces) for a post-mortem
cp -r /tmp/pytest /run/out/ 2>/dev/null
exit \$rc
EOF

share() {   # TAG PATH [ro]
	printf '%s' "-virtfs local,path=$2,mount_tag=$1,security_model=none"
	printf '%s' ",multidevs=remap${3:+,readonly=on}"
}

start=$(date +%s.%N)
# shellcheck disable=SC2046
timeout "${GPIO_TIMEOUT:-400}" qemu-system-x86_64 -accel tcg -smp 1 \
	-m 1024 -nodefaults -display none -no-reboot \
	-serial "file:$out/console.log" \
	-kernel "$kdir/vmlinuz" -initrd "$gdir/initrd-$name.gz" \
	-append "console=ttyS0 quiet panic=-1" \
	$(share root "$root" ro) $(share tree "$tree" ro) $(share out "$out") \
	|| echo "gpio: $name: qemu failed or timed out ($?)" >&2
end=$(date +%s.%N)

cat "$out/log" 2>/dev/null || tail -20 "$out/console.log" >&2
if [ ! -f "$out/rc" ]; then
	echo "gpio: $name: the tests did not finish (console:" \
		"$out/console.log)" >&2
	exit 1
fi
awk -v n="$name" -v k="$(cat "$kdir/version")" \
	-v boot="$(cat "$out/boot")" -v end="$(cat "$out/end")" \
	-v wall="$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')" \
	'BEGIN { printf "gpio: %s: kernel %s, boot %.1f s, tests %.1f s," \
		" VM %.1f s\n", n, k, boot, end - boot, wall }'
exit "$(cat "$out/rc")"
