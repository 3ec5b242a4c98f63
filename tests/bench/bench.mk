# make bench: httpopen beside nginx, one table (tests/bench/bench.py);
# not part of make test
DEPS += nginx

$(BUILD)/bench/hload: tests/bench/hload.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -o $@ $<

bench: all $(BUILD)/bench/hload
	DOOR_BUILD=$(abspath $(BUILD)) $(PYTHON) tests/bench/bench.py

.PHONY: bench
