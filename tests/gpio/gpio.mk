# make test-gpio: the GPIO system tests on a real kernel (gpio-sim) in a
# qemu VM (included by the top-level Makefile; needs root for the
# Debian 13 build)
#
# Each userland's VM gets a kernel fetched with apt (tests/gpio/kernel.sh,
# cached under $(GPIO_DIR)) and an initramfs (tests/gpio/initramfs.sh),
# then runs the tests (tests/gpio/vm.sh):
#
#   deb12  this machine's root (libgpiod v1), modules from $(BUILD);
#          Debian 12's own kernel, with gpio-sim built from its source
#   deb13  $(TRIXIE_ROOT) (libgpiod v2), trixie-backports' kernel (it
#          ships gpio-sim), modules built inside the root into
#          build-trixie (chroot, or packaging/roots.sh for its own root)
#
#   systemd  deb12's root and kernel with systemd as PID 1 on a writable
#          overlay: the Debian package of $(BUILD) installed with dpkg -i,
#          its service killed with kill -9 (tests/gpio/service_systemd.py)
#
#   make test-gpio PYTEST_ARGS='-k hold'    one test, every userland
#   make test-gpio GPIO_USERLANDS=deb13     one userland

GPIO_DIR       ?= $(BUILD)/gpio
GPIO_USERLANDS ?= deb12 deb13 systemd
# seconds the systemd VM may run (boot, dpkg -i, the test, power off)
GPIO_SYSTEMD_TIMEOUT ?= 150
# on the host only: the VM, its /init, the kernel's modules, apt's keys,
# what building gpio-sim for Debian 12's kernel needs besides gcc and make
# (and systemd, PID 1 of the systemd VM)
GPIO_HOST_DEPS := qemu-system-x86 busybox-static xz-utils systemd \
		  debian-archive-keyring libelf1
# in every userland under test: gpioinfo/gpioset check what baresip does
DEPS += gpiod

# the kernel of each userland's VM (see tests/gpio/kernel.sh)
GPIO_KERNEL_deb12 := own
GPIO_KERNEL_deb13 := backports

$(GPIO_DIR)/kernel-%/version: tests/gpio/kernel.sh
	@sh tests/gpio/kernel.sh $(GPIO_KERNEL_$*) $(GPIO_DIR)/kernel-$*

# the cache: never deleted as an intermediate file
.PRECIOUS: $(GPIO_DIR)/kernel-%/version

$(GPIO_DIR)/initrd-%.gz: $(GPIO_DIR)/kernel-%/version tests/gpio/init \
		tests/gpio/initramfs.sh
	@sh tests/gpio/initramfs.sh $(GPIO_DIR)/kernel-$* $@

# The Debian 13 root: the one packaging/roots.mk makes for test-trixie
# when that file is there (made first if missing), or any trixie root
# with the build dependencies (TRIXIE_ROOT=/path). None: deb13 is skipped.
ifneq ($(wildcard packaging/roots.mk),)
TRIXIE_ROOT ?= $(ROOTS)/trixie
endif
# the userlands that boot: deb13 only with a root
GPIO_VMS = $(filter-out $(if $(TRIXIE_ROOT),,deb13),$(GPIO_USERLANDS))
# the kernel and initramfs of each: the systemd VM boots deb12's
gpio_kernel = $(patsubst systemd,deb12,$(1))
gpio_roots_root = $(and $(ROOTS_SH),$(filter $(ROOTS)/trixie,$(TRIXIE_ROOT)))
# a command inside the Debian 13 root, in this tree
gpio_in_trixie = $(if $(gpio_roots_root),\
	$(ROOTS_SH) run trixie $(TRIXIE_ROOT) '$(1)',\
	chroot $(TRIXIE_ROOT) /bin/sh -c 'cd $(CURDIR) && $(1)')

gpio-build-deb12: deps
	@$(MAKE) --no-print-directory all

gpio-build-deb13:
	@$(if $(TRIXIE_ROOT),,echo "gpio: deb13: no Debian 13 root" \
		"(TRIXIE_ROOT); nothing to build"; exit 0;) \
	$(if $(gpio_roots_root),$(MAKE) --no-print-directory root-trixie &&) \
	$(call gpio_in_trixie,make --no-print-directory BUILD=build-trixie \
		deps all)

# the package, built again only when a file it is made of is newer
gpio-build-systemd: gpio-build-deb12
	@deb=$(DEB_FILE); [ -f "$$deb" ] && [ -z "$$(find $(DEB_TREE) \
		-type f -newer "$$deb" | head -1)" ] && exit 0; \
	echo "gpio: systemd: make deb (log: $(GPIO_DIR)/deb.log)"; \
	mkdir -p $(GPIO_DIR); \
	$(MAKE) --no-print-directory deb DEB_BUILD_OPTIONS=nocheck \
		> $(GPIO_DIR)/deb.log 2>&1 || { tail -30 $(GPIO_DIR)/deb.log; \
		exit 1; }

gpio-run-deb12:
	@GPIO_DIR=$(GPIO_DIR) sh tests/gpio/vm.sh deb12 / $(BUILD)

gpio-run-systemd:
	@GPIO_DIR=$(GPIO_DIR) GPIO_INIT=systemd GPIO_DEB=$(DEB_FILE) \
		GPIO_TIMEOUT=$(GPIO_SYSTEMD_TIMEOUT) \
		sh tests/gpio/vm.sh systemd / $(BUILD) deb12

gpio-run-deb13:
	@$(if $(TRIXIE_ROOT),GPIO_DIR=$(GPIO_DIR) sh tests/gpio/vm.sh deb13 \
		$(TRIXIE_ROOT) build-trixie,echo "gpio: deb13: skipped: no" \
		"Debian 13 root (set TRIXIE_ROOT)")

# Every userland runs even when one fails; the last lines are the last
# runner's closing lines and the lane's status is theirs together.
test-gpio:
	@$(MAKE) --no-print-directory deps \
		DEPS="$(sort $(DEPS) $(GPIO_HOST_DEPS))"
	@$(MAKE) --no-print-directory $(sort $(foreach u,$(GPIO_VMS),\
		$(GPIO_DIR)/initrd-$(call gpio_kernel,$(u)).gz)) \
		$(GPIO_USERLANDS:%=gpio-build-%)
	@fail=0; for u in $(GPIO_USERLANDS); do \
		$(MAKE) --no-print-directory gpio-run-$$u || fail=1; \
	done; exit $$fail

.PHONY: test-gpio gpio-build-deb12 gpio-build-deb13 gpio-run-deb12 \
	gpio-run-deb13 gpio-build-systemd gpio-run-systemd
