/**
 * @file netlist.c  Client address allowlist: IPv4/IPv6 addresses, CIDR
 *
 * An IPv4 client reaching an IPv6 socket shows up as ::ffff:a.b.c.d; it
 * is matched as the IPv4 address it is, so "192.168.1.0/24" keeps working
 * whichever way the server listens.
 */
#include <string.h>
#include "httpopen.h"

struct netlist {
	struct list nets;
};

struct net {
	struct le le;
	int af;
	uint8_t addr[16];
	unsigned prefix;       /* bits that must match */
};


static void netlist_destructor(void *data)
{
	struct netlist *nl = data;

	list_flush(&nl->nets);
}


/* The address bytes, with v4-mapped IPv6 turned back into IPv4 */
static int addr_bytes(const struct sa *sa, uint8_t *b)
{
	static const uint8_t mapped[12] = {0,0,0,0,0,0,0,0,0,0,0xff,0xff};

	switch (sa_af(sa)) {

	case AF_INET: {
		uint32_t a = sa_in(sa);   /* host byte order */

		b[0] = (uint8_t)(a >> 24);
		b[1] = (uint8_t)(a >> 16);
		b[2] = (uint8_t)(a >> 8);
		b[3] = (uint8_t)a;
		return AF_INET;
	}

	case AF_INET6:
		sa_in6(sa, b);
		if (!memcmp(b, mapped, sizeof(mapped))) {
			memmove(b, b + 12, 4);
			return AF_INET;
		}
		return AF_INET6;

	default:
		return 0;
	}
}


/**
 * What counts as one client for lock-outs and connection caps: an IPv4
 * address, or an IPv6 /64 (one host usually owns a whole /64 and could
 * otherwise rotate addresses). Returns the family, 0 if none.
 */
int netlist_client_key(const struct sa *addr, uint8_t key[16])
{
	int af;

	memset(key, 0, 16);
	af = addr_bytes(addr, key);
	if (af == AF_INET)
		memset(key + 4, 0, 12);
	else if (af == AF_INET6)
		memset(key + 8, 0, 8);

	return af;
}


static bool prefix_match(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, whole))
		return false;

	if (rest) {
		uint8_t mask = (uint8_t)(0xff << (8 - rest));

		if ((a[whole] & mask) != (b[whole] & mask))
			return false;
	}

	return true;
}


static int net_parse(struct net *n, const struct pl *tok)
{
	char buf[64];
	struct pl addr = *tok, bits = PL_INIT;
	const char *slash;
	uint32_t prefix;
	struct sa sa;
	unsigned maxbits;
	bool written_v6;

	slash = pl_strchr(tok, '/');
	if (slash) {
		addr.l = (size_t)(slash - tok->p);
		bits.p = slash + 1;
		bits.l = tok->l - addr.l - 1;
	}

	if (addr.l >= 2 && addr.p[0] == '[' && addr.p[addr.l - 1] == ']') {
		++addr.p;
		addr.l -= 2;
	}

	if (!addr.l || addr.l >= sizeof(buf))
		return EINVAL;
	(void)pl_strcpy(&addr, buf, sizeof(buf));

	if (sa_set_str(&sa, buf, 0))
		return EINVAL;

	/* libre turns ::ffff:a.b.c.d into IPv4: the text tells how the
	 * prefix length counts */
	written_v6 = strchr(buf, ':') != NULL;
	n->af = addr_bytes(&sa, n->addr);
	maxbits = written_v6 ? 128 : 32;

	if (!slash) {
		n->prefix = n->af == AF_INET ? 32 : 128;
		return 0;
	}

	if (door_parse_u32(&bits, 0, maxbits, &prefix))
		return EINVAL;

	/* a v4-mapped network written in IPv6 counts its bits from ::ffff */
	if (n->af == AF_INET && written_v6) {
		if (prefix < 96)
			return EINVAL;
		prefix -= 96;
	}

	n->prefix = prefix;
	return 0;
}


/**
 * Parse the allowlist; a token that is not an address or prefix fails the
 * whole list (logged, naming the token), since a half-read allowlist
 * would let through clients the operator meant to keep out.
 */
int netlist_alloc(struct netlist **nlp, const char *spec)
{
	struct netlist *nl;
	struct pl rest, tok;
	int err = 0;

	if (!nlp)
		return EINVAL;

	nl = mem_zalloc(sizeof(*nl), netlist_destructor);
	if (!nl)
		return ENOMEM;

	pl_set_str(&rest, spec ? spec : "");

	while (!re_regex(rest.p, rest.l, "[^ \t,;]+", &tok)) {
		struct net *n;

		pl_advance(&rest, (size_t)(tok.p + tok.l - rest.p));

		n = mem_zalloc(sizeof(*n), NULL);
		if (!n) {
			err = ENOMEM;
			break;
		}

		err = net_parse(n, &tok);
		if (err) {
			warning("httpopen: config httpopen_allow: '%r' is not an"
				" IPv4/IPv6 address or CIDR prefix\n", &tok);
			mem_deref(n);
			break;
		}

		list_append(&nl->nets, &n->le, n);
	}

	if (err)
		mem_deref(nl);
	else
		*nlp = nl;

	return err;
}


bool netlist_isempty(const struct netlist *nl)
{
	return !nl || list_isempty(&nl->nets);
}


bool netlist_match(const struct netlist *nl, const struct sa *addr)
{
	uint8_t b[16];
	struct le *le;
	int af;

	if (!nl || !addr)
		return false;

	af = addr_bytes(addr, b);
	if (!af)
		return false;

	LIST_FOREACH(&nl->nets, le) {
		const struct net *n = le->data;

		if (n->af == af && prefix_match(n->addr, b, n->prefix))
			return true;
	}

	return false;
}
