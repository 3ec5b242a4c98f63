# make bench: httpopen beside nginx, and the latency rows (OpenDoor,
# DTMF, hold, web relays; tests/bench/latency.py), one table (bench.py);
# not part of make test. nginx is installed by the bench only, so test
# and CI machines get no web server started by its package.
BENCH_DEPS := nginx

$(BUILD)/bench/hload: tests/bench/hload.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -o $@ $<

bench: all $(BUILD)/bench/hload
	@$(MAKE) --no-print-directory deps DEPS="$(BENCH_DEPS)"
	DOOR_BUILD=$(abspath $(BUILD)) $(PYTHON) tests/bench/bench.py

.PHONY: bench
