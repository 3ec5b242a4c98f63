/**
 * @file alert.c  "ALERT=<text>" message bodies
 *
 * The body comes from anyone who can reach the SIP port, so it is checked
 * byte by byte before any part of it is logged or compared: a size limit,
 * no NUL or control characters inside the text, text/plain only.
 */
#include <string.h>
#include <strings.h>
#include "door.h"
#include "dryio.h"


static bool is_space(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}


static bool is_blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}


/* "text/plain", "TEXT/PLAIN ; charset=utf-8" */
static bool ctype_is_text_plain(const struct pl *ctype)
{
	struct pl pl = *ctype;
	static const char want[] = "text/plain";
	const size_t n = sizeof(want) - 1;

	while (pl.l && is_blank((uint8_t)pl.p[0]))
		pl_advance(&pl, 1);
	while (pl.l && is_blank((uint8_t)pl.p[pl.l - 1]))
		--pl.l;

	if (pl.l < n || strncasecmp(pl.p, want, n))
		return false;

	pl_advance(&pl, n);
	while (pl.l && is_blank((uint8_t)pl.p[0]))
		pl_advance(&pl, 1);

	return pl.l == 0 || pl.p[0] == ';';
}


static bool text_clean(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			return false;
	}

	return true;
}


/**
 * The text of an ALERT body. ctype may be NULL (taken as text/plain).
 * Errors: ENOTSUP content type, EBADMSG no "ALERT=", ENODATA empty text,
 * EMSGSIZE too long, EINVAL NUL or control characters in the text.
 */
int alert_parse(const struct pl *ctype, const uint8_t *body, size_t len,
		char *text, size_t sz)
{
	static const char kw[] = "ALERT";
	const size_t kwlen = sizeof(kw) - 1;
	size_t b = 0, e = len;

	if (!text || !sz || (!body && len))
		return EINVAL;

	text[0] = '\0';

	if (ctype && pl_isset(ctype) && !ctype_is_text_plain(ctype))
		return ENOTSUP;

	if (len > DRYIO_BODY_MAX)
		return EMSGSIZE;

	while (b < e && is_space(body[b]))
		++b;
	while (e > b && is_space(body[e - 1]))
		--e;

	if (e - b < kwlen || strncasecmp((const char *)body + b, kw, kwlen))
		return EBADMSG;
	b += kwlen;

	while (b < e && is_blank(body[b]))
		++b;
	if (b == e || body[b] != '=')
		return EBADMSG;
	++b;
	while (b < e && is_blank(body[b]))
		++b;

	if (b == e)
		return ENODATA;

	if (e - b > DRYIO_ALERT_MAX || e - b >= sz)
		return EMSGSIZE;

	if (!text_clean(body + b, e - b))
		return EINVAL;

	memcpy(text, body + b, e - b);
	text[e - b] = '\0';

	return 0;
}


/** Usable as an alert text in the config or a command */
bool alert_text_valid(const char *text)
{
	size_t n = str_len(text);

	if (!n || n > DRYIO_ALERT_MAX)
		return false;

	if (is_space((uint8_t)text[0]) || is_space((uint8_t)text[n - 1]))
		return false;

	return text_clean((const uint8_t *)text, n);
}


/** %H: percent-encoded query value, all but A-Z a-z 0-9 - . _ ~ */
int dryio_pct_encode(struct re_printf *pf, void *arg)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *str = arg;
	int err = 0;

	for (; str && *str && !err; str++) {
		unsigned char c = (unsigned char)*str;

		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~') {
			err = pf->vph((const char *)&c, 1, pf->arg);
		}
		else {
			char esc[3] = {'%', hex[c >> 4], hex[c & 0xf]};

			err = pf->vph(esc, sizeof(esc), pf->arg);
		}
	}

	return err;
}
