/**
 * @file fuzz_glob.c  door_glob_match against fnmatch(3)
 *
 * The allowlists' glob knows '*' only and ignores case; on patterns
 * without '?', '[' or '\' it must agree with fnmatch(FNM_CASEFOLD).
 * Input: the pattern on the first line, the string after it.
 */
#include <fnmatch.h>
#include "fuzz.h"
#include "door.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl pat, str;
	char *p, *s;

	if (!fuzz_split(data, size, &pat, &str))
		return 0;

	p = fuzz_str(&pat);
	s = fuzz_str(&str);
	if (p && s) {
		bool m = door_glob_match(p, s);

		if (!strpbrk(p, "?[\\"))
			FUZZ_CHECK(m == !fnmatch(p, s, FNM_CASEFOLD));
	}

	mem_deref(p);
	mem_deref(s);
	return 0;
}
