/**
 * @file fuzz_webpeer.c  webrelayN_peer lists and the match of a peer URI
 *
 * Input: the list on the first line, the call peer's URI after it.
 */
#include "fuzz.h"
#include "../../modules/webrelay/webrelay.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct webpeer *wp = NULL;
	struct pl spec, uri;
	const char *why = NULL;
	char *s, *u;

	if (!fuzz_split(data, size, &spec, &uri))
		return 0;

	s = fuzz_str(&spec);
	u = fuzz_str(&uri);
	if (s && u) {
		if (!webpeer_alloc(&wp, s, &why))
			(void)webpeer_match(wp, u);
		else
			FUZZ_CHECK(why != NULL);
	}

	mem_deref(wp);
	mem_deref(s);
	mem_deref(u);
	return 0;
}
