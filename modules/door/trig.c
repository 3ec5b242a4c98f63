/**
 * @file trig.c  When a dry-contact input counts as triggered
 *
 * No timers and no clock of its own: the caller passes the time with each
 * call and arms one timer for trig_deadline(). That keeps the decisions
 * testable with a fake clock and the module free of polling.
 *
 * The level read at start-up is taken as settled and does not fire: a
 * contact that is already closed when baresip (re)starts must not open a
 * door or raise an alarm again; it fires on its next change.
 *
 * A line that leaves its settled level is moving until it has rested at
 * one level for the debounce time: it settles there, or, back where it
 * was, it only bounced. Every level seen restarts that time, so a line
 * that keeps changing (a loose wire, a failing reed contact, a rattled
 * door) would never settle and never be reported. chatter_ms bounds it:
 * still changing that long after it left its inactive level, the line
 * settles at its active level, as a lock must fail: a triggered input,
 * an open door. It releases as usual, once it rests inactive.
 */
#include <string.h>
#include "door.h"

/* longer than any bounce of a contact or of a door shut hard in its frame,
 * and many debounce times: no real bounce lasts twenty of them */
#define CHATTER_MIN_MS     1000
#define CHATTER_DEBOUNCES  20


/** The chatter limit for a debounce time: max(1 s, 20 debounce times) */
uint32_t trig_chatter_ms(uint32_t debounce_ms)
{
	uint64_t ms = (uint64_t)debounce_ms * CHATTER_DEBOUNCES;

	if (ms < CHATTER_MIN_MS)
		return CHATTER_MIN_MS;

	return ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms;
}


/** level is taken as settled; chatter_ms may be changed after this */
void trig_init(struct trig *t, bool high, uint32_t debounce_ms,
	       uint32_t hold_ms, bool level)
{
	if (!t)
		return;

	memset(t, 0, sizeof(*t));
	t->high        = high;
	t->debounce_ms = debounce_ms;
	t->hold_ms     = hold_ms;
	t->chatter_ms  = trig_chatter_ms(debounce_ms);
	t->level       = level;
	t->stable      = level;
}


bool trig_active(const struct trig *t)
{
	return t && t->stable == t->high;
}


/** Whether the active level was taken at the chatter limit and the line
 *  has not rested since */
bool trig_chattering(const struct trig *t)
{
	return t && t->chattered;
}


/* The debounced level becomes `to`: it held, or chattered too long */
static enum trig_action settle(struct trig *t, bool to, uint64_t now)
{
	t->stable = to;

	if (t->stable == t->high) {
		if (t->hold_ms) {
			t->holding = true;
			t->hold_at = now + t->hold_ms;
			return TRIG_NONE;
		}

		t->fired = true;
		return TRIG_FIRE;
	}

	/* released before the hold time: a short press does nothing */
	t->holding = false;
	if (t->fired) {
		t->fired = false;
		return TRIG_RELEASE;
	}

	return TRIG_NONE;
}


/* Still changing at the limit: the last level seen is not yet a debounce
 * time old (a line that rested exactly then settles normally) */
static bool chatter_due(const struct trig *t)
{
	return t->moving && t->chatter_ms && t->stable != t->high &&
		t->chatter_at < t->settle_at;
}


/**
 * A level seen on the line. A repeat counts as a change too: the line
 * layer reads the level after a burst of edges, which may end where it
 * began.
 */
enum trig_action trig_level(struct trig *t, bool level, uint64_t now)
{
	if (!t)
		return TRIG_NONE;

	t->level = level;

	if (!t->debounce_ms)
		return level == t->stable ? TRIG_NONE : settle(t, level, now);

	if (!t->moving) {
		if (level == t->stable)
			return TRIG_NONE;

		t->moving = true;
		t->chatter_at = now + t->chatter_ms;
	}

	/* every change restarts the debounce time */
	t->settle_at = now + t->debounce_ms;
	return TRIG_NONE;
}


/** Time has passed; call at trig_deadline() (early calls do nothing) */
enum trig_action trig_tick(struct trig *t, uint64_t now)
{
	if (!t)
		return TRIG_NONE;

	/* first the limit: a late tick must not take chatter for rest */
	if (chatter_due(t) && now >= t->chatter_at) {
		t->chattered = true;
		return settle(t, t->high, now);
	}

	if (t->moving && now >= t->settle_at) {
		t->moving = false;
		t->chattered = false;
		if (t->level != t->stable)
			return settle(t, t->level, now);
		/* back where it was: a bounce; a hold due goes on below */
	}

	/* a release still moving may yet cut the hold short */
	if (t->holding && t->level == t->stable && now >= t->hold_at) {
		t->holding = false;
		t->fired = true;
		return TRIG_FIRE;
	}

	return TRIG_NONE;
}


/** The next time trig_tick() has something to do; false for never */
bool trig_deadline(const struct trig *t, uint64_t *at)
{
	uint64_t next = UINT64_MAX;

	if (!t || !at)
		return false;

	if (t->moving)
		next = chatter_due(t) ? t->chatter_at : t->settle_at;

	if (t->holding && t->level == t->stable && t->hold_at < next)
		next = t->hold_at;

	if (next == UINT64_MAX)
		return false;

	*at = next;
	return true;
}


const char *trig_action_name(enum trig_action act)
{
	switch (act) {

	case TRIG_FIRE:    return "fire";
	case TRIG_RELEASE: return "release";
	default:           return "none";
	}
}
