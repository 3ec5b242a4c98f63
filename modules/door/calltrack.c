/**
 * @file calltrack.c  Which call states are in progress, from baresip events
 *
 * baresip 1.0.0 has no "call began" event for every case: an outgoing call
 * is first seen in its local SDP offer, an auto-answered incoming call in
 * its answer. So a call counts from the first event that names it until
 * CALL_CLOSED, or until a sweep finds it gone from baresip's call list
 * (baresip 1.0.0 frees some calls without CALL_CLOSED). Calls are named by
 * Call-ID and peer URI, never by address.
 */
#include <string.h>
#include "door.h"

struct tracked {
	struct le le;
	char *id;
	char *peer;
	unsigned phases;
};

struct calltrack {
	struct list calls;
};


static void calltrack_destructor(void *data)
{
	struct calltrack *ct = data;

	list_flush(&ct->calls);
}


int calltrack_alloc(struct calltrack **ctp)
{
	struct calltrack *ct;

	if (!ctp)
		return EINVAL;

	ct = mem_zalloc(sizeof(*ct), calltrack_destructor);
	if (!ct)
		return ENOMEM;

	*ctp = ct;
	return 0;
}


static void tracked_destructor(void *data)
{
	struct tracked *t = data;

	list_unlink(&t->le);
	mem_deref(t->id);
	mem_deref(t->peer);
}


static struct tracked *tracked_find(const struct calltrack *ct,
				    const char *id, const char *peer)
{
	struct le *le;

	LIST_FOREACH(&ct->calls, le) {
		struct tracked *t = le->data;

		if (!strcmp(t->id, id) && !strcmp(t->peer, peer))
			return t;
	}

	return NULL;
}


/**
 * Feed one UA event of the call named id (its Call-ID) and peer; outgoing
 * is whether the call is outgoing (the caller asks baresip, which keeps
 * this file free of baresip calls).
 * Returns true when any call's phases changed.
 */
bool calltrack_event(struct calltrack *ct, enum door_event ev,
		     const char *id, const char *peer, bool outgoing)
{
	struct tracked *t;
	unsigned before;

	if (!ct || !id)
		return false;

	if (!peer)
		peer = "";

	switch (ev) {

	case DOOR_EV_CALL_INCOMING:
	case DOOR_EV_CALL_RINGING:
	case DOOR_EV_CALL_PROGRESS:
	case DOOR_EV_CALL_ANSWERED:
	case DOOR_EV_CALL_ESTABLISHED:
	case DOOR_EV_CALL_CLOSED:
	case DOOR_EV_CALL_LOCAL_SDP:
	case DOOR_EV_CALL_REMOTE_SDP:
	case DOOR_EV_CALL_DTMF_START:
	case DOOR_EV_CALL_RTPESTAB:
		break;

	default:
		return false;
	}

	t = tracked_find(ct, id, peer);
	if (!t) {
		if (ev == DOOR_EV_CALL_CLOSED)
			return false;

		t = mem_zalloc(sizeof(*t), tracked_destructor);
		if (!t)
			return false;

		if (str_dup(&t->id, id) || str_dup(&t->peer, peer)) {
			mem_deref(t);
			return false;
		}

		t->phases = DOOR_PHASE_CALL |
			(outgoing ? DOOR_PHASE_OUTGOING : 0);
		list_append(&ct->calls, &t->le, t);
		before = 0;
	}
	else {
		before = t->phases;
	}

	switch (ev) {

	case DOOR_EV_CALL_INCOMING:
		if (!outgoing)
			t->phases |= DOOR_PHASE_INCOMING;
		break;

	case DOOR_EV_CALL_ESTABLISHED:
		t->phases &= ~(unsigned)(DOOR_PHASE_INCOMING |
					 DOOR_PHASE_OUTGOING);
		t->phases |= DOOR_PHASE_ESTABLISHED;
		break;

	case DOOR_EV_CALL_CLOSED:
		mem_deref(t);
		return before != 0;

	default:
		break;
	}

	return before != t->phases;
}


/**
 * Forget the calls aliveh no longer finds, whatever event (or none)
 * announced their end. Returns true when the phases changed.
 */
bool calltrack_sweep(struct calltrack *ct, door_alive_h *aliveh, void *arg)
{
	unsigned before = calltrack_phases(ct);
	struct le *le;

	if (!ct || !aliveh)
		return false;

	le = ct->calls.head;
	while (le) {
		struct tracked *t = le->data;

		le = le->next;
		if (!aliveh(t->id, t->peer, arg))
			mem_deref(t);
	}

	return before != calltrack_phases(ct);
}


/** The phases of all calls in progress, or'ed together */
unsigned calltrack_phases(const struct calltrack *ct)
{
	unsigned phases = 0;
	struct le *le;

	if (!ct)
		return 0;

	LIST_FOREACH(&ct->calls, le) {
		const struct tracked *t = le->data;

		phases |= t->phases;
	}

	return phases;
}


int door_phase_parse(const struct pl *pl, unsigned *phase)
{
	static const struct {
		const char *name;
		unsigned phase;
	} names[] = {
		{"incoming",    DOOR_PHASE_INCOMING},
		{"outgoing",    DOOR_PHASE_OUTGOING},
		{"established", DOOR_PHASE_ESTABLISHED},
		{"call",        DOOR_PHASE_CALL},
	};
	size_t i;

	for (i = 0; pl && phase && i < ARRAY_SIZE(names); i++) {
		if (!pl_strcasecmp(pl, names[i].name)) {
			*phase = names[i].phase;
			return 0;
		}
	}

	return EINVAL;
}


const char *door_phase_name(unsigned phase)
{
	switch (phase) {

	case DOOR_PHASE_INCOMING:    return "incoming";
	case DOOR_PHASE_OUTGOING:    return "outgoing";
	case DOOR_PHASE_ESTABLISHED: return "established";
	case DOOR_PHASE_CALL:        return "call";
	default:                     return "?";
	}
}
