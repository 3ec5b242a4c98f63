#!/bin/sh
# vm.sh NAME ROOT BUILD [KERNEL]: the GPIO tests in a VM, on the userland
# ROOT
#
# Boots KERNEL's kernel (kernel.sh, in $GPIO_DIR/kernel-KERNEL; KERNEL is
# NAME unless given) with its initramfs (initramfs.sh) in qemu (TCG, one
# CPU). The VM mounts ROOT as its root filesystem (read-only), this tree
# at /mnt (read-only) and $GPIO_DIR/NAME as /run/out, the one writable
# share, and runs pytest on tests/gpio there against the modules in BUILD
# (built for ROOT). The test runner's output is printed here once the VM
# is off; the exit status is pytest's.
#
# With GPIO_INIT=systemd the VM boots systemd as PID 1 on a writable
# overlay of ROOT instead (tests/gpio/init), and a unit of its own runs
# tests/gpio/service_systemd.py: the Debian package GPIO_DEB installed
# with dpkg -i, its service started with systemctl and killed with
# kill -9. The result line that test leaves is printed last.
#
# Environment: GPIO_DIR (default build/gpio), GPIO_TIMEOUT (seconds the
# VM may run, default 400; 180 with systemd), PYTEST_ARGS (e.g. -k hold
# -x), GPIO_INIT, GPIO_DEB.
set -eu

usage="usage: vm.sh NAME ROOT BUILD [KERNEL]"
name=${1:?$usage}
root=${2:?$usage}
build=${3:?$usage}
kname=${4:-$name}
tree=$(cd "$(dirname "$0")/../.." && pwd)
root=$(cd "$root" && pwd)
gdir=$(cd "${GPIO_DIR:-$tree/build/gpio}" && pwd)
out="$gdir/$name"
kdir="$gdir/kernel-$kname"
init=${GPIO_INIT:-chroot}

[ -f "$tree/$build/modules/relay.so" ] ||
	{ echo "gpio: $name: no modules in $build: build them first" >&2;
	  exit 1; }

rm -rf "$out"
mkdir -p "$out"
tests=tests/gpio
append="console=ttyS0 quiet panic=-1"
timeout=${GPIO_TIMEOUT:-400}
if [ "$init" = systemd ]; then
	[ -f "${GPIO_DEB:-}" ] ||
		{ echo "gpio: $name: no package (GPIO_DEB=${GPIO_DEB:-})" >&2;
		  exit 1; }
	cp "$GPIO_DEB" "$out/baresip-door.deb"
	tests=tests/gpio/service_systemd.py
	timeout=${GPIO_TIMEOUT:-180}
	# the boot: this target, its unit and what they pull in, no more
	append="$append gpiovm.init=systemd systemd.unit=gpio-vm.target"
	append="$append systemd.show_status=0"
	units="$out/overlay/etc/systemd/system"
	mkdir -p "$units"
	cat > "$units/gpio-vm.target" <<-EOF
	[Unit]
	Description=GPIO lane: the packaged service under systemd
	Requires=gpio-vm.service
	After=gpio-vm.service
	EOF
	cat > "$units/gpio-vm.service" <<-EOF
	[Unit]
	Description=GPIO lane: the tests, then power off
	After=sysinit.target systemd-journald.service
	SuccessAction=poweroff-immediate
	FailureAction=poweroff-immediate
	[Service]
	Type=oneshot
	Environment=PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/tmp
	Environment=LC_ALL=C.UTF-8 TERM=dumb
	ExecStart=/bin/sh /run/out/service.sh
	EOF
	# the unit's shell: seconds from power-on to the tests, the tests,
	# their status (none selected by PYTEST_ARGS: not a failure) and
	# end, the journal, written out before the power goes
	cat > "$out/service.sh" <<-'EOF'
	cut -d' ' -f1 /proc/uptime > /run/out/boot
	/bin/sh /run/out/run.sh > /run/out/log 2>&1
	rc=$?
	[ $rc = 5 ] && rc=0
	echo $rc > /run/out/rc
	cut -d' ' -f1 /proc/uptime > /run/out/end
	journalctl -b --no-pager > /run/out/journal 2>&1
	sync
	EOF
	# the machine's own services stay out of this boot; tmpfiles would
	# walk the whole root over 9p (50 s) for nothing the test needs, and
	# the service's Wants=network-online.target must not wait for a
	# network the VM has not got
	for u in systemd-timesyncd.service systemd-pstore.service \
		 systemd-modules-load.service systemd-binfmt.service \
		 proc-sys-fs-binfmt_misc.automount \
		 systemd-tmpfiles-setup.service \
		 systemd-networkd-wait-online.service \
		 NetworkManager-wait-online.service \
		 ifupdown-wait-online.service; do
		ln -s /dev/null "$units/$u"
	done
	# nor for the machine's disks: the VM has none
	echo "# the GPIO lane's VM: its mounts are the initramfs's" \
		> "$out/overlay/etc/fstab"
	: > "$out/overlay/etc/crypttab"
fi
# what the VM runs inside ROOT (the tree is at /mnt there)
cat > "$out/run.sh" <<EOF
cd /mnt
export DOOR_BUILD=/mnt/$build PYTHONDONTWRITEBYTECODE=1
export DOOR_DEB=/run/out/baresip-door.deb
python3 -m pytest $tests -q -rs -p no:cacheprovider \
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
timeout "$timeout" qemu-system-x86_64 -accel tcg -smp 1 \
	-m 1024 -nodefaults -display none -no-reboot \
	-serial "file:$out/console.log" \
	-kernel "$kdir/vmlinuz" -initrd "$gdir/initrd-$kname.gz" \
	-append "$append" \
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
[ ! -f "$out/result" ] || echo "gpio: $name: $(cat "$out/result")"
exit "$(cat "$out/rc")"
