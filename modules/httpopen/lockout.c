/**
 * @file lockout.c  Lock out addresses that keep failing to authenticate
 *
 * max_fail failures within one period lock the address for one period.
 * IPv6 clients are counted per /64, since one host usually owns a whole
 * /64 and could otherwise rotate addresses. The table is bounded: when it
 * is full the entry touched longest ago makes room.
 */
#include <string.h>
#include "httpopen.h"

struct entry {
	struct le le;
	uint8_t key[16];
	int af;
	uint32_t fails;
	uint64_t first;          /* first failure of this period */
	uint64_t until;          /* locked until; 0 when not locked */
	uint64_t touched;
};

struct lockout {
	struct list entries;
	uint32_t max_fail;
	uint32_t period;
	size_t max_entries;
};


static void lockout_destructor(void *data)
{
	struct lockout *lo = data;

	list_flush(&lo->entries);
}


static int addr_key(const struct sa *sa, uint8_t *key)
{
	static const uint8_t mapped[12] = {0,0,0,0,0,0,0,0,0,0,0xff,0xff};

	memset(key, 0, 16);

	switch (sa_af(sa)) {

	case AF_INET: {
		uint32_t a = sa_in(sa);

		key[0] = (uint8_t)(a >> 24);
		key[1] = (uint8_t)(a >> 16);
		key[2] = (uint8_t)(a >> 8);
		key[3] = (uint8_t)a;
		return AF_INET;
	}

	case AF_INET6:
		sa_in6(sa, key);
		if (!memcmp(key, mapped, sizeof(mapped))) {
			memmove(key, key + 12, 4);
			memset(key + 4, 0, 12);
			return AF_INET;
		}
		memset(key + 8, 0, 8);
		return AF_INET6;

	default:
		return 0;
	}
}


static struct entry *entry_find(const struct lockout *lo,
				const struct sa *addr)
{
	uint8_t key[16];
	struct le *le;
	int af = addr_key(addr, key);

	LIST_FOREACH(&lo->entries, le) {
		struct entry *e = le->data;

		if (e->af == af && !memcmp(e->key, key, sizeof(key)))
			return e;
	}

	return NULL;
}


int lockout_alloc(struct lockout **lop, uint32_t max_fail,
		  uint32_t period_ms, size_t max_entries)
{
	struct lockout *lo;

	if (!lop || !max_fail || !max_entries)
		return EINVAL;

	lo = mem_zalloc(sizeof(*lo), lockout_destructor);
	if (!lo)
		return ENOMEM;

	lo->max_fail = max_fail;
	lo->period = period_ms;
	lo->max_entries = max_entries;

	*lop = lo;
	return 0;
}


/* Forget entries whose lock and failure period have both passed */
static void expire(struct lockout *lo, uint64_t now)
{
	struct le *le = lo->entries.head;

	while (le) {
		struct entry *e = le->data;

		le = le->next;

		if (e->until ? now >= e->until : now - e->first >= lo->period)
			mem_deref(e);
	}
}


/** True while addr is locked out; remain_ms is the time left */
bool lockout_locked(struct lockout *lo, const struct sa *addr, uint64_t now,
		    uint32_t *remain_ms)
{
	struct entry *e;

	if (!lo || !addr)
		return false;

	e = entry_find(lo, addr);
	if (!e || !e->until)
		return false;

	if (now >= e->until) {
		mem_deref(e);
		return false;
	}

	if (remain_ms)
		*remain_ms = (uint32_t)(e->until - now);

	return true;
}


static void entry_destructor(void *data)
{
	struct entry *e = data;

	list_unlink(&e->le);
}


/** Count a failure; true when it locks the address */
bool lockout_fail(struct lockout *lo, const struct sa *addr, uint64_t now)
{
	struct entry *e;

	if (!lo || !addr)
		return false;

	expire(lo, now);

	e = entry_find(lo, addr);
	if (!e) {
		if (list_count(&lo->entries) >= lo->max_entries) {
			struct le *le, *oldest = NULL;

			LIST_FOREACH(&lo->entries, le) {
				const struct entry *c = le->data;

				if (!oldest || c->touched <
				    ((struct entry *)oldest->data)->touched)
					oldest = le;
			}
			mem_deref(oldest->data);
		}

		e = mem_zalloc(sizeof(*e), entry_destructor);
		if (!e)
			return false;

		e->af = addr_key(addr, e->key);
		e->first = now;
		list_append(&lo->entries, &e->le, e);
	}

	e->touched = now;

	if (e->until)
		return false;   /* already locked */

	if (now - e->first >= lo->period) {
		e->first = now;
		e->fails = 0;
	}

	if (++e->fails < lo->max_fail)
		return false;

	e->until = now + lo->period;
	return true;
}


/** A good login clears the address's failures */
void lockout_success(struct lockout *lo, const struct sa *addr)
{
	struct entry *e;

	if (!lo || !addr)
		return;

	e = entry_find(lo, addr);
	if (e && !e->until)
		mem_deref(e);
}


size_t lockout_count(const struct lockout *lo)
{
	return lo ? list_count(&lo->entries) : 0;
}
