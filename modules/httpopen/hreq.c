/**
 * @file hreq.c  One HTTP/1.x request head, read in place
 *
 * libre's http_msg_decode() finds the request line with two regular
 * expressions and allocates one object per header: on a kept connection
 * polled for the status that was the largest part of the time httpopen
 * spent per request. httpopen needs little of a request: the method, the
 * target, the version, the Authorization value, what Connection asks,
 * whether a body follows, and for the one body it takes (POST
 * /api/codes) its length, Content-Type and Expect: 100-continue. This reads just that, in one pass, and is
 * stricter than libre (RFC 9112): a request line is exactly
 * "METHOD SP target SP HTTP/d.d" (a method of letters); a header line is "name:value" with a
 * token for a name; folded lines and a bare CR are refused. NUL and
 * control bytes in the target and NULs in header values are left for
 * request.c to answer 400. Lines end in CRLF or LF. Nothing is copied:
 * the pl's point into buf.
 */
#include <string.h>
#include <strings.h>
#include "httpopen.h"


static bool is_tchar(char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return true;

	return c && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}


static bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}


/* The next line of [p, end) without its CRLF or LF; false when none is
 * complete. A CR anywhere but before the LF makes it bad; a NUL is
 * flagged for the caller. */
static bool line_next(const char **p, const char *end, struct pl *line,
		      bool *bad, bool *nul)
{
	const char *lf = memchr(*p, '\n', (size_t)(end - *p));
	size_t l;

	if (!lf)
		return false;

	l = (size_t)(lf - *p);
	if (l && (*p)[l - 1] == '\r')
		--l;

	line->p = *p;
	line->l = l;
	*p = lf + 1;

	*bad = memchr(line->p, '\r', l) != NULL;
	*nul = memchr(line->p, '\0', l) != NULL;

	return true;
}


/* METHOD SP origin-form SP HTTP/d.d; a method is letters only */
static int request_line(struct hreq *r, const struct pl *line)
{
	const char *p = line->p, *end = line->p + line->l, *q;

	for (q = p; q < end && ((*q >= 'A' && *q <= 'Z') ||
				(*q >= 'a' && *q <= 'z')); q++)
		;
	if (q == p || q == end || *q != ' ')
		return EBADMSG;
	r->met.p = p;
	r->met.l = (size_t)(q - p);

	p = q + 1;
	for (q = p; q < end && *q != ' ' && *q != '?'; q++)
		;
	if (q == p)
		return EBADMSG;
	r->path.p = p;
	r->path.l = (size_t)(q - p);

	for (p = q; q < end && *q != ' '; q++)
		;
	r->prm.p = p;
	r->prm.l = (size_t)(q - p);

	if (end - q != 9 || memcmp(q, " HTTP/", 6) ||
	    q[6] < '0' || q[6] > '9' || q[7] != '.' || q[8] < '0' || q[8] > '9')
		return EBADMSG;
	r->ver.p = q + 6;
	r->ver.l = 3;

	return 0;
}


/* A name or option is this one (s of len bytes, any case) */
static bool name_is(const struct pl *name, const char *s, size_t len)
{
	return name->l == len && !strncasecmp(name->p, s, len);
}

#define NAME_IS(name, s) name_is(name, s, sizeof(s) - 1)


/*
 * Whether a comma-separated field value (RFC 9110, 5.6.1) has the member
 * s, any case. Members are cut as libre cuts them, the parser this one
 * is checked against: at commas outside double quotes, white space
 * around each taken off, empty members allowed (", 100-continue").
 */
static bool list_has(const struct pl *val, const char *s, size_t len)
{
	const char *p = val->p, *end = val->p + val->l;

	for (;;) {
		struct pl member;
		bool quote = false;

		while (p < end && is_ws(*p))
			++p;
		member.p = p;
		while (p < end && (*p != ',' || quote)) {
			if (*p == '"')
				quote = !quote;
			++p;
		}
		member.l = (size_t)(p - member.p);
		while (member.l && is_ws(member.p[member.l - 1]))
			--member.l;

		if (name_is(&member, s, len))
			return true;
		if (p == end)
			return false;
		++p;                        /* the comma */
	}
}

#define LIST_HAS(val, s) list_has(val, s, sizeof(s) - 1)


static bool all_zero(const struct pl *val)
{
	size_t i;

	for (i = 0; i < val->l; i++) {
		if (val->p[i] != '0')
			return false;
	}

	return val->l > 0;
}


/* A Content-Length: decimal digits, at most 9 (libre reads it as a
 * uint32_t); anything else, or a second one, is HREQ_CLEN_BAD */
static void content_length(struct hreq *r, const struct pl *val, bool seen)
{
	size_t i, n = 0;

	if (seen || !val->l || val->l > 9) {
		r->clen = HREQ_CLEN_BAD;
		return;
	}

	for (i = 0; i < val->l; i++) {
		if (val->p[i] < '0' || val->p[i] > '9') {
			r->clen = HREQ_CLEN_BAD;
			return;
		}
		n = n * 10 + (size_t)(val->p[i] - '0');
	}

	r->clen = n;
}


static int header_line(struct hreq *r, const struct pl *line, bool *clen)
{
	const char *colon = pl_strchr(line, ':');
	struct pl name, val;
	size_t i;

	if (!colon || colon == line->p)
		return EBADMSG;

	name.p = line->p;
	name.l = (size_t)(colon - line->p);
	for (i = 0; i < name.l; i++) {
		if (!is_tchar(name.p[i]))
			return EBADMSG;
	}

	val.p = colon + 1;
	val.l = line->l - name.l - 1;
	while (val.l && is_ws(val.p[0]))
		pl_advance(&val, 1);
	while (val.l && is_ws(val.p[val.l - 1]))
		--val.l;

	++r->nhdr;
	r->hdr_bytes += name.l + val.l + 4;

	if (NAME_IS(&name, "Authorization")) {
		if (!r->auth.p)
			r->auth = val;
	}
	else if (NAME_IS(&name, "Connection")) {
		if (LIST_HAS(&val, "close"))
			r->conn_close = true;
		if (LIST_HAS(&val, "keep-alive"))
			r->conn_keep = true;
	}
	else if (NAME_IS(&name, "Content-Length")) {
		if (!all_zero(&val))
			r->body = true;
		content_length(r, &val, *clen);
		*clen = true;
	}
	else if (NAME_IS(&name, "Transfer-Encoding")) {
		r->body = true;
		r->chunked = true;
	}
	else if (NAME_IS(&name, "Content-Type")) {
		if (!r->ctype.p)
			r->ctype = val;
	}
	else if (NAME_IS(&name, "Expect")) {
		if (LIST_HAS(&val, "100-continue"))
			r->expect_continue = true;
	}

	return 0;
}


/**
 * Read the request head at the start of buf (len bytes). Blank lines
 * before the request line are skipped. Returns 0 and sets *used to the
 * bytes up to and including the blank line that ends the head; ENODATA
 * when that blank line has not arrived yet; EBADMSG for a malformed
 * head. A NUL byte in a header sets r->nul rather than failing, so the
 * request gets its own answer.
 */
int hreq_parse(struct hreq *r, const uint8_t *buf, size_t len, size_t *used)
{
	const char *p = (const char *)buf, *end = p + len;
	struct pl line;
	bool bad, nul, first = true, clen = false;
	int err;

	if (!r || !buf || !used)
		return EINVAL;

	memset(r, 0, sizeof(*r));

	while (p < end && (*p == '\r' || *p == '\n'))
		++p;

	for (;;) {
		if (!line_next(&p, end, &line, &bad, &nul))
			return ENODATA;

		/* a bare CR or a folded line is no HTTP; a NUL in the
		 * target or a header is answered 400 by request.c */
		if (bad)
			return EBADMSG;

		if (first) {
			err = request_line(r, &line);
			if (err)
				return err;
			first = false;
			continue;
		}

		if (!line.l)
			break;

		if (is_ws(line.p[0]))
			return EBADMSG;

		r->nul |= nul;
		err = header_line(r, &line, &clen);
		if (err)
			return err;
	}

	*used = (size_t)(p - (const char *)buf);
	return 0;
}


/** HTTP/1.1 keeps unless "Connection: close"; 1.0 only if it asks */
bool hreq_keep(const struct hreq *r)
{
	if (!r || r->conn_close)
		return false;

	if (!pl_strcmp(&r->ver, "1.1"))
		return true;

	return r->conn_keep;
}
