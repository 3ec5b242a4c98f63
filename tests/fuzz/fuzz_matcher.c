/**
 * @file fuzz_matcher.c  DTMF code matching against a model
 *
 * Input: up to four codes, each ended by '\n', then the digits a caller
 * presses. The model below says what should happen after each digit in
 * plain string terms (no timers: the timeout is off here); the matcher
 * must report the same results, fail count and lock.
 */
#include "fuzz.h"
#include "door.h"

enum { MAX_FAIL = 3, LEN = 16 };

struct model {
	char codes[4][LEN + 1];
	size_t ncodes;
	char buf[LEN + 1];
	size_t len;
	uint32_t failures;
	bool locked;
};

struct seen {
	int n;
	enum matcher_result res;
	int id;
};


static int model_code(const struct model *m, const char *s, size_t len)
{
	for (size_t i = 0; i < m->ncodes; i++)
		if (strlen(m->codes[i]) == len && !memcmp(m->codes[i], s, len))
			return (int)i;
	return -1;
}


static bool model_grows(const struct model *m)
{
	for (size_t i = 0; i < m->ncodes; i++)
		if (strlen(m->codes[i]) > m->len &&
		    !memcmp(m->codes[i], m->buf, m->len))
			return true;
	return false;
}


/* submit the first len digits: a match or a failure, the buffer empties */
static enum matcher_result model_submit(struct model *m, size_t len,
					int *id)
{
	*id = model_code(m, m->buf, len);
	m->len = 0;
	if (*id >= 0)
		return MATCHER_MATCH;

	*id = -1;
	if (++m->failures >= MAX_FAIL) {
		m->locked = true;
		return MATCHER_LOCKED;
	}
	return MATCHER_FAIL;
}


/* what one digit does: -1 for nothing reported */
static int model_feed(struct model *m, char d, int *id)
{
	if (m->locked)
		return -1;
	if (d >= 'a' && d <= 'd')
		d = (char)(d - 'a' + 'A');
	if (!d || !strchr("0123456789*#ABCD", d))
		return -1;

	m->buf[m->len++] = d;

	if (model_code(m, m->buf, m->len) >= 0)
		return (int)model_submit(m, m->len, id);

	if (d == '#' && !model_grows(m)) {
		if (m->len == 1) {
			m->len = 0;
			return -1;
		}
		return (int)model_submit(m, m->len - 1, id);
	}

	if (m->len >= LEN)
		return (int)model_submit(m, m->len, id);

	return -1;
}


static void handler(enum matcher_result res, int id, void *arg)
{
	struct seen *s = arg;

	++s->n;
	s->res = res;
	s->id = id;
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct model model;
	struct matcher *m = NULL;
	struct seen seen = {0, 0, 0};
	struct pl code, rest = {(const char *)data, size};

	memset(&model, 0, sizeof(model));

	if (matcher_alloc(&m, 0, MAX_FAIL, handler, &seen))
		abort();

	while (model.ncodes < 4 &&
	       fuzz_split((const uint8_t *)rest.p, rest.l, &code, &rest)) {
		char c[LEN + 2];
		bool valid;

		if (code.l > LEN + 1)
			continue;
		(void)pl_strcpy(&code, c, sizeof(c));
		if (strlen(c) != code.l)
			continue;
		valid = door_dtmf_code_valid(c);
		FUZZ_CHECK(valid == !matcher_add(m, c, (int)model.ncodes));
		if (valid)
			str_ncpy(model.codes[model.ncodes++], c, LEN + 1);
	}

	for (size_t i = 0; i < rest.l; i++) {
		int id = 0, want = model_feed(&model, rest.p[i], &id);
		int before = seen.n;

		matcher_feed(m, rest.p[i]);

		if (want < 0) {
			FUZZ_CHECK(seen.n == before);
			continue;
		}
		FUZZ_CHECK(seen.n == before + 1);
		FUZZ_CHECK((int)seen.res == want);
		FUZZ_CHECK(seen.id == id);
	}

	FUZZ_CHECK(matcher_failures(m) == model.failures);
	FUZZ_CHECK(matcher_locked(m) == model.locked);

	mem_deref(m);
	return 0;
}
