/**
 * @file peer.c  Which call peer a web relay is bound to
 *
 * webrelayN_peer is a comma-separated list; each item is
 *   an IP address ("192.168.1.20", "[fd00::20]", "192.168.1.20:5062"):
 *     the peer's host must be that address (and port, if one is given);
 *   a SIP URI ("sip:door@192.168.1.20", "door@*"): user, host and the
 *     port if one is given must match, '*' matching any run of characters;
 *   a SIP user ("door", "10*"): the peer's user part must match.
 * Comparisons are case-insensitive.
 */
#include <string.h>
#include <strings.h>
#include "webrelay.h"

enum { PART_MAX = 256 };

enum pattern_kind {
	PATTERN_IP = 0,
	PATTERN_URI,
	PATTERN_USER,
};

struct webpeer {
	struct list patterns;
};

struct pattern {
	struct le le;
	enum pattern_kind kind;
	struct sa addr;          /* PATTERN_IP */
	char *user;              /* NULL: any user */
	char *host;
	uint16_t port;           /* 0: any port */
};

/* user@host:port of a SIP URI, as slices of the original text */
struct uri_parts {
	struct pl user;          /* unset when the URI has no user */
	struct pl host;          /* without IPv6 brackets */
	struct pl port;
};


static void webpeer_destructor(void *data)
{
	struct webpeer *wp = data;

	list_flush(&wp->patterns);
}


static void pattern_destructor(void *data)
{
	struct pattern *p = data;

	mem_deref(p->user);
	mem_deref(p->host);
}


static bool pl_skip(struct pl *pl, const char *prefix)
{
	size_t n = strlen(prefix);

	if (pl->l < n || strncasecmp(pl->p, prefix, n))
		return false;

	pl_advance(pl, n);
	return true;
}


static void pl_cut(struct pl *pl, char c)
{
	const char *end = pl_strchr(pl, c);

	if (end)
		pl->l = (size_t)(end - pl->p);
}


/* "Name" <sip:user@host:port;params?headers> -> its parts */
static void uri_split(const char *uri, struct uri_parts *parts)
{
	struct pl pl, hp;
	const char *p;
	size_t i, ncolon = 0;

	memset(parts, 0, sizeof(*parts));
	pl_set_str(&pl, uri);

	p = pl_strchr(&pl, '<');
	if (p) {
		pl_advance(&pl, (size_t)(p - pl.p) + 1);
		pl_cut(&pl, '>');
	}

	while (pl.l && (*pl.p == ' ' || *pl.p == '\t'))
		pl_advance(&pl, 1);

	if (!pl_skip(&pl, "sips:"))
		(void)pl_skip(&pl, "sip:");

	pl_cut(&pl, ';');
	pl_cut(&pl, '?');

	hp = pl;
	for (i = pl.l; i > 0; i--) {
		if (pl.p[i - 1] == '@') {
			parts->user.p = pl.p;
			parts->user.l = i - 1;
			hp.p = pl.p + i;
			hp.l = pl.l - i;
			break;
		}
	}

	if (hp.l && hp.p[0] == '[') {
		p = pl_strchr(&hp, ']');
		parts->host.p = hp.p + 1;
		parts->host.l = p ? (size_t)(p - hp.p) - 1 : hp.l - 1;
		if (p && (size_t)(p - hp.p) + 1 < hp.l && p[1] == ':') {
			parts->port.p = p + 2;
			parts->port.l = hp.l - (size_t)(p - hp.p) - 2;
		}
		return;
	}

	for (i = 0; i < hp.l; i++)
		ncolon += hp.p[i] == ':';

	parts->host = hp;
	if (ncolon == 1) {
		p = pl_strchr(&hp, ':');
		parts->host.l = (size_t)(p - hp.p);
		parts->port.p = p + 1;
		parts->port.l = hp.l - parts->host.l - 1;
	}
}


static int port_parse(const struct pl *pl, uint16_t *port)
{
	uint32_t v;

	if (!pl_isset(pl)) {
		*port = 0;
		return 0;
	}

	if (door_parse_u32(pl, 1, 65535, &v))
		return EINVAL;

	*port = (uint16_t)v;
	return 0;
}


/* an IP address, bracketed or not, with an optional port */
static bool ip_parse(const struct pl *tok, struct sa *sa, uint16_t *port)
{
	struct uri_parts parts;
	char buf[64];

	if (tok->l >= sizeof(buf) || pl_strchr(tok, '@'))
		return false;

	(void)pl_strcpy(tok, buf, sizeof(buf));

	if (!strncasecmp(buf, "sip:", 4) || !strncasecmp(buf, "sips:", 5))
		return false;

	uri_split(buf, &parts);
	if (!pl_isset(&parts.host) || parts.host.l >= sizeof(buf))
		return false;

	if (sa_set(sa, &parts.host, 0))
		return false;

	return port_parse(&parts.port, port) == 0;
}


static int pattern_add(struct webpeer *wp, const struct pl *tok,
		       const char **why)
{
	struct uri_parts parts;
	struct pattern *p;
	char buf[PART_MAX];
	int err = 0;

	if (tok->l >= sizeof(buf)) {
		*why = "peer too long";
		return EINVAL;
	}

	p = mem_zalloc(sizeof(*p), pattern_destructor);
	if (!p)
		return ENOMEM;

	if (ip_parse(tok, &p->addr, &p->port)) {
		p->kind = PATTERN_IP;
		goto out;
	}

	(void)pl_strcpy(tok, buf, sizeof(buf));

	if (!pl_strchr(tok, '@') && strncasecmp(buf, "sip:", 4) &&
	    strncasecmp(buf, "sips:", 5)) {
		p->kind = PATTERN_USER;
		err = pl_strdup(&p->user, tok);
		goto out;
	}

	p->kind = PATTERN_URI;
	uri_split(buf, &parts);

	if (!pl_isset(&parts.host)) {
		*why = "SIP URI without a host";
		err = EINVAL;
		goto out;
	}
	if (port_parse(&parts.port, &p->port)) {
		*why = "bad port in the SIP URI";
		err = EINVAL;
		goto out;
	}

	err = pl_strdup(&p->host, &parts.host);
	if (!err && pl_isset(&parts.user))
		err = pl_strdup(&p->user, &parts.user);

 out:
	if (err)
		mem_deref(p);
	else
		list_append(&wp->patterns, &p->le, p);

	return err;
}


int webpeer_alloc(struct webpeer **wpp, const char *spec, const char **why)
{
	const char *reason = "bad peer";
	struct webpeer *wp;
	struct pl rest, tok;
	int err = 0;

	if (!wpp)
		return EINVAL;

	wp = mem_zalloc(sizeof(*wp), webpeer_destructor);
	if (!wp)
		return ENOMEM;

	pl_set_str(&rest, spec ? spec : "");

	while (!re_regex(rest.p, rest.l, "[^ \t,]+", &tok)) {
		pl_advance(&rest, (size_t)(tok.p + tok.l - rest.p));

		err = pattern_add(wp, &tok, &reason);
		if (err)
			break;
	}

	if (!err && list_isempty(&wp->patterns)) {
		reason = "no peer given";
		err = EINVAL;
	}

	if (err) {
		if (why)
			*why = reason;
		mem_deref(wp);
		return err;
	}

	*wpp = wp;
	return 0;
}


static bool glob_pl(const char *pattern, const struct pl *pl)
{
	char buf[PART_MAX];

	if (!pl_isset(pl) || pl->l >= sizeof(buf))
		return false;

	(void)pl_strcpy(pl, buf, sizeof(buf));

	return door_glob_match(pattern, buf);
}


static uint16_t uri_port(const struct uri_parts *parts)
{
	uint16_t port;

	if (!pl_isset(&parts->port))
		return 5060;   /* SIP's default, as a URI without a port means */

	return port_parse(&parts->port, &port) ? 0 : port;
}


static bool pattern_match(const struct pattern *p,
			  const struct uri_parts *parts)
{
	struct sa host;

	switch (p->kind) {

	case PATTERN_IP:
		if (!pl_isset(&parts->host) || sa_set(&host, &parts->host, 0))
			return false;
		if (!sa_cmp(&p->addr, &host, SA_ADDR))
			return false;
		return !p->port || p->port == uri_port(parts);

	case PATTERN_USER:
		return glob_pl(p->user, &parts->user);

	case PATTERN_URI:
		if (p->user && !glob_pl(p->user, &parts->user))
			return false;
		if (!glob_pl(p->host, &parts->host))
			return false;
		return !p->port || p->port == uri_port(parts);
	}

	return false;
}


bool webpeer_match(const struct webpeer *wp, const char *uri)
{
	struct uri_parts parts;
	struct le *le;

	if (!wp || !uri || !*uri)
		return false;

	uri_split(uri, &parts);

	LIST_FOREACH(&wp->patterns, le) {
		if (pattern_match(le->data, &parts))
			return true;
	}

	return false;
}
