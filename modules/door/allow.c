/**
 * @file allow.c  Caller allowlists: SIP URIs or user parts, '*' wildcards
 *
 * A pattern with an '@' is matched against the caller's address
 * (user@host[:port], without scheme and parameters); a pattern without one
 * against the user part only. Both sides compare case-insensitively.
 */
#include <string.h>
#include <strings.h>
#include <ctype.h>
#include "door.h"

struct allowlist {
	struct list patterns;
};

struct pattern {
	struct le le;
	char *text;
	bool full;       /* has '@': compare the whole address */
};


static void allowlist_destructor(void *data)
{
	struct allowlist *al = data;

	list_flush(&al->patterns);
}


static void pattern_destructor(void *data)
{
	struct pattern *p = data;

	mem_deref(p->text);
}


/** Iterative glob with '*' only; no recursion, linear backtracking */
bool door_glob_match(const char *pattern, const char *str)
{
	const char *star = NULL, *resume = NULL;

	if (!pattern || !str)
		return false;

	while (*str) {
		if (*pattern == '*') {
			star = pattern++;
			resume = str;
		}
		else if (tolower((unsigned char)*pattern) ==
			 tolower((unsigned char)*str)) {
			++pattern;
			++str;
		}
		else if (star) {
			pattern = star + 1;
			str = ++resume;
		}
		else {
			return false;
		}
	}

	while (*pattern == '*')
		++pattern;

	return *pattern == '\0';
}


static bool pl_skip_prefix(struct pl *pl, const char *prefix)
{
	size_t n = strlen(prefix);

	if (pl->l < n || strncasecmp(pl->p, prefix, n))
		return false;

	pl_advance(pl, n);
	return true;
}


/* "Name" <sip:user@host:port;params> -> user@host:port */
static void uri_address(const char *uri, struct pl *addr)
{
	struct pl pl;
	const char *p, *end;

	pl_set_str(&pl, uri);

	p = pl_strchr(&pl, '<');
	if (p) {
		pl_advance(&pl, p - pl.p + 1);
		end = pl_strchr(&pl, '>');
		if (end)
			pl.l = end - pl.p;
	}

	if (!pl_skip_prefix(&pl, "sips:") && !pl_skip_prefix(&pl, "sip:"))
		(void)pl_skip_prefix(&pl, "tel:");

	end = pl_strchr(&pl, ';');
	if (end)
		pl.l = end - pl.p;
	end = pl_strchr(&pl, '?');
	if (end)
		pl.l = end - pl.p;

	*addr = pl;
}


int allowlist_alloc(struct allowlist **alp, const char *spec)
{
	struct allowlist *al;
	struct pl rest, tok;
	int err = 0;

	if (!alp)
		return EINVAL;

	al = mem_zalloc(sizeof(*al), allowlist_destructor);
	if (!al)
		return ENOMEM;

	pl_set_str(&rest, spec ? spec : "");

	while (!re_regex(rest.p, rest.l, "[^ \t\r\n,;]+", &tok)) {
		struct pattern *p;
		struct pl addr;
		char *raw = NULL;

		pl_advance(&rest, tok.p + tok.l - rest.p);

		err = pl_strdup(&raw, &tok);
		if (err)
			break;

		p = mem_zalloc(sizeof(*p), pattern_destructor);
		if (!p) {
			mem_deref(raw);
			err = ENOMEM;
			break;
		}

		uri_address(raw, &addr);
		err = pl_strdup(&p->text, &addr);
		mem_deref(raw);
		if (err) {
			mem_deref(p);
			break;
		}
		p->full = strchr(p->text, '@') != NULL;
		list_append(&al->patterns, &p->le, p);
	}

	if (err)
		mem_deref(al);
	else
		*alp = al;

	return err;
}


bool allowlist_isempty(const struct allowlist *al)
{
	return !al || list_isempty(&al->patterns);
}


bool allowlist_match(const struct allowlist *al, const char *uri)
{
	char addr[256], user[256];
	struct pl pl;
	const char *at;
	struct le *le;

	if (!al || !uri)
		return false;

	uri_address(uri, &pl);
	if (pl.l >= sizeof(addr))
		return false;
	(void)pl_strcpy(&pl, addr, sizeof(addr));

	at = strchr(addr, '@');
	str_ncpy(user, addr, at ? (size_t)(at - addr) + 1 : sizeof(user));

	LIST_FOREACH(&al->patterns, le) {
		const struct pattern *p = le->data;

		if (door_glob_match(p->text, p->full ? addr : user))
			return true;
	}

	return false;
}
