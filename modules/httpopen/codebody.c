/**
 * @file codebody.c  POST /api/codes bodies: one flat JSON object, read
 * strictly, and the relay_code_add arguments made from it
 *
 * The values end up as words of a command line, so each is checked
 * against the characters its word may hold before anything is built:
 * nothing a client sends can add a word or an option. The grammar is a
 * small subset of RFC 8259 (an object of strings, whole numbers and one
 * array of whole numbers; no escapes, no null, no nesting): a body
 * outside it is refused with one error, never guessed at. Pure logic, so
 * the unit test and the fuzz target link it alone. Codes and names are
 * checked by the relay module's own rules (vcode.c).
 */
#include <string.h>
#include "httpopen.h"

enum {
	STR_MAX = 64,
	NUM_MAX = 1000000,
};

enum member {
	M_RELAY = 0,
	M_CODE,
	M_NAME,
	M_UNTIL,
	M_USES,
	M_HOURS,
	M_COUNT,
};

static const char *const member_name[M_COUNT] = {
	"relay", "code", "name", "until", "uses", "hours",
};

struct parser {
	const char *p;
	const char *end;
	char *why;
	size_t wsz;
};

static const char word_chars[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.@-";
static const char time_chars[] =
	"0123456789TZtzmhd:+-.";


static int fail(struct parser *ps, const char *fmt, const char *arg)
{
	(void)re_snprintf(ps->why, ps->wsz, fmt, arg);
	return EINVAL;
}


static void skip_ws(struct parser *ps)
{
	while (ps->p < ps->end && strchr(" \t\r\n", *ps->p) && *ps->p)
		++ps->p;
}


static bool next_is(struct parser *ps, char c)
{
	skip_ws(ps);
	return ps->p < ps->end && *ps->p == c;
}


/* A string without escapes or control characters, at most STR_MAX */
static int read_str(struct parser *ps, struct pl *str, const char *what)
{
	const char *start;

	if (!next_is(ps, '"'))
		return fail(ps, "%s: a string expected", what);

	start = ++ps->p;
	for (; ps->p < ps->end; ps->p++) {
		unsigned char c = (unsigned char)*ps->p;

		if (c == '"')
			break;
		if (c == '\\')
			return fail(ps, "%s: escapes are not accepted", what);
		if (c < 0x20 || c == 0x7f)
			return fail(ps, "%s: control character in a string",
				    what);
	}

	if (ps->p >= ps->end)
		return fail(ps, "%s: unterminated string", what);

	str->p = start;
	str->l = (size_t)(ps->p - start);
	++ps->p;

	if (str->l > STR_MAX)
		return fail(ps, "%s: string too long", what);

	return 0;
}


/* A whole number 0..NUM_MAX: digits, no sign, fraction or exponent */
static int read_num(struct parser *ps, uint32_t *num, const char *what)
{
	const char *start;
	uint64_t v = 0;

	skip_ws(ps);
	start = ps->p;
	while (ps->p < ps->end && *ps->p && strchr("0123456789+-.eE", *ps->p))
		++ps->p;

	if (ps->p == start)
		return fail(ps, "%s: a number expected", what);

	for (const char *q = start; q < ps->p; q++) {
		if (*q < '0' || *q > '9')
			return fail(ps, "%s: a whole number expected", what);
		v = v * 10 + (uint64_t)(*q - '0');
		if (v > NUM_MAX)
			return fail(ps, "%s: number too large", what);
	}

	if (ps->p - start > 1 && *start == '0')
		return fail(ps, "%s: leading zero", what);

	*num = (uint32_t)v;
	return 0;
}


static bool chars_ok(const struct pl *pl, const char *set, size_t max)
{
	if (!pl->l || pl->l > max)
		return false;

	for (size_t i = 0; i < pl->l; i++) {
		if (!pl->p[i] || !strchr(set, pl->p[i]))
			return false;
	}

	return true;
}


static int copy(struct parser *ps, char *dst, size_t sz, const struct pl *pl,
		const char *set, const char *what, const char *rule)
{
	if (!chars_ok(pl, set, sz - 1))
		return fail(ps, rule, what);

	(void)pl_strcpy(pl, dst, sz);
	return 0;
}


/* One relay number 1..DOOR_MAX_INDEX, appended to cr->relays */
static int read_relay_num(struct parser *ps, struct codereq *cr,
			  uint32_t *seen)
{
	size_t len = strlen(cr->relays);
	uint32_t n;
	int err;

	err = read_num(ps, &n, "relay");
	if (err)
		return err;
	if (n < 1 || n > DOOR_MAX_INDEX)
		return fail(ps, "%s: a relay number from 1 to 16", "relay");
	if (*seen & (1u << (n - 1)))
		return fail(ps, "%s: a relay listed twice", "relay");
	*seen |= 1u << (n - 1);

	(void)re_snprintf(cr->relays + len, sizeof(cr->relays) - len,
			  "%s%u", len ? "," : "", n);
	return 0;
}


/* "relay": 1, "relay": [1, 2] or "relay": "front" */
static int read_relay(struct parser *ps, struct codereq *cr)
{
	struct pl str;
	uint32_t seen = 0;
	int err;

	cr->relays[0] = '\0';

	if (next_is(ps, '"')) {
		err = read_str(ps, &str, "relay");
		return err ? err : copy(ps, cr->relays, sizeof(cr->relays),
					&str, word_chars, "relay",
					"%s: a relay number or name"
					" ([A-Za-z0-9_.@-], up to 63)");
	}

	if (!next_is(ps, '['))
		return read_relay_num(ps, cr, &seen);

	++ps->p;
	if (next_is(ps, ']'))
		return fail(ps, "%s: an empty list", "relay");

	for (;;) {
		err = read_relay_num(ps, cr, &seen);
		if (err)
			return err;
		if (next_is(ps, ']'))
			break;
		if (!next_is(ps, ','))
			return fail(ps, "%s: ',' or ']' expected", "relay");
		++ps->p;
	}

	++ps->p;
	return 0;
}


static int read_value(struct parser *ps, struct codereq *cr, enum member m)
{
	const char *what = member_name[m];
	struct pl str;
	int err;

	switch (m) {

	case M_RELAY:
		return read_relay(ps, cr);

	case M_USES:
		err = read_num(ps, &cr->uses, what);
		if (!err && cr->uses < 1)
			err = fail(ps, "%s: a whole number from 1 to 1000000",
				   what);
		return err;

	default:
		break;
	}

	err = read_str(ps, &str, what);
	if (err)
		return err;

	switch (m) {

	case M_CODE:
		if (str.l < sizeof(cr->code))
			(void)pl_strcpy(&str, cr->code, sizeof(cr->code));
		if (!vcode_digits_valid(cr->code)) {
			memset(cr->code, 0, sizeof(cr->code));
			return fail(ps, "%s: 4 to 16 of 0-9 * A-D", what);
		}
		return 0;

	case M_NAME:
		if (str.l < sizeof(cr->name))
			(void)pl_strcpy(&str, cr->name, sizeof(cr->name));
		if (!vcode_name_valid(cr->name)) {
			cr->name[0] = '\0';
			return fail(ps, "%s: 1 to 32 of A-Z a-z 0-9 _ . @ -,"
				    " not only digits", what);
		}
		return 0;

	case M_UNTIL:
		return copy(ps, cr->until, sizeof(cr->until), &str,
			    time_chars, what, "%s: an ISO 8601 time"
			    " (2026-11-22T18:00) or +90m, +2h, +3d");

	case M_HOURS:
	default:
		return copy(ps, cr->hours, sizeof(cr->hours), &str,
			    word_chars, what, "%s: a time profile name");
	}
}


static int read_member(struct parser *ps, struct codereq *cr,
		       unsigned *given)
{
	char key[24];
	struct pl name;
	size_t m;
	int err;

	err = read_str(ps, &name, "member name");
	if (err)
		return err;

	for (m = 0; m < M_COUNT; m++) {
		if (!pl_strcmp(&name, member_name[m]))
			break;
	}

	if (m == M_COUNT) {
		if (!chars_ok(&name, word_chars, sizeof(key) - 1))
			return fail(ps, "unknown member%s", "");
		(void)pl_strcpy(&name, key, sizeof(key));
		return fail(ps, "unknown member '%s'", key);
	}

	if (*given & (1u << m))
		return fail(ps, "member '%s' given twice", member_name[m]);
	*given |= 1u << m;

	if (!next_is(ps, ':'))
		return fail(ps, "':' expected after '%s'", member_name[m]);
	++ps->p;

	return read_value(ps, cr, (enum member)m);
}


/**
 * Parse a POST /api/codes body into cr. Returns 0, or EINVAL with one
 * line in why (never holding the code).
 */
int codereq_parse(struct codereq *cr, const struct pl *body,
		  char *why, size_t wsz)
{
	struct parser ps;
	unsigned given = 0;
	int err = 0;

	if (!cr || !body || !why || !wsz)
		return EINVAL;

	memset(cr, 0, sizeof(*cr));
	why[0] = '\0';
	ps.p = body->p;
	ps.end = body->p + body->l;
	ps.why = why;
	ps.wsz = wsz;

	if (!body->p || !next_is(&ps, '{')) {
		err = fail(&ps, "the body must be a JSON object%s", "");
		goto out;
	}
	++ps.p;

	if (!next_is(&ps, '}')) {
		for (;;) {
			err = read_member(&ps, cr, &given);
			if (err)
				goto out;
			if (next_is(&ps, '}'))
				break;
			if (!next_is(&ps, ',')) {
				err = fail(&ps, "',' or '}' expected%s", "");
				goto out;
			}
			++ps.p;
		}
	}
	++ps.p;

	skip_ws(&ps);
	if (ps.p != ps.end) {
		err = fail(&ps, "data after the JSON object%s", "");
		goto out;
	}

	for (size_t m = M_RELAY; m <= M_CODE; m++) {
		if (!(given & (1u << m))) {
			err = fail(&ps, "missing member '%s'", member_name[m]);
			goto out;
		}
	}

 out:
	if (err)
		memset(cr, 0, sizeof(*cr));

	return err;
}


/** The arguments of relay_code_add, without via= and who= */
int codereq_print(struct re_printf *pf, const struct codereq *cr)
{
	int err;

	if (!cr)
		return 0;

	err = re_hprintf(pf, "%s %s", cr->relays, cr->code);
	if (cr->name[0])
		err |= re_hprintf(pf, " name=%s", cr->name);
	if (cr->until[0])
		err |= re_hprintf(pf, " until=%s", cr->until);
	if (cr->uses)
		err |= re_hprintf(pf, " uses=%u", cr->uses);
	if (cr->hours[0])
		err |= re_hprintf(pf, " hours=%s", cr->hours);

	return err;
}


/** A code id in a path: 1 to 9 digits, no leading zero */
int codereq_id(const struct pl *pl, uint32_t *id)
{
	if (!pl || !id || !pl->l || pl->l > 9 || pl->p[0] == '0')
		return EINVAL;

	for (size_t i = 0; i < pl->l; i++) {
		if (pl->p[i] < '0' || pl->p[i] > '9')
			return EINVAL;
	}

	*id = pl_u32(pl);
	return 0;
}
