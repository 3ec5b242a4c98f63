/**
 * @file doorstate.c  A monitored door: closed, open, held or forced
 *
 * Pure logic with an injected clock (ms), like guard.c and trig.c: the
 * caller feeds the debounced contact, its relay's on/off and the time,
 * and arms one timer for doorstate_deadline(). The access window is the
 * time the relay is on plus entry_ms after it goes off (unless the door
 * opened while it was on: that access is used up; an opening after it
 * uses up the rest); a door opened in it is open, otherwise forced. An
 * open door becomes held held_ms after the later of its opening and the
 * latest access. Alarms (held, forced)
 * end only when the door closes. After a restart an open door is held,
 * never forced: nobody knows whether access was granted before.
 */
#include <string.h>
#include "door.h"


void doorstate_init(struct doorstate *ds, const struct doorstate_cfg *cfg,
		    bool open, uint64_t now)
{
	(void)now;

	if (!ds || !cfg)
		return;

	memset(ds, 0, sizeof(*ds));
	ds->cfg = *cfg;

	if (open)
		ds->state = cfg->held_ms ? DOOR_HELD : DOOR_OPEN;
}


static bool in_window(const struct doorstate *ds, uint64_t now)
{
	return ds->access || (ds->window && now < ds->window_end);
}


/** The debounced contact: open or closed. Returns the new state */
enum door_state doorstate_contact(struct doorstate *ds, bool open,
				  uint64_t now)
{
	if (!ds)
		return DOOR_CLOSED;

	if (!open) {
		ds->relock = ds->state != DOOR_CLOSED && ds->opened_on &&
			ds->access;
		ds->opened_on = false;
		ds->state = DOOR_CLOSED;
		return ds->state;
	}

	if (ds->state != DOOR_CLOSED)
		return ds->state;

	ds->relock = false;
	if (in_window(ds, now)) {
		ds->state = DOOR_OPEN;
		ds->opened_on = ds->access;
		ds->used = ds->access;
		ds->window = false;  /* the lock is shut: one entry in it */
		ds->held_at = now + ds->cfg.held_ms;
	}
	else {
		ds->state = DOOR_FORCED;
	}

	return ds->state;
}


/** The relay switched on (access granted) or off */
enum door_state doorstate_access(struct doorstate *ds, bool on,
				 uint64_t now)
{
	if (!ds)
		return DOOR_CLOSED;

	if (on && !ds->access) {
		/* a new access: the held time counts from it */
		if (ds->state == DOOR_OPEN)
			ds->held_at = now + ds->cfg.held_ms;
		ds->window = false;
		ds->used = false;
	}
	else if (!on && ds->access) {
		/* an access the door already opened for is used up */
		ds->window = !ds->used;
		ds->window_end = now + ds->cfg.entry_ms;
		ds->opened_on = false;
	}

	ds->access = on;
	ds->relock = false;

	return ds->state;
}


/** Time has passed; call at doorstate_deadline() */
enum door_state doorstate_tick(struct doorstate *ds, uint64_t now)
{
	if (!ds)
		return DOOR_CLOSED;

	if (ds->window && now >= ds->window_end)
		ds->window = false;

	if (ds->state == DOOR_OPEN && ds->cfg.held_ms && now >= ds->held_at)
		ds->state = DOOR_HELD;

	return ds->state;
}


/** When doorstate_tick() has something to do next; false for never */
bool doorstate_deadline(const struct doorstate *ds, uint64_t *at)
{
	if (!ds || !at)
		return false;

	if (ds->state == DOOR_OPEN && ds->cfg.held_ms) {
		*at = ds->held_at;
		return true;
	}

	return false;
}


/** Whether the door just closed after opening in a still running access
 *  (relock switches its relay off now) */
bool doorstate_relock_due(const struct doorstate *ds)
{
	return ds && ds->relock;
}


bool doorstate_alarm(enum door_state state)
{
	return state == DOOR_HELD || state == DOOR_FORCED;
}


const char *doorstate_name(enum door_state state)
{
	switch (state) {

	case DOOR_CLOSED: return "closed";
	case DOOR_OPEN:   return "open";
	case DOOR_HELD:   return "held";
	case DOOR_FORCED: return "forced";
	default:          return "?";
	}
}
