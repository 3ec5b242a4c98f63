/**
 * @file replay.c  Which Digest nonces and nonce counts were used already
 *
 * Every nonce carries a serial number (a counter that never repeats) and
 * its issue time, both hidden from the client. A bit per serial records
 * that the nonce was used: bits live in blocks of BLOCK_BITS serials,
 * allocated when the first nonce of a block is used and freed once every
 * nonce used in the block has expired. Only logins that passed the
 * password check set bits, so a client without credentials cannot push
 * anything out; memory follows the nonces issued within one lifetime
 * (an eighth of a byte each), never a fixed table size.
 *
 * A nonce may be used again with a higher nonce count. The highest count
 * of recently used nonces is kept in a small direct-mapped cache; a used
 * nonce no longer in the cache is answered stale (take a new nonce), so a
 * replayed (nonce, nc) is never accepted.
 */
#include <string.h>
#include "httpopen.h"

enum {
	BLOCK_SHIFT = 16,
	BLOCK_BITS  = 1 << BLOCK_SHIFT,       /* 8 KiB of bits */
	BLOCKS_MAX  = 1024,                    /* 8 MiB: 67 M nonces */
	NC_CACHE    = 1024,
};

struct block {
	struct le le;
	uint64_t base;           /* serial >> BLOCK_SHIFT */
	uint64_t latest;         /* latest issue time used in it */
	uint8_t bits[BLOCK_BITS / 8];
};

struct nc_slot {
	uint64_t serial1;        /* serial + 1; 0: empty */
	uint32_t nc;
};

struct replay {
	struct list blocks;
	uint32_t ttl;
	struct nc_slot cache[NC_CACHE];
};


static void replay_destructor(void *data)
{
	struct replay *rp = data;

	list_flush(&rp->blocks);
}


static void block_destructor(void *data)
{
	struct block *b = data;

	list_unlink(&b->le);
}


int replay_alloc(struct replay **rpp, uint32_t ttl)
{
	struct replay *rp;

	if (!rpp)
		return EINVAL;

	rp = mem_zalloc(sizeof(*rp), replay_destructor);
	if (!rp)
		return ENOMEM;

	rp->ttl = ttl;
	*rpp = rp;

	return 0;
}


/* Blocks whose every used nonce has expired are of no further use */
static void expire(struct replay *rp, uint64_t now)
{
	struct le *le = rp->blocks.head;

	while (le) {
		struct block *b = le->data;

		le = le->next;
		if (now > b->latest + rp->ttl)
			mem_deref(b);
	}
}


static struct block *block_get(struct replay *rp, uint64_t base)
{
	struct block *b;
	struct le *le;

	LIST_FOREACH(&rp->blocks, le) {
		b = le->data;
		if (b->base == base)
			return b;
	}

	if (list_count(&rp->blocks) >= BLOCKS_MAX)
		return NULL;

	b = mem_zalloc(sizeof(*b), block_destructor);
	if (!b)
		return NULL;

	b->base = base;
	list_append(&rp->blocks, &b->le, b);

	return b;
}


/**
 * Accept a nonce count for a valid, unexpired nonce: HAUTH_OK the first
 * time a (nonce, nc) is seen with nc above every count used before,
 * HAUTH_FAIL for a replay, HAUTH_STALE when the nonce can no longer be
 * judged (take a new one).
 */
enum hauth_result replay_accept(struct replay *rp, uint64_t serial,
				uint64_t issued, uint32_t nc, uint64_t now)
{
	struct nc_slot *slot;
	struct block *b;
	uint64_t bit;

	if (!rp)
		return HAUTH_FAIL;

	expire(rp, now);

	b = block_get(rp, serial >> BLOCK_SHIFT);
	if (!b)
		return HAUTH_STALE;     /* refuse rather than forget */

	bit = serial & (BLOCK_BITS - 1);
	slot = &rp->cache[serial % NC_CACHE];

	if (!(b->bits[bit / 8] & (1u << (bit % 8)))) {
		b->bits[bit / 8] |= (uint8_t)(1u << (bit % 8));
		if (issued > b->latest)
			b->latest = issued;
		slot->serial1 = serial + 1;
		slot->nc = nc;
		return HAUTH_OK;
	}

	if (slot->serial1 != serial + 1)
		return HAUTH_STALE;

	if (nc <= slot->nc)
		return HAUTH_FAIL;

	slot->nc = nc;
	return HAUTH_OK;
}


/** Bytes held for used nonces, for tests and benchmarks */
size_t replay_bytes(const struct replay *rp)
{
	return rp ? sizeof(*rp) +
		list_count(&rp->blocks) * sizeof(struct block) : 0;
}
