/**
 * @file fuzz_codeset.c  DTMF codes across interleaved calls
 *
 * Input: the caller allowlist on the first line, then pairs of bytes:
 * which of four calls (low bits; bit 7 closes it, bit 6 sweeps it away
 * as if baresip had freed it) and the digit. A refused caller is
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


static const char *ids[4] = {
	"a84b4c76e66710@pc33", "a84b4c76e66710@pc34", "x", "",
};


static int fill(struct matcher *m, void *arg)
{
	(void)arg;
	return matcher_add(m, "1234", 1) || matcher_add(m, "12#5", 2) ||
		matcher_add(m, "*0", 3);
}


static void handler(enum matcher_result res, int id, const char *peer,
		    const char *callid, uint32_t failures, void *arg)
{
	struct state *st = arg;

	(void)failures;
	FUZZ_CHECK(!strcmp(peer, peers[st->cur]));
	FUZZ_CHECK(!strcmp(callid, ids[st->cur]));
	if (res == MATCHER_REFUSED)
		FUZZ_CHECK(++st->refused[st->cur] == 1);
	if (res == MATCHER_MATCH)
		FUZZ_CHECK(id >= 1 && id <= 3 && !st->refused[st->cur]);
}


/* the sweep finds every call but the current one */
static bool alive(const char *id, const char *peer, void *arg)
{
	const struct state *st = arg;

	(void)peer;
	return strcmp(id, ids[st->cur]) != 0;
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
			codeset_call_closed(cs, ids[st.cur], peers[st.cur]);
			st.refused[st.cur] = 0;
			continue;
		}
		if (op & 0x40) {
			(void)codeset_sweep(cs, alive, &st);
			st.refused[st.cur] = 0;
			continue;
		}
		codeset_feed(cs, ids[st.cur], peers[st.cur], ops.p[i + 1]);
	}

 out:
	mem_deref(cs);
	mem_deref(al);
	mem_deref(s);
	return 0;
}
