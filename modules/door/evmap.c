/**
 * @file evmap.c  baresip's UA event numbers resolved by name
 *
 * baresip 1.1.0 inserted events into enum ua_event (FALLBACK_OK and
 * FALLBACK_FAIL after UNREGISTERING, CALL_ANSWERED after CALL_PROGRESS,
 * MODULE and CUSTOM before MAX), so a number compiled against one version
 * names another event on the next. uag_event_str() is exported by both
 * and answers "?" for a number it does not know (its switch's default);
 * the map is built by asking it for every number up to DOOR_EV_SCAN.
 * This file makes no baresip call: the name function is passed in.
 */
#include <string.h>
#include "door.h"

/* uag_event_str()'s names; required events refuse the load when absent */
static const struct {
	const char *name;
	bool required;
} evnames[DOOR_EV_MAX] = {
	[DOOR_EV_NONE]                 = {NULL,               false},
	[DOOR_EV_SHUTDOWN]             = {"SHUTDOWN",         false},
	[DOOR_EV_EXIT]                 = {"EXIT",             false},
	[DOOR_EV_CALL_INCOMING]        = {"CALL_INCOMING",    true},
	[DOOR_EV_CALL_RINGING]         = {"CALL_RINGING",     true},
	[DOOR_EV_CALL_PROGRESS]        = {"CALL_PROGRESS",    true},
	[DOOR_EV_CALL_ANSWERED]        = {"CALL_ANSWERED",    false},
	[DOOR_EV_CALL_ESTABLISHED]     = {"CALL_ESTABLISHED", true},
	[DOOR_EV_CALL_CLOSED]          = {"CALL_CLOSED",      true},
	[DOOR_EV_CALL_TRANSFER]        = {"TRANSFER",         false},
	[DOOR_EV_CALL_TRANSFER_FAILED] = {"TRANSFER_FAILED",  false},
	[DOOR_EV_CALL_DTMF_START]      = {"CALL_DTMF_START",  true},
	[DOOR_EV_CALL_DTMF_END]        = {"CALL_DTMF_END",    true},
	[DOOR_EV_CALL_RTPESTAB]        = {"CALL_RTPESTAB",    true},
	[DOOR_EV_CALL_LOCAL_SDP]       = {"CALL_LOCAL_SDP",   true},
	[DOOR_EV_CALL_REMOTE_SDP]      = {"CALL_REMOTE_SDP",  true},
	[DOOR_EV_MODULE]               = {"MODULE",           false},
};


static enum door_event door_by_name(const char *name)
{
	int d;

	for (d = DOOR_EV_NONE + 1; d < DOOR_EV_MAX; d++) {
		if (!strcmp(name, evnames[d].name))
			return (enum door_event)d;
	}

	return DOOR_EV_NONE;
}


/**
 * Build the map from baresip's names. Returns EPROTO, with *missing set to
 * the name, when a required event is absent or any known name answers for
 * two numbers; names this project does not use map to DOOR_EV_NONE.
 */
int door_evmap_build(struct door_evmap *map, door_evname_h *nameh,
		     const char **missing)
{
	int ev, d;

	if (!map || !nameh)
		return EINVAL;

	memset(map->door, DOOR_EV_NONE, sizeof(map->door));
	for (d = 0; d < DOOR_EV_MAX; d++)
		map->ua[d] = -1;

	for (ev = 0; ev < DOOR_EV_SCAN; ev++) {
		const char *name = nameh(ev);

		if (!name || !name[0] || !strcmp(name, "?"))
			continue;

		d = door_by_name(name);
		if (d == DOOR_EV_NONE)
			continue;

		if (map->ua[d] >= 0) {
			/* two numbers, one name: which one is meant? */
			if (missing)
				*missing = evnames[d].name;
			return EPROTO;
		}

		map->ua[d] = ev;
		map->door[ev] = (uint8_t)d;
	}

	/* baresip 1.0.0 has no MODULE event: the door bus then uses the
	 * first number it has no name for, which no baresip code acts on
	 * and which ctrl_tcp and mqtt pass on as type "?" */
	for (ev = 0; map->ua[DOOR_EV_MODULE] < 0 && ev < DOOR_EV_SCAN; ev++) {
		const char *name = nameh(ev);

		if (!name || !name[0] || !strcmp(name, "?")) {
			map->ua[DOOR_EV_MODULE] = ev;
			map->door[ev] = DOOR_EV_MODULE;
		}
	}

	for (d = DOOR_EV_NONE + 1; d < DOOR_EV_MAX; d++) {
		if (evnames[d].required && map->ua[d] < 0) {
			if (missing)
				*missing = evnames[d].name;
			return EPROTO;
		}
	}

	return 0;
}


/** The door event for baresip's number ev (DOOR_EV_NONE if none) */
enum door_event door_evmap_door(const struct door_evmap *map, int ev)
{
	if (!map || ev < 0 || ev >= DOOR_EV_SCAN)
		return DOOR_EV_NONE;

	return (enum door_event)map->door[ev];
}


/** baresip's number for a door event, or -1 when it has none */
int door_evmap_ua(const struct door_evmap *map, enum door_event ev)
{
	if (!map || ev <= DOOR_EV_NONE || ev >= DOOR_EV_MAX)
		return -1;

	return map->ua[ev];
}


/** The name baresip gives a door event, for log lines */
const char *door_event_name(enum door_event ev)
{
	if (ev <= DOOR_EV_NONE || ev >= DOOR_EV_MAX)
		return "?";

	return evnames[ev].name;
}
