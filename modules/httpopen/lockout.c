/**
 * @file lockout.c  Lock out addresses that keep failing to authenticate
 *
 * max_fail failures within one period lock the address for one period.
 * IPv6 clients are counted per /64, since one host usually owns a whole
 * /64 and could otherwise rotate addresses. The table is bounded: when it
 * is full the unlocked entry touched longest ago makes room. A locked
 * entry never does: were every entry locked, the failures of addresses
 * not in the table count together in one shared entry, which locks them
 * all, so many addresses buy an attacker no extra guesses.
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
	struct entry others;     /* not in the list; see above */
};


static void lockout_destructor(void *data)
{
	struct lockout *lo = data;

	list_flush(&lo->entries);
}


static struct entry *entry_find(const struct lockout *lo,
				const struct sa *addr)
{
	uint8_t key[16];
	struct le *le;
	int af = netlist_client_key(addr, key);

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
	struct entry *e;

	while (le) {
		e = le->data;
		le = le->next;

		if (e->until ? now >= e->until : now - e->first >= lo->period)
			mem_deref(e);
	}

	e = &lo->others;
	if (e->until ? now >= e->until : now - e->first >= lo->period)
		memset(e, 0, sizeof(*e));
}


static void entry_destructor(void *data)
{
	struct entry *e = data;

	list_unlink(&e->le);
}


/* The entry for addr; when there is none, the shared one while it holds
 * a lock (see above) */
static struct entry *entry_lookup(struct lockout *lo, const struct sa *addr,
				  uint64_t now)
{
	struct entry *e = entry_find(lo, addr);

	if (e)
		return e;

	if (lo->others.until && now >= lo->others.until)
		memset(&lo->others, 0, sizeof(lo->others));

	return lo->others.until ? &lo->others : NULL;
}


/** True while addr is locked out; remain_ms is the time left */
bool lockout_locked(struct lockout *lo, const struct sa *addr, uint64_t now,
		    uint32_t *remain_ms)
{
	struct entry *e;

	if (!lo || !addr)
		return false;

	e = entry_lookup(lo, addr, now);
	if (!e || !e->until)
		return false;

	if (now >= e->until) {
		if (e == &lo->others)
			memset(e, 0, sizeof(*e));
		else
			mem_deref(e);
		return false;
	}

	if (remain_ms)
		*remain_ms = (uint32_t)(e->until - now);

	return true;
}


/* A new entry for addr: the oldest unlocked entry makes room when the
 * table is full; NULL when every entry holds a lock */
static struct entry *entry_new(struct lockout *lo, const struct sa *addr,
			       uint64_t now)
{
	struct entry *e;

	if (list_count(&lo->entries) >= lo->max_entries) {
		struct entry *oldest = NULL;
		struct le *le;

		LIST_FOREACH(&lo->entries, le) {
			struct entry *c = le->data;

			if (!c->until && (!oldest || c->touched <
					  oldest->touched))
				oldest = c;
		}
		if (!oldest)
			return NULL;
		mem_deref(oldest);
	}

	e = mem_zalloc(sizeof(*e), entry_destructor);
	if (!e)
		return NULL;

	e->af = netlist_client_key(addr, e->key);
	e->first = now;
	list_append(&lo->entries, &e->le, e);

	return e;
}


/** Count a failure; true when it locks the address */
bool lockout_fail(struct lockout *lo, const struct sa *addr, uint64_t now)
{
	struct entry *e;

	if (!lo || !addr)
		return false;

	expire(lo, now);

	e = entry_find(lo, addr);
	if (!e)
		e = entry_new(lo, addr, now);
	if (!e) {
		e = &lo->others;
		if (!e->fails && !e->until)
			e->first = now;
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
