/**
 * @file query.c  Strict parsing of request query strings
 *
 * A door opener has no reason to be forgiving: every ambiguity an
 * attacker could play with (two DoorNum values, %00, half escapes) is a
 * 400 instead of a guess.
 */
#include <string.h>
#include <strings.h>
#include "httpopen.h"

#define STR(x) #x
#define XSTR(x) STR(x)


/* Percent-decode src into dst (NUL-terminated); '+' is a space */
static int decode(char *dst, size_t sz, const char *src, size_t len,
		  const char **why)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		int c = (unsigned char)src[i];

		if (c == '%') {
			int hi, lo;

			if (i + 2 >= len) {
				*why = "bad percent-encoding";
				return EINVAL;
			}
			hi = door_hex_digit(src[i + 1]);
			lo = door_hex_digit(src[i + 2]);
			if (hi < 0 || lo < 0) {
				*why = "bad percent-encoding";
				return EINVAL;
			}
			c = hi << 4 | lo;
			i += 2;
		}
		else if (c == '+') {
			c = ' ';
		}

		if (c < 0x20 || c == 0x7f) {
			*why = "NUL or control character in query";
			return EINVAL;
		}

		if (o + 1 >= sz) {
			*why = "query parameter too long";
			return EOVERFLOW;
		}
		dst[o++] = (char)c;
	}

	dst[o] = '\0';
	return 0;
}


/**
 * Parse "?a=1&b=2" (the leading '?' is optional). On error *why says
 * what was wrong, in words fit for a 400 answer; the query is left empty.
 */
int query_parse(struct query *q, const struct pl *prm, const char **why)
{
	const char *p, *end, *dummy;
	int err = 0;

	if (!why)
		why = &dummy;
	*why = NULL;

	if (!q)
		return EINVAL;

	memset(q, 0, sizeof(*q));

	if (!prm || !prm->p || !prm->l)
		return 0;

	p = prm->p;
	end = prm->p + prm->l;
	if (*p == '?')
		++p;

	while (p < end) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *seg_end = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(seg_end - p));
		struct query_param *qp;
		size_t i;

		if (seg_end == p) {            /* "&&": nothing to read */
			p = seg_end + 1;
			continue;
		}

		if (q->n >= QUERY_MAX_PARAMS) {
			*why = "too many query parameters";
			err = E2BIG;
			goto out;
		}

		if (!eq || eq == p || eq + 1 == seg_end) {
			*why = eq == p ? "query parameter without a name" :
				"empty query parameter";
			err = EINVAL;
			goto out;
		}

		qp = &q->v[q->n];
		err = decode(qp->name, sizeof(qp->name), p,
			     (size_t)(eq - p), why);
		if (!err)
			err = decode(qp->value, sizeof(qp->value), eq + 1,
				     (size_t)(seg_end - eq - 1), why);
		if (err)
			goto out;

		if (!qp->name[0] || !qp->value[0]) {
			*why = "empty query parameter";
			err = EINVAL;
			goto out;
		}

		for (i = 0; i < q->n; i++) {
			if (!strcasecmp(q->v[i].name, qp->name)) {
				*why = "repeated query parameter";
				err = EEXIST;
				goto out;
			}
		}

		++q->n;
		p = seg_end + 1;
	}

 out:
	if (err) {
		memset(q, 0, sizeof(*q));
		if (!*why)
			*why = "malformed query";
	}

	return err;
}


/** The value of parameter name (case-insensitive), or NULL */
const char *query_get(const struct query *q, const char *name)
{
	size_t i;

	if (!q || !name)
		return NULL;

	for (i = 0; i < q->n; i++) {
		if (!strcasecmp(q->v[i].name, name))
			return q->v[i].value;
	}

	return NULL;
}


/**
 * A door or relay number, 1 to DOOR_MAX_INDEX, digits only. ENOENT when
 * absent; EINVAL with *why otherwise.
 */
int query_index(const struct query *q, const char *name, uint32_t *val,
		const char **why)
{
	const char *s = query_get(q, name);
	struct pl pl;

	if (!s)
		return ENOENT;

	pl_set_str(&pl, s);
	if (door_parse_u32(&pl, 1, DOOR_MAX_INDEX, val)) {
		if (why)
			*why = "door number must be a whole number from 1 to "
				XSTR(DOOR_MAX_INDEX);
		return EINVAL;
	}

	return 0;
}
