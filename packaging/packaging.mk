# Packaging (included by the top-level Makefile)
#
#   make install [DESTDIR=...] [PREFIX=/usr]   modules, examples, docs, unit
#   make uninstall [DESTDIR=...] [PREFIX=/usr] removes them, keeps /etc config
#   make deb [ARCH=arm64]                      Debian package into $(BUILD)/,
#                                              its build dependencies first
#   make package-test [FOREIGN_DEBS=...]       build, install, run, remove;
#                                              other releases' are refused
#
# PREFIX is /usr because baresip 1.0.0 looks for modules in one directory
# only, /usr/lib/baresip/modules on Debian. Every module in modules/*/ that
# the top-level Makefile builds ($(MODULES)) is installed and packaged.

PACKAGE      := baresip-door
PREFIX       ?= /usr
MODULEDIR    ?= $(PREFIX)/lib/baresip/modules
# programs the service runs, not for users' PATH (baresip-door-off)
LIBEXECDIR   ?= $(PREFIX)/lib/$(PACKAGE)
DATADIR      ?= $(PREFIX)/share/$(PACKAGE)
DOCDIR       ?= $(PREFIX)/share/doc/$(PACKAGE)
SYSCONFDIR   ?= /etc
CONFDIR      ?= $(SYSCONFDIR)/$(PACKAGE)
UNITDIR      ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR  ?= $(PREFIX)/lib/sysusers.d
UDEVRULESDIR ?= $(PREFIX)/lib/udev/rules.d
INSTALL      ?= install
# the config holds passwords; the package sets 0640 by dpkg-statoverride
CONF_MODE    ?= 0640

# conf/<name>/{config,accounts}; the door station is the default /etc config
CONF_EXAMPLES := $(patsubst conf/%/config,%,$(wildcard conf/*/config))
CONF_DEFAULT  := door-station
# share/ holds demo files; run.sh only serves `make run` in the tree
SHARE_FILES   := $(filter-out share/run.sh,\
			$(shell find share -type f 2>/dev/null | sort))

install: all
	$(INSTALL) -d $(DESTDIR)$(MODULEDIR)
	$(INSTALL) -m 0644 $(MODULE_SOS) $(DESTDIR)$(MODULEDIR)/
	$(INSTALL) -D -m 0755 $(OFF_PROG) \
		$(DESTDIR)$(LIBEXECDIR)/baresip-door-off
	for c in $(CONF_EXAMPLES); do \
		$(INSTALL) -d $(DESTDIR)$(DATADIR)/conf/$$c && \
		$(INSTALL) -m 0644 conf/$$c/config conf/$$c/accounts \
			$(DESTDIR)$(DATADIR)/conf/$$c/ || exit 1; \
	done
	for f in $(SHARE_FILES); do \
		mode=0644; [ -x "$$f" ] && mode=0755; \
		$(INSTALL) -D -m $$mode "$$f" \
			"$(DESTDIR)$(DATADIR)/$${f#share/}" || exit 1; \
	done
	$(INSTALL) -d $(DESTDIR)$(DOCDIR)
	$(INSTALL) -m 0644 README.md $(DESTDIR)$(DOCDIR)/
	@# an edited config is never overwritten
	$(INSTALL) -d $(DESTDIR)$(CONFDIR)
	for f in config accounts; do \
		[ -e $(DESTDIR)$(CONFDIR)/$$f ] && continue; \
		$(INSTALL) -m $(CONF_MODE) conf/$(CONF_DEFAULT)/$$f \
			$(DESTDIR)$(CONFDIR)/$$f || exit 1; \
		[ -z "$(DESTDIR)" ] && getent group $(PACKAGE) >/dev/null && \
			chgrp $(PACKAGE) $(CONFDIR)/$$f; \
	done; true
	@# an empty directory variable skips that part (debian/rules does)
	[ -z "$(UNITDIR)" ] || $(INSTALL) -D -m 0644 \
		packaging/systemd/$(PACKAGE).service \
		$(DESTDIR)$(UNITDIR)/$(PACKAGE).service
	[ -z "$(SYSUSERSDIR)" ] || $(INSTALL) -D -m 0644 \
		packaging/systemd/$(PACKAGE).sysusers \
		$(DESTDIR)$(SYSUSERSDIR)/$(PACKAGE).conf
	[ -z "$(UDEVRULESDIR)" ] || $(INSTALL) -D -m 0644 \
		packaging/udev/60-$(PACKAGE)-gpio.rules \
		$(DESTDIR)$(UDEVRULESDIR)/60-$(PACKAGE)-gpio.rules

uninstall:
	rm -f $(MODULES:%=$(DESTDIR)$(MODULEDIR)/%.so)
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)
	rm -f $(DESTDIR)$(LIBEXECDIR)/baresip-door-off
	-rmdir $(DESTDIR)$(LIBEXECDIR) 2>/dev/null
	[ -z "$(UNITDIR)" ] || rm -f $(DESTDIR)$(UNITDIR)/$(PACKAGE).service
	[ -z "$(SYSUSERSDIR)" ] || rm -f $(DESTDIR)$(SYSUSERSDIR)/$(PACKAGE).conf
	[ -z "$(UDEVRULESDIR)" ] || \
		rm -f $(DESTDIR)$(UDEVRULESDIR)/60-$(PACKAGE)-gpio.rules
	@echo "uninstall: kept $(DESTDIR)$(CONFDIR) (your configuration)"


# ---- Debian package ----
# dpkg-buildpackage runs in a copy of the tree under $(BUILD)/deb-$(ARCH),
# with packaging/debian as debian/. ARCH other than the machine's
# cross-builds with Debian's multiarch toolchain (no tests run then).
NATIVE_ARCH  = $(shell dpkg --print-architecture 2>/dev/null)
ARCH        ?= $(NATIVE_ARCH)
DEB_VERSION  = $(shell dpkg-parsechangelog -l packaging/debian/changelog \
			-S Version 2>/dev/null)
DEB_DIR      = $(BUILD)/deb-$(ARCH)
DEB_FILE     = $(BUILD)/$(PACKAGE)_$(DEB_VERSION)_$(ARCH).deb
DEB_TREE    := Makefile README.md modules tools conf share packaging \
	       tests/unit
DEB_CROSS    = $(if $(filter $(NATIVE_ARCH),$(ARCH)),,\
		 --host-arch=$(ARCH) --build-profiles=cross,nocheck)
DEB_OPTIONS  = $(if $(filter $(NATIVE_ARCH),$(ARCH)),,nocheck)

deb:
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)/src
	tar -cf - --exclude=__pycache__ $(wildcard $(DEB_TREE) LICENSE) | \
		tar -xf - -C $(DEB_DIR)/src
	cp -a packaging/debian $(DEB_DIR)/src/debian
	bash packaging/build-deps.sh $(ARCH) $(DEB_DIR)/src
	cd $(DEB_DIR)/src && \
		DEB_BUILD_OPTIONS="$(strip $(DEB_BUILD_OPTIONS) $(DEB_OPTIONS))" \
		dpkg-buildpackage -us -uc -b $(DEB_CROSS)
	cp $(DEB_DIR)/$(PACKAGE)_$(DEB_VERSION)_$(ARCH).deb $(DEB_FILE)
	@echo "deb: $(DEB_FILE)"

# Installs what it needs (as root), then builds, installs, runs and
# removes the package on this machine, and proves the arm64 build under
# qemu. See packaging/package-test.sh.
package-test:
	BUILD=$(abspath $(BUILD)) MODULES="$(MODULES)" MAKE="$(MAKE)" \
		PYTHON=$(PYTHON) FOREIGN_DEBS="$(FOREIGN_DEBS)" \
		bash packaging/package-test.sh

.PHONY: install uninstall deb package-test
