/**
 * @file matcher.c  DTMF code matching for one call
 *
 * Digits collect in a buffer. A code matches the moment the buffer equals
 * it. '#' submits the buffer (so "1234#" works) unless the buffer could
 * still grow into a code containing '#'. The inter-digit timeout submits
 * too, so a guess abandoned half-way still counts against the caller:
 * otherwise codes could be tried forever by pausing instead of pressing #.
 * A code added with id MATCHER_FOREIGN belongs to another module judging
 * the same digits: it clears the buffer and is neither a match nor a
 * failure here. A checked code (matcher_add_check) has no fixed digits:
 * a handler judges what '#' submits, for codes that change with time
 * (TOTP); the timeout never submits to it, and a fixed code typed in full
 * still matches first. An exact checked code (matcher_add_exact) is asked
 * after each digit, like a fixed code whose digits only its handler knows
 * (another module's codes that change at run time).
 */
#include <string.h>
#include "door.h"

#define MATCHER_MAXLEN 16

struct code {
	struct le le;
	char digits[MATCHER_MAXLEN + 1];
	int id;
	matcher_check_h *checkh;   /* a checked code: digits unused */
	bool exact;                /* ...asked at each digit, not on '#' */
	void *arg;                 /* referenced */
};

struct matcher {
	struct list codes;
	struct tmr tmr;
	char buf[MATCHER_MAXLEN + 2];
	size_t len;
	uint32_t timeout_ms;
	uint32_t max_fail;
	uint32_t failures;
	bool locked;
	matcher_h *h;
	void *arg;
};


static void destructor(void *data)
{
	struct matcher *m = data;

	tmr_cancel(&m->tmr);
	list_flush(&m->codes);
}


static void code_destructor(void *data)
{
	struct code *c = data;

	mem_deref(c->arg);
}


static const struct code *code_find(const struct matcher *m,
				    const char *digits, size_t len,
				    bool prefix)
{
	struct le *le;

	LIST_FOREACH(&m->codes, le) {
		const struct code *c = le->data;
		size_t clen = strlen(c->digits);

		if (c->checkh)
			continue;
		if (prefix ? (clen > len && !memcmp(c->digits, digits, len))
			   : (clen == len && !memcmp(c->digits, digits, len)))
			return c;
	}

	return NULL;
}


static void buf_clear(struct matcher *m)
{
	m->len = 0;
	m->buf[0] = '\0';
	tmr_cancel(&m->tmr);
}


/* A non-matching submission; the handler may free the matcher */
static void fail(struct matcher *m)
{
	buf_clear(m);
	++m->failures;

	if (m->max_fail && m->failures >= m->max_fail) {
		m->locked = true;
		m->h(MATCHER_LOCKED, -1, m->arg);
		return;
	}

	m->h(MATCHER_FAIL, -1, m->arg);
}


/* the checked code that takes the len digits '#' submitted */
static const struct code *check_find(const struct matcher *m, size_t len)
{
	struct le *le;

	LIST_FOREACH(&m->codes, le) {
		const struct code *c = le->data;

		if (c->checkh && !c->exact && c->checkh(m->buf, len, c->arg))
			return c;
	}

	return NULL;
}


/* code c matched: the digits go; the handler may free the matcher */
static void matched(struct matcher *m, const struct code *c)
{
	int id = c->id;

	buf_clear(m);
	if (id != MATCHER_FOREIGN)
		m->h(MATCHER_MATCH, id, m->arg);
}


/* hash: '#' submitted the digits, so checked codes may take them */
static void submit(struct matcher *m, size_t len, bool hash)
{
	const struct code *c = code_find(m, m->buf, len, false);

	if (!c && hash)
		c = check_find(m, len);

	if (c) {
		matched(m, c);
		return;
	}

	fail(m);
}


static void timeout_handler(void *arg)
{
	struct matcher *m = arg;

	if (m->len)
		submit(m, m->len, false);
}


int matcher_alloc(struct matcher **mp, uint32_t timeout_ms,
		  uint32_t max_fail, matcher_h *h, void *arg)
{
	struct matcher *m;

	if (!mp || !h)
		return EINVAL;

	m = mem_zalloc(sizeof(*m), destructor);
	if (!m)
		return ENOMEM;

	tmr_init(&m->tmr);
	m->timeout_ms = timeout_ms;
	m->max_fail   = max_fail;
	m->h          = h;
	m->arg        = arg;

	*mp = m;
	return 0;
}


int matcher_add(struct matcher *m, const char *code, int id)
{
	struct code *c;

	if (!m || !door_dtmf_code_valid(code))
		return EINVAL;

	c = mem_zalloc(sizeof(*c), code_destructor);
	if (!c)
		return ENOMEM;

	str_ncpy(c->digits, code, sizeof(c->digits));
	c->id = id;
	list_append(&m->codes, &c->le, c);

	return 0;
}


/**
 * A code checkh judges when '#' submits digits; arg, a mem object, is
 * referenced for the matcher's life. id as for matcher_add().
 */
int matcher_add_check(struct matcher *m, matcher_check_h *checkh, void *arg,
		      int id)
{
	struct code *c;

	if (!m || !checkh)
		return EINVAL;

	c = mem_zalloc(sizeof(*c), code_destructor);
	if (!c)
		return ENOMEM;

	c->checkh = checkh;
	c->arg = mem_ref(arg);
	c->id = id;
	list_append(&m->codes, &c->le, c);

	return 0;
}


/**
 * A code checkh judges after each digit: a match as soon as it says so,
 * as for a fixed code. arg and id as for matcher_add_check().
 */
int matcher_add_exact(struct matcher *m, matcher_check_h *checkh, void *arg,
		      int id)
{
	struct code *c;
	int err;

	err = matcher_add_check(m, checkh, arg, id);
	if (err)
		return err;

	c = list_ledata(list_tail(&m->codes));
	c->exact = true;
	return 0;
}


/* the exact checked code that takes the digits so far */
static const struct code *exact_find(const struct matcher *m)
{
	struct le *le;

	LIST_FOREACH(&m->codes, le) {
		const struct code *c = le->data;

		if (c->exact && c->checkh(m->buf, m->len, c->arg))
			return c;
	}

	return NULL;
}


/** Feed one received digit; may call the handler, which may free m */
void matcher_feed(struct matcher *m, char digit)
{
	const struct code *c;

	if (!m || m->locked)
		return;

	if (digit >= 'a' && digit <= 'd')
		digit = (char)(digit - 'a' + 'A');
	if (!strchr("0123456789*#ABCD", digit) || !digit)
		return;

	m->buf[m->len++] = digit;
	m->buf[m->len] = '\0';

	if (code_find(m, m->buf, m->len, false)) {
		submit(m, m->len, false);
		return;
	}

	c = digit != '#' ? exact_find(m) : NULL;
	if (c) {
		matched(m, c);
		return;
	}

	if (digit == '#' && !code_find(m, m->buf, m->len, true)) {
		if (m->len == 1)
			buf_clear(m);       /* a lone '#' submits nothing */
		else
			submit(m, m->len - 1, true);
		return;
	}

	if (m->len >= MATCHER_MAXLEN) {
		submit(m, m->len, false);
		return;
	}

	if (m->timeout_ms)
		tmr_start(&m->tmr, m->timeout_ms, timeout_handler, m);
}


bool matcher_locked(const struct matcher *m)
{
	return m ? m->locked : false;
}


uint32_t matcher_failures(const struct matcher *m)
{
	return m ? m->failures : 0;
}
