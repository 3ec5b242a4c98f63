/**
 * @file guard.c  Wrong-code budget across calls: suspends DTMF unlocking
 *
 * Pure logic with an injected clock (milliseconds), free of baresip calls.
 * Wrong codes count per peer network address and in total, whatever call
 * they came in. Past a budget the peer (or, past the total budget, every
 * caller) is suspended; each further wrong code after a suspension
 * suspends again for twice as long, up to a cap. While suspended even the
 * right code is refused, so guesses cannot be tested. A peer or the total
 * is forgotten after forget_ms without a wrong code.
 */
#include <string.h>
#include "door.h"

#define GUARD_MAX_PEERS  256    /* least recently failed ones go first */
#define GUARD_MAX_CALLS  64     /* per-call counts kept to merge reports */

struct bucket {
	struct le le;
	char peer[64];
	uint32_t fails;
	uint32_t level;          /* suspensions so far: the back-off step */
	uint64_t last;           /* last wrong code */
	uint64_t until;
	bool suspended;
};

struct callrec {
	struct le le;
	char id[128];
	uint32_t counted;
};

struct guard {
	struct guard_cfg cfg;
	struct bucket total;
	struct list peers;       /* least recently failed first */
	struct list calls;       /* oldest first */
	guard_h *h;
	void *arg;
};


static void destructor(void *data)
{
	struct guard *g = data;

	list_flush(&g->peers);
	list_flush(&g->calls);
}


int guard_alloc(struct guard **gp, const struct guard_cfg *cfg,
		guard_h *h, void *arg)
{
	struct guard *g;

	if (!gp || !cfg || !cfg->peer_budget || !cfg->total_budget ||
	    !cfg->base_ms || cfg->cap_ms < cfg->base_ms)
		return EINVAL;

	g = mem_zalloc(sizeof(*g), destructor);
	if (!g)
		return ENOMEM;

	g->cfg = *cfg;
	g->h = h;
	g->arg = arg;

	*gp = g;
	return 0;
}


static struct bucket *peer_find(const struct guard *g, const char *peer)
{
	struct le *le;

	LIST_FOREACH(&g->peers, le) {
		struct bucket *b = le->data;

		if (!strcmp(b->peer, peer))
			return b;
	}

	return NULL;
}


/* Room for one more: drop the least recently failed peer that is not
 * suspended, or the least recent one if all are (the total still holds) */
static void peer_evict(struct guard *g)
{
	struct le *le;

	if (list_count(&g->peers) < GUARD_MAX_PEERS)
		return;

	LIST_FOREACH(&g->peers, le) {
		struct bucket *b = le->data;

		if (!b->suspended) {
			mem_deref(b);
			return;
		}
	}

	mem_deref(list_ledata(list_head(&g->peers)));
}


static void bucket_destructor(void *data)
{
	struct bucket *b = data;

	list_unlink(&b->le);
}


static uint64_t bucket_left(const struct bucket *b, uint64_t now)
{
	return b && b->suspended && b->until > now ? b->until - now : 0;
}


/** The back-off of the n-th suspension (n from 1): base doubled, capped */
uint64_t guard_backoff(const struct guard_cfg *cfg, uint32_t n)
{
	uint64_t ms = cfg->base_ms;

	while (n-- > 1 && ms < cfg->cap_ms)
		ms *= 2;

	return ms < cfg->cap_ms ? ms : cfg->cap_ms;
}


/* One wrong code; true when it starts a suspension */
static bool bucket_fail(const struct guard *g, struct bucket *b,
			uint32_t budget, uint64_t now)
{
	if (b->last && now - b->last >= g->cfg.forget_ms) {
		b->fails = 0;
		b->level = 0;
	}

	b->last = now;
	if (b->fails < UINT32_MAX)
		++b->fails;

	if (b->fails < budget)
		return false;

	if (b->level < UINT32_MAX)
		++b->level;
	b->until = now + guard_backoff(&g->cfg, b->level);
	b->suspended = true;

	return true;
}


/**
 * How long DTMF unlocking stays suspended for a caller at peer (its
 * network address; "" when unknown), in ms: the longer of the peer's and
 * the total suspension; 0 when codes are judged.
 */
uint64_t guard_wait(const struct guard *g, const char *peer, uint64_t now)
{
	uint64_t a, b;

	if (!g)
		return 0;

	a = bucket_left(&g->total, now);
	b = bucket_left(peer_find(g, peer ? peer : ""), now);

	return a > b ? a : b;
}


/* How many of a call's failures are new: the modules judging the same
 * digits each report their count for the call, a failure counts once */
static uint32_t call_new_failures(struct guard *g, const char *callid,
				  uint32_t nth)
{
	struct callrec *c = NULL;
	struct le *le;
	uint32_t n;

	if (!callid || !callid[0] || !nth)
		return 1;

	LIST_FOREACH(&g->calls, le) {
		struct callrec *cr = le->data;

		if (!strcmp(cr->id, callid)) {
			c = cr;
			break;
		}
	}

	if (!c) {
		if (list_count(&g->calls) >= GUARD_MAX_CALLS) {
			struct callrec *old = list_ledata(list_head(&g->calls));

			list_unlink(&old->le);
			mem_deref(old);
		}

		c = mem_zalloc(sizeof(*c), NULL);
		if (!c)
			return 1;
		str_ncpy(c->id, callid, sizeof(c->id));
		list_append(&g->calls, &c->le, c);
	}

	if (nth <= c->counted)
		return 0;

	n = nth - c->counted;
	c->counted = nth;

	return n;
}


/**
 * A new call with this id began (its INVITE was seen): a call that reuses
 * the id of an earlier one starts its count from nothing, not from the
 * earlier call's.
 */
void guard_call_start(struct guard *g, const char *callid)
{
	struct le *le;

	if (!g || !callid)
		return;

	LIST_FOREACH(&g->calls, le) {
		struct callrec *cr = le->data;

		if (!strcmp(cr->id, callid)) {
			list_unlink(&cr->le);
			mem_deref(cr);
			return;
		}
	}
}


/**
 * A wrong code: the nth of the call callid (reports from several modules
 * for one call count once; callid NULL or nth 0: no merging, the report
 * counts). Not counted while the caller is suspended:
 * those codes were refused unjudged.
 */
void guard_fail(struct guard *g, const char *callid, uint32_t nth,
		const char *peer, uint64_t now)
{
	struct bucket *b;
	uint32_t n;

	if (!g)
		return;

	peer = peer ? peer : "";
	if (guard_wait(g, peer, now))
		return;

	n = call_new_failures(g, callid, nth);
	if (!n)
		return;

	b = peer_find(g, peer);
	if (b) {
		list_unlink(&b->le);
	}
	else {
		peer_evict(g);
		b = mem_zalloc(sizeof(*b), bucket_destructor);
		if (!b)
			return;
		str_ncpy(b->peer, peer, sizeof(b->peer));
	}
	list_append(&g->peers, &b->le, b);

	while (n--) {
		if (bucket_fail(g, b, g->cfg.peer_budget, now) && g->h)
			g->h(GUARD_SUSPEND, b->peer, b->until - now, g->arg);
		if (bucket_fail(g, &g->total, g->cfg.total_budget, now) &&
		    g->h)
			g->h(GUARD_SUSPEND, NULL, g->total.until - now,
			     g->arg);
		if (guard_wait(g, peer, now))
			break;
	}
}


/**
 * A right code from peer: its own count of wrong codes starts again (a
 * mistyped code is forgiven), but not its back-off step, and never the
 * total: another caller's success opens nothing to a guesser.
 */
void guard_success(struct guard *g, const char *peer)
{
	struct bucket *b;

	if (!g)
		return;

	b = peer_find(g, peer ? peer : "");
	if (b)
		b->fails = 0;
}


static void tick(struct guard *g, struct bucket *b, const char *peer,
		 uint64_t now)
{
	if (!b->suspended || b->until > now)
		return;

	b->suspended = false;
	if (g->h)
		g->h(GUARD_RESUME, peer, 0, g->arg);
}


/** Report the suspensions that have ended by now */
void guard_tick(struct guard *g, uint64_t now)
{
	struct le *le;

	if (!g)
		return;

	LIST_FOREACH(&g->peers, le) {
		struct bucket *b = le->data;

		tick(g, b, b->peer, now);
	}

	tick(g, &g->total, NULL, now);
}


/** When the next suspension ends; false when none is running */
bool guard_next(const struct guard *g, uint64_t *at)
{
	uint64_t next = UINT64_MAX;
	struct le *le;

	if (!g || !at)
		return false;

	if (g->total.suspended)
		next = g->total.until;

	LIST_FOREACH(&g->peers, le) {
		const struct bucket *b = le->data;

		if (b->suspended && b->until < next)
			next = b->until;
	}

	if (next == UINT64_MAX)
		return false;

	*at = next;
	return true;
}
