/**
 * @file fuzz.h  Helpers shared by the libFuzzer targets
 *
 * Many targets take two strings (a list and an address, a template and
 * variables): the input's first line is one, the rest is the other.
 */
#ifndef DOOR_FUZZ_H
#define DOOR_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <re.h>

int  LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
bool fuzz_split(const uint8_t *data, size_t size, struct pl *a,
		struct pl *b);
char *fuzz_str(const struct pl *pl);

/* a reference disagreeing with the code under test is a finding */
#define FUZZ_CHECK(cond)						\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz: %s:%d: %s\n", __FILE__,	\
				__LINE__, #cond);			\
			abort();					\
		}							\
	} while (0)

#endif
