/**
 * @file fuzz_allow.c  SIP caller allowlists and the match of a caller URI
 *
 * Input: the list on the first line, the caller's URI after it. A URI
 * given as a list of its own always lets itself in.
 */
#include "fuzz.h"
#include "door.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct allowlist *al = NULL, *self = NULL;
	struct pl spec, uri;
	char *s, *u;

	if (!fuzz_split(data, size, &spec, &uri))
		return 0;

	s = fuzz_str(&spec);
	u = fuzz_str(&uri);
	if (!s || !u)
		goto out;

	if (!allowlist_alloc(&al, s)) {
		(void)allowlist_isempty(al);
		(void)allowlist_match(al, u);
	}

	/* one token, short enough for the matcher's buffer */
	if (*u && !strpbrk(u, " \t\r\n,;") && strlen(u) < 200 &&
	    !allowlist_alloc(&self, u))
		FUZZ_CHECK(allowlist_match(self, u));

 out:
	mem_deref(al);
	mem_deref(self);
	mem_deref(s);
	mem_deref(u);
	return 0;
}
