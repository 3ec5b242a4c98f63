# Fuzz targets: libFuzzer with ASan and UBSan, one per parser of
# untrusted input (tests/fuzz/fuzz_NAME.c, seeds in corpus/NAME/)
#
#   make fuzz                        build them into $(FUZZ_BUILD)
#   make fuzz-run FUZZ_SECONDS=8     run each for that long (CI: 8)
#
# Objects live in their own folder: clang with sanitizer coverage never
# mixes with the modules' gcc objects. The corpus a run grows is kept
# there too; the seeds in the tree stay as they are.

# installed by make fuzz itself, so the other lanes and roots go without
FUZZ_DEPS := clang libclang-rt-dev

FUZZ_BUILD   ?= $(BUILD)/fuzz
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 8
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS  := -g -O1 -std=gnu11 -Wall -Wextra -Werror $(FUZZ_SAN)

FUZZ_TARGETS := $(sort $(patsubst tests/fuzz/fuzz_%.c,%,\
		$(wildcard tests/fuzz/fuzz_*.c)))

# the shared parsers every target may use; none calls baresip
FUZZ_DOOR := allow conf conftext matcher codeset rfc4733 pct
FUZZ_DOOR_OBJS := $(FUZZ_DOOR:%=$(FUZZ_BUILD)/door/%.o)

fuzz_query_SRCS   := modules/httpopen/query.c
fuzz_hauth_SRCS   := modules/httpopen/hauth.c modules/httpopen/replay.c
fuzz_request_SRCS := modules/httpopen/query.c modules/httpopen/hauth.c \
		     modules/httpopen/hreq.c \
		     modules/httpopen/replay.c
fuzz_netlist_SRCS := modules/httpopen/netlist.c
fuzz_vstore_SRCS  := modules/door/vcode.c
fuzz_codebody_SRCS := modules/httpopen/codebody.c modules/door/vcode.c
fuzz_alert_SRCS   := modules/dryio/alert.c
fuzz_weburl_SRCS  := modules/webrelay/url.c modules/webrelay/event.c
fuzz_weburl_LIBS  := -lcurl
fuzz_webpeer_SRCS := modules/webrelay/peer.c
fuzz_conf_SRCS    := $(WEBRELAY_PURE)
fuzz_conf_LIBS    := -lcurl

$(FUZZ_BUILD)/door/%.o: modules/door/%.c $(wildcard modules/door/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(PKG_CFLAGS) $(FUZZ_CFLAGS) \
		-fsanitize=fuzzer-no-link -c $< -o $@

define FUZZ_RULE
$$(FUZZ_BUILD)/fuzz_$(1): tests/fuzz/fuzz_$(1).c tests/fuzz/support.c \
		tests/fuzz/fuzz.h $$(fuzz_$(1)_SRCS) $$(FUZZ_DOOR_OBJS) \
		$$(wildcard modules/*/*.h)
	@mkdir -p $$(dir $$@)
	$$(FUZZ_CC) $$(CPPFLAGS) $$(PKG_CFLAGS) $$(FUZZ_CFLAGS) \
		-fsanitize=fuzzer -o $$@ tests/fuzz/fuzz_$(1).c \
		tests/fuzz/support.c $$(fuzz_$(1)_SRCS) $$(FUZZ_DOOR_OBJS) \
		$$(fuzz_$(1)_LIBS) -lre
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call FUZZ_RULE,$(t))))

fuzz-deps:
	@$(MAKE) --no-print-directory deps DEPS="$(FUZZ_DEPS)"

fuzz: fuzz-deps $(FUZZ_TARGETS:%=$(FUZZ_BUILD)/fuzz_%)

# each target for FUZZ_SECONDS from its seeds; any crash, leak, sanitizer
# report or model disagreement fails the run and leaves its input in
# $(FUZZ_BUILD)/crash-NAME-*
fuzz-run: fuzz
	@fail=0; pass=0; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(FUZZ_BUILD)/corpus/$$t; \
		log=$(FUZZ_BUILD)/fuzz_$$t.log; \
		if $(FUZZ_BUILD)/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
			-timeout=10 -rss_limit_mb=1024 -max_len=4096 \
			-artifact_prefix=$(FUZZ_BUILD)/crash-$$t- \
			$(FUZZ_BUILD)/corpus/$$t tests/fuzz/corpus/$$t \
			>$$log 2>&1; then \
			pass=$$((pass+1)); \
			printf 'fuzz %-8s %s\n' $$t "$$(grep -o 'Done [0-9]* runs in [0-9]* second' $$log)"; \
		else \
			fail=$$((fail+1)); echo "fuzz $$t: FAILED, see $$log"; \
			tail -40 $$log; \
		fi; \
	done; echo "fuzz: $$pass passed, $$fail failed"; exit $$fail

.PHONY: fuzz fuzz-deps fuzz-run
