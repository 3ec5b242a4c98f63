/**
 * @file calltrack.c  Which call states are in progress, from baresip events
 *
 * baresip 1.0.0 has no "call began" event for every case: an outgoing call
 * is first seen in its local SDP offer, an auto-answered incoming call in
 * its answer. So a call counts from the first event that names it until
 * UA_EVENT_CALL_CLOSED.
 */
#include <string.h>
#include "door.h"

struct tracked {
	struct le le;
	const struct call *call;
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


static struct tracked *tracked_find(const struct calltrack *ct,
				    const struct call *call)
{
	struct le *le;

	LIST_FOREACH(&ct->calls, le) {
		struct tracked *t = le->data;

		if (t->call == call)
			return t;
	}

	return NULL;
}


/**
 * Feed one UA event; outgoing is whether the call is outgoing (the caller
 * asks baresip, which keeps this file free of baresip calls).
 * Returns true when any call's phases changed.
 */
bool calltrack_event(struct calltrack *ct, enum ua_event ev,
		     const struct call *call, bool outgoing)
{
	struct tracked *t;
	unsigned before;

	if (!ct || !call)
		return false;

	switch (ev) {

	case UA_EVENT_CALL_INCOMING:
	case UA_EVENT_CALL_RINGING:
	case UA_EVENT_CALL_PROGRESS:
	case UA_EVENT_CALL_ESTABLISHED:
	case UA_EVENT_CALL_CLOSED:
	case UA_EVENT_CALL_LOCAL_SDP:
	case UA_EVENT_CALL_REMOTE_SDP:
	case UA_EVENT_CALL_DTMF_START:
	case UA_EVENT_CALL_RTPESTAB:
		break;

	default:
		return false;
	}

	t = tracked_find(ct, call);
	if (!t) {
		if (ev == UA_EVENT_CALL_CLOSED)
			return false;

		t = mem_zalloc(sizeof(*t), NULL);
		if (!t)
			return false;

		t->call = call;
		t->phases = DOOR_PHASE_CALL |
			(outgoing ? DOOR_PHASE_OUTGOING : 0);
		list_append(&ct->calls, &t->le, t);
		before = 0;
	}
	else {
		before = t->phases;
	}

	switch (ev) {

	case UA_EVENT_CALL_INCOMING:
		if (!outgoing)
			t->phases |= DOOR_PHASE_INCOMING;
		break;

	case UA_EVENT_CALL_ESTABLISHED:
		t->phases &= ~(unsigned)(DOOR_PHASE_INCOMING |
					 DOOR_PHASE_OUTGOING);
		t->phases |= DOOR_PHASE_ESTABLISHED;
		break;

	case UA_EVENT_CALL_CLOSED:
		list_unlink(&t->le);
		mem_deref(t);
		return before != 0;

	default:
		break;
	}

	return before != t->phases;
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
