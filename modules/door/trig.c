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
 */
#include <string.h>
#include "door.h"


void trig_init(struct trig *t, bool high, uint32_t debounce_ms,
	       uint32_t hold_ms, bool level)
{
	if (!t)
		return;

	memset(t, 0, sizeof(*t));
	t->high        = high;
	t->debounce_ms = debounce_ms;
	t->hold_ms     = hold_ms;
	t->level       = level;
	t->stable      = level;
}


bool trig_active(const struct trig *t)
{
	return t && t->stable == t->high;
}


/* The level has held for the debounce time: it is real */
static enum trig_action settle(struct trig *t, uint64_t now)
{
	t->settling = false;
	t->stable = t->level;

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


/** A level seen on the line (repeats are harmless) */
enum trig_action trig_level(struct trig *t, bool level, uint64_t now)
{
	if (!t)
		return TRIG_NONE;

	t->level = level;

	if (level == t->stable) {
		t->settling = false;     /* a bounce: back before it settled */
		return TRIG_NONE;
	}

	if (!t->debounce_ms)
		return settle(t, now);

	/* every edge restarts the debounce time */
	t->settling  = true;
	t->settle_at = now + t->debounce_ms;
	return TRIG_NONE;
}


/** Time has passed; call at trig_deadline() (early calls do nothing) */
enum trig_action trig_tick(struct trig *t, uint64_t now)
{
	if (!t)
		return TRIG_NONE;

	if (t->settling && now >= t->settle_at)
		return settle(t, now);

	/* a release still settling may yet cut the hold short */
	if (t->holding && !t->settling && now >= t->hold_at) {
		t->holding = false;
		t->fired = true;
		return TRIG_FIRE;
	}

	return TRIG_NONE;
}


/** The next time trig_tick() has something to do; false for never */
bool trig_deadline(const struct trig *t, uint64_t *at)
{
	if (!t || !at)
		return false;

	if (t->settling)
		*at = t->settle_at;
	else if (t->holding)
		*at = t->hold_at;
	else
		return false;

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
