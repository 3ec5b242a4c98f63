/**
 * @file uaevent.c  baresip's UA events, delivered as door events
 *
 * The one place that touches baresip's event numbers: the map is resolved
 * through uag_event_str() when a module first needs it, and a baresip
 * whose call events cannot all be named refuses the module with one line.
 * Each module links its own copy, so each resolves and registers alone.
 */
#include <string.h>
#include "door.h"

#define SUBSCRIBERS 4

static struct {
	struct door_evmap map;
	bool ready;
	bool registered;
	struct {
		door_event_h *h;
		void *arg;
	} subv[SUBSCRIBERS];
} ue;


static const char *baresip_name(int ev)
{
	return uag_event_str((enum ua_event)ev);
}


static int map_print(struct re_printf *pf, const struct door_evmap *map)
{
	int d, err = 0;

	for (d = DOOR_EV_NONE + 1; d < DOOR_EV_MAX; d++) {
		if (map->ua[d] >= 0)
			err |= re_hprintf(pf, " %s=%d", door_event_name(d),
					  map->ua[d]);
	}

	return err;
}


/** Resolve baresip's event numbers; EPROTO when they cannot be mapped */
int door_event_init(void)
{
	const char *missing = NULL;
	int err;

	if (ue.ready)
		return 0;

	err = door_evmap_build(&ue.map, baresip_name, &missing);
	if (err) {
		warning("door: this baresip's UA events cannot be read (no"
			" single event named %s): module not loaded\n",
			missing ? missing : "?");
		return err;
	}

	debug("door: baresip UA events:%H\n", map_print, &ue.map);
	ue.ready = true;
	return 0;
}


/** baresip's number for ev, for ua_event(); -1 when it has none */
int door_event_ua(enum door_event ev)
{
	if (door_event_init())
		return -1;

	return door_evmap_ua(&ue.map, ev);
}


static void ua_event_handler(struct ua *ua, enum ua_event ev,
			     struct call *call, const char *prm, void *arg)
{
	enum door_event dev = door_evmap_door(&ue.map, (int)ev);
	size_t i;
	(void)arg;

	if (dev == DOOR_EV_NONE)
		return;

	for (i = 0; i < SUBSCRIBERS; i++) {
		if (ue.subv[i].h)
			ue.subv[i].h(ua, dev, call, prm, ue.subv[i].arg);
	}
}


/** Receive baresip's events the map knows, as door events */
int door_event_register(door_event_h *h, void *arg)
{
	size_t i;
	int err;

	if (!h)
		return EINVAL;

	err = door_event_init();
	if (err)
		return err;

	for (i = 0; i < SUBSCRIBERS && ue.subv[i].h; i++)
		;
	if (i == SUBSCRIBERS)
		return EOVERFLOW;

	if (!ue.registered) {
		err = uag_event_register(ua_event_handler, NULL);
		if (err)
			return err;
		ue.registered = true;
	}

	ue.subv[i].h = h;
	ue.subv[i].arg = arg;
	return 0;
}


void door_event_unregister(door_event_h *h)
{
	size_t i;
	bool any = false;

	for (i = 0; i < SUBSCRIBERS; i++) {
		if (ue.subv[i].h == h)
			ue.subv[i].h = NULL;
		any |= ue.subv[i].h != NULL;
	}

	if (!any && ue.registered) {
		uag_event_unregister(ua_event_handler);
		ue.registered = false;
	}
}
