# Other Debian releases, in roots made by debootstrap (included by the
# top-level Makefile; needs root)
#
#   make test-trixie     make test on Debian 13, in $(ROOTS)/trixie
#   make unit-forky      make && make unit on Debian testing (forky)
#   make package-test-trixie   make package-test on Debian 13
#   make shell-trixie    a shell in the Debian 13 root, in this tree
#
# Each root is made once (debootstrap --variant=minbase, from the
# machine's own apt mirror) and kept under $(ROOTS); the project's own
# `make deps` installs the rest inside it. Objects go to build-SUITE, so
# releases never mix. See packaging/roots.sh.

ROOTS       ?= build/roots
ROOT_SUITES := trixie forky
ROOTS_SH     = bash packaging/roots.sh

roots: $(ROOT_SUITES:%=root-%)

$(ROOT_SUITES:%=root-%): root-%:
	@$(ROOTS_SH) make $* $(ROOTS)/$*

# the runners' closing lines come last, as with make test
test-trixie: root-trixie
	@$(ROOTS_SH) run trixie $(ROOTS)/trixie \
		'make --no-print-directory BUILD=build-trixie test'

# Debian 13's package-test, then each release refuses the other's
# package (this machine's is built first if there is none yet)
HOST_DEBS = $(abspath $(BUILD))/$(PACKAGE)_*_$(NATIVE_ARCH).deb
package-test-trixie: root-trixie
	@ls $(HOST_DEBS) >/dev/null 2>&1 || { mkdir -p $(BUILD) && \
		$(MAKE) --no-print-directory deb > $(BUILD)/pkgtest-deb-host.log; }
	@$(ROOTS_SH) run trixie $(ROOTS)/trixie \
		'make --no-print-directory BUILD=build-trixie package-test \
		 FOREIGN_DEBS="$$(ls $(HOST_DEBS))"'
	@bash packaging/package-test.sh refuse \
		build-trixie/$(PACKAGE)_*_$(NATIVE_ARCH).deb

# Debian testing: the unit tests (gcc and cmocka newer than trixie's)
unit-forky: root-forky
	@$(ROOTS_SH) run forky $(ROOTS)/forky \
		'make --no-print-directory BUILD=build-forky deps && \
		 make --no-print-directory BUILD=build-forky all && \
		 make --no-print-directory BUILD=build-forky unit'

$(ROOT_SUITES:%=shell-%): shell-%: root-%
	@$(ROOTS_SH) run $* $(ROOTS)/$* 'exec bash -i'

.PHONY: roots $(ROOT_SUITES:%=root-%) test-trixie package-test-trixie \
	unit-forky $(ROOT_SUITES:%=shell-%)
