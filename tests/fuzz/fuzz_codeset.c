/**
 * @file fuzz_codeset.c  DTMF codes across interleaved calls
 *
 * Input: the caller allowlist on the first line, then pairs of bytes:
 * which of four calls (low bits; bit 7 closes it) and the digit. Calls
 * are only keys to the code set, never read. A refused caller is
 * reported once per call and never matches; a match is always one of
 * the configured codes.
 */
#include "fuzz.h"
#include "door.h"

static const char *peers[4] = {
	"sip:alice@example.org", "\"Bob\" <sip:bob@10.0.0.2:5060;x=y>",
	"sip:1234@door", "tel:+4930123",
};

struct state {
	unsigned refused[4];
	int cur;
};


/* four distinct addresses standing for calls: the set only compares them */
static const struct call *call_key(int i)
{
	static const char calls[4];

	return (const struct call *)(const void *)&calls[i];
}


static int fill(struct matcher *m, void *arg)
{
	(void)arg;
	return matcher_add(m, "1234", 1) || matcher_add(m, "12#5", 2) ||
		matcher_add(m, "*0", 3);
}


static void handler(enum matcher_result res, int id, const char *peer,
		    uint32_t failures, void *arg)
{
	struct state *st = arg;

	(void)failures;
	FUZZ_CHECK(!strcmp(peer, peers[st->cur]));
	if (res == MATCHER_REFUSED)
		FUZZ_CHECK(++st->refused[st->cur] == 1);
	if (res == MATCHER_MATCH)
		FUZZ_CHECK(id >= 1 && id <= 3 && !st->refused[st->cur]);
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct allowlist *al = NULL;
	struct codeset *cs = NULL;
	struct state st;
	struct pl spec, ops;
	char *s;

	if (!fuzz_split(data, size, &spec, &ops))
		return 0;

	memset(&st, 0, sizeof(st));
	s = fuzz_str(&spec);
	if (!s || allowlist_alloc(&al, s) ||
	    codeset_alloc(&cs, 0, 3, al, fill, handler, &st))
		goto out;

	for (size_t i = 0; i + 1 < ops.l; i += 2) {
		uint8_t op = (uint8_t)ops.p[i];

		st.cur = op & 3;
		if (op & 0x80) {
			codeset_call_closed(cs, call_key(st.cur));
			st.refused[st.cur] = 0;
			continue;
		}
		codeset_feed(cs, call_key(st.cur), peers[st.cur], ops.p[i + 1]);
	}

 out:
	mem_deref(cs);
	mem_deref(al);
	mem_deref(s);
	return 0;
}
