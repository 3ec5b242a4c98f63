/**
 * @file resolve.c  The broker's address, found without blocking the loop
 *
 * Given a name, mosquitto_connect() would call getaddrinfo(), which waits
 * for the name servers inside baresip's loop. The name is looked up here
 * instead and the client connects to the address: a numeric address as it
 * is, a name of the hosts file (or localhost) from the file, any other
 * through baresip's own DNS client (the config's dns_server lines, or the
 * system's servers), A first, then AAAA.
 */
#include <string.h>
#include "door.h"
#include "doormqtt.h"

#define HOSTS_FILE "/etc/hosts"

enum { HOSTS_MAX = 65536 };

static struct {
	struct dns_query *q;
	dm_resolve_h *h;
	uint16_t type;
} rs;


/* a small local file: read at each attempt, so edits count */
static int hosts_lookup(const char *host, struct sa *sa)
{
	char *text;
	size_t n;
	FILE *f;
	int err;

	f = fopen(HOSTS_FILE, "r");
	if (!f)
		return dm_hosts_find("", host, sa);

	text = mem_zalloc(HOSTS_MAX + 1, NULL);
	if (!text) {
		fclose(f);
		return ENOMEM;
	}
	n = fread(text, 1, HOSTS_MAX, f);
	text[n] = '\0';
	fclose(f);

	err = dm_hosts_find(text, host, sa);
	mem_deref(text);
	return err;
}


static bool rr_addr(struct dnsrr *rr, void *arg)
{
	struct sa *sa = arg;

	if (rr->type == DNS_TYPE_A) {
		sa_set_in(sa, rr->rdata.a.addr, 0);
		return true;
	}
	if (rr->type == DNS_TYPE_AAAA) {
		sa_set_in6(sa, rr->rdata.aaaa.addr, 0);
		return true;
	}

	return false;
}


static int query(uint16_t type);


static void query_handler(int err, const struct dnshdr *hdr,
			  struct list *ansl, struct list *authl,
			  struct list *addl, void *arg)
{
	dm_resolve_h *h = rs.h;
	struct sa sa;
	(void)authl;
	(void)addl;
	(void)arg;

	sa_init(&sa, AF_UNSPEC);
	if (!err)
		(void)dns_rrlist_apply(ansl, NULL, rs.type, DNS_CLASS_IN,
				       true, rr_addr, &sa);

	if (sa_isset(&sa, SA_ADDR)) {
		rs.h = NULL;
		h(0, &sa);
		return;
	}

	/* no IPv4 address for a name that exists: ask for IPv6 */
	if (!err && rs.type == DNS_TYPE_A && hdr &&
	    hdr->rcode == DNS_RCODE_OK && !query(DNS_TYPE_AAAA))
		return;

	rs.h = NULL;
	h(err ? err : ENOENT, NULL);
}


static int query(uint16_t type)
{
	struct dnsc *dnsc = net_dnsc(baresip_network());

	if (!dnsc)
		return ENOTSUP;

	rs.type = type;
	return dnsc_query(&rs.q, dnsc, dm.cfg.host, type, DNS_CLASS_IN, true,
			  query_handler, NULL);
}


/**
 * The address of the configured broker host. 0 with *sa set when it is
 * known now (a numeric address, the hosts file), EINPROGRESS when a DNS
 * query is on its way (h is called from the loop later, once), or an
 * error. A pending query is dropped by the next call or dm_resolve_cancel.
 */
int dm_resolve(struct sa *sa, dm_resolve_h *h)
{
	int err;

	dm_resolve_cancel();

	if (!sa_set_str(sa, dm.cfg.host, 0))
		return 0;

	err = hosts_lookup(dm.cfg.host, sa);
	if (err != ENOENT)
		return err;

	rs.h = h;
	err = query(DNS_TYPE_A);
	if (err) {
		rs.h = NULL;
		return err;
	}

	debug("doormqtt: looking up %s\n", dm.cfg.host);
	return EINPROGRESS;
}


/** Forget a pending lookup: its handler is not called */
void dm_resolve_cancel(void)
{
	rs.q = mem_deref(rs.q);
	rs.h = NULL;
}
