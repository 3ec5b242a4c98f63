/**
 * @file hosts.c  Names the machine answers itself: the hosts file, localhost
 *
 * libre's DNS client asks name servers only, and the system resolver
 * (getaddrinfo) would block the loop; a broker named in /etc/hosts, or
 * "localhost", is found here from the file's text. No baresip calls, so
 * the unit test checks the file's syntax.
 */
#include <string.h>
#include "door.h"
#include "doormqtt.h"


static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}


/** The first address in a hosts file's text that names host (an IPv4
 *  address before an IPv6 one, like the resolver with AF_INET first);
 *  ENOENT when none does */
int dm_hosts_find(const char *text, const char *host, struct sa *sa)
{
	const char *p = text, *eol, *w;
	struct sa v6;
	bool have_v6 = false;
	struct pl addr;

	if (!text || !host || !sa || !host[0])
		return EINVAL;

	for (; *p; p = *eol ? eol + 1 : eol) {
		const char *end;

		eol = strchr(p, '\n');
		if (!eol)
			eol = p + strlen(p);
		end = memchr(p, '#', (size_t)(eol - p));
		if (!end)
			end = eol;

		/* the address, then its names */
		while (p < end && is_space(*p))
			p++;
		for (w = p; p < end && !is_space(*p); p++)
			;
		if (w == p)
			continue;
		addr.p = w;
		addr.l = (size_t)(p - w);

		while (p < end) {
			struct sa a;

			while (p < end && is_space(*p))
				p++;
			for (w = p; p < end && !is_space(*p); p++)
				;
			if (w == p || (size_t)(p - w) != strlen(host) ||
			    strncasecmp(w, host, (size_t)(p - w)))
				continue;
			if (sa_set(&a, &addr, 0))
				break;            /* not an address: skip */
			if (sa_af(&a) == AF_INET) {
				*sa = a;
				return 0;
			}
			if (!have_v6) {
				v6 = a;
				have_v6 = true;
			}
			break;
		}
	}

	if (have_v6) {
		*sa = v6;
		return 0;
	}

	/* RFC 6761: localhost and its subdomains are the loopback */
	if (!strcasecmp(host, "localhost") ||
	    (strlen(host) > 10 &&
	     !strcasecmp(host + strlen(host) - 10, ".localhost")))
		return sa_set_str(sa, "127.0.0.1", 0);

	return ENOENT;
}
