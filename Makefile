# baresip-door: door-control modules for baresip 1.0.0
#
#   make deps    install the Debian packages needed to build, run and test
#   make         build the modules into $(BUILD)/modules
#   make run     start baresip with the modules and a demo config
#   make test    unit tests (cmocka), then system tests (pytest, real baresip)
#   make test-gpio  GPIO tests on a real kernel's gpio-sim, in qemu
#   make bench   door beside nginx, curl, sleep, ctrl_tcp: one table (tests/bench/bench.mk)
#   make fuzz    libFuzzer targets (tests/fuzz/fuzz.mk); make fuzz-run runs them
#   make bench-mqtt  MQTT latency over 20 door stations on one broker

BUILD    ?= build
CC       ?= cc
PYTHON   ?= /usr/bin/python3
# cross builds: PKG_CONFIG=aarch64-linux-gnu-pkg-config (debhelper sets it)
PKG_CONFIG ?= pkg-config

# Debian packages, per need; module.mk files add theirs
DEPS     := make gcc pkg-config baresip-core libre-dev librem-dev valgrind \
	    libgpiod-dev libcmocka-dev sip-tester python3-pytest curl \
	    mosquitto mosquitto-clients
PKGS     := libre librem

.DEFAULT_GOAL := all

MODULES  := $(sort $(patsubst modules/%/module.mk,%,\
		$(wildcard modules/*/module.mk)))
UNIT_TESTS :=
include $(wildcard modules/*/module.mk)
-include tests/fuzz/fuzz.mk
-include tests/bench/bench.mk

PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
# HAVE_STDBOOL_H: without it libre's re_types.h defines bool as signed
# char, so a bool set from a wider value (x & 0x100) silently reads false
CPPFLAGS += -Imodules/door -D_GNU_SOURCE -DHAVE_STDBOOL_H
CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -Werror -fPIC -fvisibility=hidden \
	    $(PKG_CFLAGS)
# undefined symbols are allowed: a module takes them from the baresip binary
MOD_LDFLAGS := -shared -Wl,--as-needed

# libgpiod: one backend (and one unit-test double) per API, built for the
# major version installed: 1 on Debian 12, 2 on Debian 13 and later
GPIOD_API := $(or $(firstword $(subst ., ,$(shell \
		$(PKG_CONFIG) --modversion libgpiod 2>/dev/null))),1)
GPIOD_NOT := $(if $(filter 2,$(GPIOD_API)),1,2)
CPPFLAGS  += -DDOOR_GPIOD_API=$(GPIOD_API)

DOOR_SRCS := $(filter-out %/gpiod_v$(GPIOD_NOT).c,\
		$(wildcard modules/door/*.c))
DOOR_OBJS := $(DOOR_SRCS:%.c=$(BUILD)/%.o)
DOOR_LIB  := $(BUILD)/libdoor.a

MODULE_SOS := $(MODULES:%=$(BUILD)/modules/%.so)

# the service's off program: every output off, whatever became of baresip
OFF_PROG := $(BUILD)/baresip-door-off
OFF_SRCS := $(wildcard tools/baresip-door-off/*.c)
OFF_OBJS := $(OFF_SRCS:%.c=$(BUILD)/%.o)

all: $(MODULE_SOS) $(OFF_PROG)

$(BUILD)/%.o: %.c $(wildcard modules/door/*.h) $(wildcard modules/*/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(DOOR_LIB): $(DOOR_OBJS)
	@rm -f $@
	ar rcs $@ $^

# one rule per module: its own sources, then the shared archive
define MODULE_RULE
$(1)_OBJS := $$(patsubst %.c,$$(BUILD)/%.o,$$(wildcard modules/$(1)/*.c))
$$(BUILD)/modules/$(1).so: $$($(1)_OBJS) $$(DOOR_LIB)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(MOD_LDFLAGS) $$(LDFLAGS) -o $$@ $$($(1)_OBJS) $$(DOOR_LIB) \
		$$($(1)_LIBS) -lre
endef
$(foreach m,$(MODULES),$(eval $(call MODULE_RULE,$(m))))

$(OFF_PROG): $(OFF_OBJS) $(DOOR_LIB)
	$(CC) $(LDFLAGS) -o $@ $(OFF_OBJS) $(DOOR_LIB) -lre -lgpiod

$(BUILD)/tools/%.o: CPPFLAGS += -Itools/baresip-door-off

# Unit tests: tests/unit/test_NAME.c plus test_NAME_SRCS (module files
# with no baresip calls), the shared archive and the test support code
# (log capture, and the libgpiod test double in place of -lgpiod).
# the off program's config reading, without its main()
test_door_off_SRCS := tools/baresip-door-off/offlines.c
UNIT_TESTS += $(patsubst tests/unit/test_%.c,%,$(wildcard tests/unit/test_*.c))
UNIT_TESTS := $(sort $(UNIT_TESTS))
UNIT_SUPPORT := $(filter-out %/gpiod_double_v$(GPIOD_NOT).c,\
		$(wildcard tests/unit/support/*.c))
UNIT_BINS := $(UNIT_TESTS:%=$(BUILD)/tests/test_%)

define UNIT_RULE
$$(BUILD)/tests/test_$(1): tests/unit/test_$(1).c $$(test_$(1)_SRCS) \
		$$(UNIT_SUPPORT) $$(DOOR_LIB) $$(wildcard tests/unit/support/*.h)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CPPFLAGS) -Itests/unit/support $$(CFLAGS) -fvisibility=default \
		-o $$@ tests/unit/test_$(1).c $$(test_$(1)_SRCS) \
		$$(UNIT_SUPPORT) $$(DOOR_LIB) -lcmocka $$(test_$(1)_LIBS) -lre -lm
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call UNIT_RULE,$(t))))

unit: $(UNIT_BINS)
	@fail=0; for t in $(UNIT_BINS); do $$t || fail=1; done; exit $$fail

system: all
	DOOR_BUILD=$(abspath $(BUILD)) $(PYTHON) -m pytest tests/system -q \
		-p no:cacheprovider --basetemp=$(abspath $(BUILD))/pytest $(PYTEST_ARGS)

test: deps
	$(MAKE) --no-print-directory all
	$(MAKE) --no-print-directory unit
	$(MAKE) --no-print-directory system

# guessing rate of a redialling sipp attacker, and the guard's effect (~45 s)
bench-guess: all
	DOOR_BUILD=$(abspath $(BUILD)) $(PYTHON) tests/bench/guess_rate.py

# figures, not tests: 20 door stations on one MQTT broker
bench-mqtt: all
	DOOR_BUILD=$(abspath $(BUILD)) $(PYTHON) tests/system/bench_mqtt.py

run: deps
	$(MAKE) --no-print-directory all
	@sh share/run.sh $(abspath $(BUILD))

# Install only what is missing; apt-get needs root
deps:
	@missing=""; for p in $(sort $(DEPS)); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
			grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "deps: installing$$missing"; \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q \
			--no-install-recommends $$missing; \
	fi

clean:
	rm -rf $(BUILD)

# install, uninstall, deb, package-test
-include packaging/packaging.mk
# test-trixie, unit-forky, package-test-trixie: other Debian releases
-include packaging/roots.mk
# test-gpio: the GPIO tests on a real kernel in a VM
-include tests/gpio/gpio.mk

.PHONY: all deps unit system test run clean bench-guess bench-mqtt
