/**
 * @file fuzz_query.c  httpopen's query string parser (untrusted: any
 * client that reaches the port sends one)
 */
#include "fuzz.h"
#include "../../modules/httpopen/httpopen.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl prm = {(const char *)data, size};
	struct query q;
	const char *why = NULL;
	uint32_t idx;

	if (query_parse(&q, &prm, &why)) {
		FUZZ_CHECK(why != NULL);
		return 0;
	}

	FUZZ_CHECK(q.n <= QUERY_MAX_PARAMS);
	for (size_t i = 0; i < q.n; i++) {
		FUZZ_CHECK(memchr(q.v[i].name, '\0', QUERY_NAME_MAX));
		FUZZ_CHECK(memchr(q.v[i].value, '\0', QUERY_VALUE_MAX));
		/* each name once: the first found is the one */
		FUZZ_CHECK(query_get(&q, q.v[i].name) == q.v[i].value);
	}

	(void)query_index(&q, "DoorNum", &idx, &why);
	return 0;
}
