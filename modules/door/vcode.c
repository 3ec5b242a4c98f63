/**
 * @file vcode.c  Visitor codes: their times, names and stored form
 *
 * Free of baresip calls. A visitor code opens one or more relays until a
 * time, for a number of uses or during a time profile. The store (codes
 * and the last accepted TOTP step of each relay) is written as text:
 *
 *   version 1
 *   next 4
 *   totp 1 59063312
 *   code 3 relays=1,2 code=4711 until=1795370400 uses=1 hours=office
 *        name=Parcel                               (one line)
 *   end
 *
 * and read strictly: any line out of place, a value out of range or a
 * missing "end" (a cut file) makes the whole store unreadable.
 */
#include <string.h>
#include <time.h>
#include "door.h"

#define VCODE_REL_MAX  (3650L * 86400)   /* +3650d at most */


/* ---- times ---- */

static bool digits_at(const char *s, size_t n, int *val)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}

	*val = v;
	return true;
}


static int days_in(int year, int mon)
{
	static const int dv[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
				 31};
	bool leap = (year % 4 == 0 && year % 100) || year % 400 == 0;

	return mon == 2 && leap ? 29 : dv[mon - 1];
}


/* "+90m", "+2h", "+3d" from now */
static int relative_parse(const char *s, time_t now, time_t *t)
{
	size_t len = strlen(s);
	long mult, n = 0;
	size_t i;

	if (len < 3 || len > 10)
		return EINVAL;

	switch (s[len - 1]) {

	case 'm': mult = 60;    break;
	case 'h': mult = 3600;  break;
	case 'd': mult = 86400; break;
	default:  return EINVAL;
	}

	for (i = 1; i < len - 1; i++) {
		if (s[i] < '0' || s[i] > '9')
			return EINVAL;
		n = n * 10 + (s[i] - '0');
		if (n * mult > VCODE_REL_MAX)
			return EINVAL;
	}
	if (!n)
		return EINVAL;

	*t = now + (time_t)(n * mult);
	return 0;
}


/**
 * An expiry time: ISO 8601 "YYYY-MM-DDTHH:MM[:SS]" in local time, with
 * "Z" in UTC or "+HH:MM" / "-HH:MM" (or +HHMM) at that offset; or
 * relative to now: "+90m", "+2h", "+3d". EINVAL for anything else.
 */
int vcode_time_parse(const char *s, time_t now, time_t *t)
{
	struct tm tm;
	int y, mo, d, h, mi, sec = 0, oh, om, sign;
	const char *p;
	time_t v;

	if (!s || !t)
		return EINVAL;
	if (s[0] == '+')
		return relative_parse(s, now, t);

	if (strlen(s) < 16 || !digits_at(s, 4, &y) || s[4] != '-' ||
	    !digits_at(s + 5, 2, &mo) || s[7] != '-' ||
	    !digits_at(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
	    !digits_at(s + 11, 2, &h) || s[13] != ':' ||
	    !digits_at(s + 14, 2, &mi))
		return EINVAL;

	p = s + 16;
	if (*p == ':') {
		if (!digits_at(p + 1, 2, &sec))
			return EINVAL;
		p += 3;
	}

	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in(y, mo) || h > 23 || mi > 59 || sec > 59)
		return EINVAL;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon  = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min  = mi;
	tm.tm_sec  = sec;

	if (!*p) {
		/* local time; one that a daylight-saving change skips
		 * comes out as the hour after */
		tm.tm_isdst = -1;
		v = mktime(&tm);
		if (v == (time_t)-1)
			return EINVAL;
		*t = v;
		return 0;
	}

	v = timegm(&tm);
	if (v == (time_t)-1)
		return EINVAL;

	if ((*p == 'Z' || *p == 'z') && !p[1]) {
		*t = v;
		return 0;
	}

	if (*p != '+' && *p != '-')
		return EINVAL;
	sign = *p == '+' ? 1 : -1;
	if (!digits_at(p + 1, 2, &oh))
		return EINVAL;
	p += 3;
	if (*p == ':')
		++p;
	if (!digits_at(p, 2, &om) || p[2] || oh > 14 || om > 59)
		return EINVAL;

	*t = v - sign * (time_t)(oh * 3600 + om * 60);
	return 0;
}


/** A time as ISO 8601 in UTC, "2026-11-22T17:00:00Z" */
int vcode_time_print(struct re_printf *pf, const time_t *t)
{
	struct tm tm;

	if (!t || !gmtime_r(t, &tm))
		return EINVAL;

	return re_hprintf(pf, "%04d-%02d-%02dT%02d:%02d:%02dZ",
			  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			  tm.tm_hour, tm.tm_min, tm.tm_sec);
}


/* ---- names and codes ---- */

/** [A-Za-z0-9_.@-]{1,32}, not all digits (those are ids) */
bool vcode_name_valid(const char *name)
{
	bool digits = true;
	size_t i, len = str_len(name);

	if (!len || len > VCODE_NAME_MAX)
		return false;

	for (i = 0; i < len; i++) {
		char c = name[i];

		if (c >= '0' && c <= '9')
			continue;
		digits = false;
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      strchr("_.@-", c)))
			return false;
	}

	return !digits;
}


/** VCODE_DIGITS_MIN to 16 of 0-9 * A-D: '#' submits, so never in one */
bool vcode_digits_valid(const char *code)
{
	size_t len = str_len(code);

	return len >= VCODE_DIGITS_MIN && door_dtmf_code_valid(code) &&
		!strchr(code, '#');
}


/** Whether the code's time is over at now */
bool vcode_expired(const struct vcode *vc, time_t now)
{
	return vc->until && now >= vc->until;
}


/** The earliest expiry of the codes, 0 if none expires */
time_t vstore_next_expiry(const struct vstore *vs)
{
	time_t next = 0;
	struct le *le;

	LIST_FOREACH(&vs->codes, le) {
		const struct vcode *vc = le->data;

		if (vc->until && (!next || vc->until < next))
			next = vc->until;
	}

	return next;
}


/* ---- the store ---- */

static void vstore_destructor(void *data)
{
	struct vstore *vs = data;

	list_flush(&vs->codes);
}


int vstore_alloc(struct vstore **vsp)
{
	struct vstore *vs;

	if (!vsp)
		return EINVAL;

	vs = mem_zalloc(sizeof(*vs), vstore_destructor);
	if (!vs)
		return ENOMEM;

	vs->next_id = 1;
	*vsp = vs;
	return 0;
}


static void vcode_destructor(void *data)
{
	struct vcode *vc = data;

	list_unlink(&vc->le);
	memset(vc->code, 0, sizeof(vc->code));
}


/** A new code, empty, owned by the caller until vstore_add(); freeing a
 * stored code takes it out of its store */
int vcode_alloc(struct vcode **vcp)
{
	struct vcode *vc;

	if (!vcp)
		return EINVAL;

	vc = mem_zalloc(sizeof(*vc), vcode_destructor);
	if (!vc)
		return ENOMEM;

	*vcp = vc;
	return 0;
}


/** Append vc with the next id, which is never given again */
void vstore_add(struct vstore *vs, struct vcode *vc)
{
	vc->id = vs->next_id++;
	list_append(&vs->codes, &vc->le, vc);
}


struct vcode *vstore_find(const struct vstore *vs, uint32_t id,
			  const char *name)
{
	struct le *le;

	LIST_FOREACH(&vs->codes, le) {
		struct vcode *vc = le->data;

		if ((id && vc->id == id) ||
		    (name && name[0] && !strcmp(vc->name, name)))
			return vc;
	}

	return NULL;
}


/** Relays as "1,2" */
int vcode_relays_print(struct re_printf *pf, const uint32_t *relays)
{
	const char *sep = "";
	unsigned n;
	int err = 0;

	for (n = 1; n <= DOOR_MAX_INDEX; n++) {
		if (!(*relays & (1u << n)))
			continue;
		err |= re_hprintf(pf, "%s%u", sep, n);
		sep = ",";
	}

	return err;
}


/** "1", "1,2": relay numbers 1 to DOOR_MAX_INDEX, each once */
int vcode_relays_parse(const struct pl *pl, uint32_t *relays)
{
	struct pl rest = *pl;
	uint32_t mask = 0;

	if (!pl->l)
		return EINVAL;

	for (;;) {
		const char *comma = pl_strchr(&rest, ',');
		struct pl num = {rest.p, comma ? (size_t)(comma - rest.p) :
				 rest.l};
		uint32_t n;

		if (!num.l || num.p[0] == '0' ||
		    door_parse_u32(&num, 1, DOOR_MAX_INDEX, &n) ||
		    (mask & (1u << n)))
			return EINVAL;
		mask |= 1u << n;

		if (!comma)
			break;
		pl_advance(&rest, num.l + 1);
	}

	*relays = mask;
	return 0;
}


/** The store as text, codes included: for its 0600 file only */
int vstore_encode(struct mbuf *mb, const struct vstore *vs)
{
	struct le *le;
	unsigned n;
	int err;

	err = mbuf_printf(mb, "# baresip-door visitor codes, written by the"
			  " relay module\nversion 1\nnext %u\n", vs->next_id);

	for (n = 1; n <= DOOR_MAX_INDEX; n++) {
		if (vs->totp[n])
			err |= mbuf_printf(mb, "totp %u %llu\n", n,
					   (unsigned long long)vs->totp[n]);
	}

	LIST_FOREACH(&vs->codes, le) {
		const struct vcode *vc = le->data;

		err |= mbuf_printf(mb, "code %u relays=%H code=%s", vc->id,
				   vcode_relays_print, &vc->relays,
				   vc->code);
		if (vc->until)
			err |= mbuf_printf(mb, " until=%lld",
					   (long long)vc->until);
		if (vc->uses)
			err |= mbuf_printf(mb, " uses=%u", vc->uses);
		if (vc->hours[0])
			err |= mbuf_printf(mb, " hours=%s", vc->hours);
		if (vc->name[0])
			err |= mbuf_printf(mb, " name=%s", vc->name);
		err |= mbuf_printf(mb, "\n");
	}

	err |= mbuf_printf(mb, "end\n");
	return err;
}


static bool u64_parse(const struct pl *pl, uint64_t max, uint64_t *v)
{
	uint64_t n = 0;
	size_t i;

	if (!pl->l || pl->l > 19 || (pl->p[0] == '0' && pl->l > 1))
		return false;

	for (i = 0; i < pl->l; i++) {
		if (pl->p[i] < '0' || pl->p[i] > '9')
			return false;
		n = n * 10 + (uint64_t)(pl->p[i] - '0');
	}

	if (n > max)
		return false;

	*v = n;
	return true;
}


/* "key=value" into buf, which must take it whole */
static bool value_copy(const struct pl *val, char *buf, size_t sz)
{
	if (!val->l || val->l >= sz)
		return false;

	return !pl_strcpy(val, buf, sz);
}


/* the next word of rest, up to a space; false at the end */
static bool word_next(struct pl *rest, struct pl *w)
{
	const char *sp;

	while (rest->l && rest->p[0] == ' ')
		pl_advance(rest, 1);
	if (!rest->l)
		return false;

	sp = pl_strchr(rest, ' ');
	w->p = rest->p;
	w->l = sp ? (size_t)(sp - rest->p) : rest->l;
	pl_advance(rest, w->l);
	return true;
}


/* one "code" line's fields after the id */
static int code_parse(struct vcode *vc, struct pl rest)
{
	struct pl tok, key, val;
	uint64_t v;
	bool relays = false;

	while (word_next(&rest, &tok)) {
		const char *eq = pl_strchr(&tok, '=');

		if (!eq)
			return EBADMSG;
		key.p = tok.p;
		key.l = (size_t)(eq - tok.p);
		val.p = eq + 1;
		val.l = tok.l - key.l - 1;

		if (!pl_strcmp(&key, "relays")) {
			if (relays || vcode_relays_parse(&val, &vc->relays))
				return EBADMSG;
			relays = true;
		}
		else if (!pl_strcmp(&key, "code")) {
			if (vc->code[0] ||
			    !value_copy(&val, vc->code, sizeof(vc->code)) ||
			    !vcode_digits_valid(vc->code))
				return EBADMSG;
		}
		else if (!pl_strcmp(&key, "until")) {
			if (vc->until || !u64_parse(&val, 1ULL << 40, &v) ||
			    !v)
				return EBADMSG;
			vc->until = (time_t)v;
		}
		else if (!pl_strcmp(&key, "uses")) {
			if (vc->uses || !u64_parse(&val, UINT32_MAX, &v) ||
			    !v)
				return EBADMSG;
			vc->uses = (uint32_t)v;
		}
		else if (!pl_strcmp(&key, "hours")) {
			if (vc->hours[0] ||
			    !value_copy(&val, vc->hours, sizeof(vc->hours)))
				return EBADMSG;
		}
		else if (!pl_strcmp(&key, "name")) {
			if (vc->name[0] ||
			    !value_copy(&val, vc->name, sizeof(vc->name)) ||
			    !vcode_name_valid(vc->name))
				return EBADMSG;
		}
		else {
			return EBADMSG;
		}
	}

	return relays && vc->code[0] ? 0 : EBADMSG;
}


static int line_parse(struct vstore *vs, const struct pl *line,
		      bool *version, bool *end)
{
	struct pl rest = *line, word, arg, extra;
	uint64_t v, n;
	struct vcode *vc;
	int err;

	if (*end)
		return EBADMSG;          /* nothing after "end" */
	if (!line->l || line->p[0] == '#')
		return 0;

	if (!word_next(&rest, &word) || word.p != line->p)
		return EBADMSG;
	if (!word_next(&rest, &arg))
		arg.l = 0;

	if (!*version) {
		if (pl_strcmp(&word, "version") || pl_strcmp(&arg, "1") ||
		    word_next(&rest, &extra))
			return EBADMSG;
		*version = true;
		return 0;
	}

	if (!pl_strcmp(&word, "end") && !arg.l) {
		*end = true;
		return 0;
	}

	if (!pl_strcmp(&word, "next")) {
		if (!u64_parse(&arg, UINT32_MAX, &v) || !v ||
		    word_next(&rest, &extra))
			return EBADMSG;
		if (v > vs->next_id)
			vs->next_id = (uint32_t)v;
		return 0;
	}

	if (!pl_strcmp(&word, "totp")) {
		struct pl step;

		if (!u64_parse(&arg, DOOR_MAX_INDEX, &n) || !n ||
		    !word_next(&rest, &step) ||
		    !u64_parse(&step, UINT64_MAX / 2, &v) || !v ||
		    word_next(&rest, &extra) || vs->totp[n])
			return EBADMSG;
		vs->totp[n] = v;
		return 0;
	}

	if (pl_strcmp(&word, "code") || !u64_parse(&arg, UINT32_MAX, &v) ||
	    !v || vstore_find(vs, (uint32_t)v, NULL))
		return EBADMSG;

	err = vcode_alloc(&vc);
	if (err)
		return err;

	err = code_parse(vc, rest);
	if (!err && vc->name[0] && vstore_find(vs, 0, vc->name))
		err = EBADMSG;
	if (err) {
		mem_deref(vc);
		return err;
	}

	vc->id = (uint32_t)v;
	list_append(&vs->codes, &vc->le, vc);
	if (vc->id >= vs->next_id)
		vs->next_id = vc->id + 1;

	return 0;
}


/**
 * Read a store from its text into an empty vs. EBADMSG for a malformed or
 * cut one; then vs is left empty.
 */
int vstore_decode(struct vstore *vs, const char *buf, size_t len)
{
	bool version = false, end = false;
	const char *p = buf;
	int err = 0;

	if (!vs || (!buf && len))
		return EINVAL;

	if (len && buf[len - 1] != '\n')
		err = EBADMSG;

	while (!err && p < buf + len) {
		const char *eol = memchr(p, '\n', (size_t)(buf + len - p));
		struct pl line = {p, (size_t)(eol - p)};

		if (memchr(p, '\0', line.l))
			err = EBADMSG;
		else
			err = line_parse(vs, &line, &version, &end);
		p = eol + 1;
	}

	if (!err && !end)
		err = EBADMSG;

	if (err) {
		list_flush(&vs->codes);
		memset(vs->totp, 0, sizeof(vs->totp));
		vs->next_id = 1;
	}

	return err;
}
