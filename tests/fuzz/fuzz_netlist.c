/**
 * @file fuzz_netlist.c  httpopen_allow network lists, and the match of a
 * peer address against them
 *
 * Input: the list on the first line, an address on the second. An
 * address is always inside a list of its own /32 or /128, and inside
 * 0.0.0.0/0 or ::/0 of its family.
 */
#include "fuzz.h"
#include "../../modules/httpopen/httpopen.h"


static bool in_own(const struct sa *sa, const char *fmt)
{
	struct netlist *nl = NULL;
	char spec[80];
	bool m;

	if (re_snprintf(spec, sizeof(spec), fmt, sa) < 0 ||
	    netlist_alloc(&nl, spec))
		return false;

	m = netlist_match(nl, sa);
	mem_deref(nl);
	return m;
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct netlist *nl = NULL;
	struct pl spec, addr;
	char *s = NULL;
	struct sa sa;
	uint8_t key[16];

	if (!fuzz_split(data, size, &spec, &addr)) {
		spec.p = (const char *)data;
		spec.l = size;
		addr = pl_null;
	}

	s = fuzz_str(&spec);
	if (s && !netlist_alloc(&nl, s))
		(void)netlist_isempty(nl);

	if (pl_isset(&addr) && !sa_set(&sa, &addr, 0)) {
		(void)netlist_match(nl, &sa);
		(void)netlist_client_key(&sa, key);

		if (sa_af(&sa) == AF_INET) {
			FUZZ_CHECK(in_own(&sa, "%j/32"));
			FUZZ_CHECK(in_own(&sa, "0.0.0.0/0"));
		}
		else if (sa_af(&sa) == AF_INET6 && !sa_is_linklocal(&sa)) {
			FUZZ_CHECK(in_own(&sa, "%j/128"));
			FUZZ_CHECK(in_own(&sa, "::/0"));
		}
	}

	mem_deref(nl);
	mem_deref(s);
	return 0;
}
