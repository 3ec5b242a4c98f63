/**
 * @file sched.c  Relays on time profiles: unlocked hours, DTMF hours
 *
 * relayN_unlocked_hours <profile> keeps a door relay on while the profile
 * (door_profileN) is active and switches it off when it ends, audited as
 * source "schedule"; an opening inside the hours leaves it on, without
 * a blip (the drive's reason is DRIVE_SCHEDULE, which a pulse keeps).
 * relayN_dtmf_hours <profile> lets its config code open only during the
 * profile. One wall-clock timer waits for the next change of
 * any profile in use and wakes at once on a clock step.
 */
#include <string.h>
#include "door.h"
#include "relay.h"

struct sched {
	struct le le;
	struct relay *r;
	const struct profile *unlocked;   /* NULL: none */
	const struct profile *dtmf;       /* NULL: any time */
	bool on;                          /* unlocked hours now */
	struct tmr tmr;                   /* puts it back on */
};

static struct {
	struct list profiles;
	struct list scheds;
	struct walltimer *wt;
} sc;


/* ---- config ---- */

static void sched_destructor(void *data)
{
	struct sched *s = data;

	tmr_cancel(&s->tmr);
	list_unlink(&s->le);
}


static struct sched *sched_find(const struct relay *r)
{
	struct le *le;

	LIST_FOREACH(&sc.scheds, le) {
		struct sched *s = le->data;

		if (s->r == r)
			return s;
	}

	return NULL;
}


/* relayN_<what>_hours: the profile named, or NULL and EINVAL logged */
static int hours_conf(const struct profile **pp, const struct conf *conf,
		      const struct relay *r, const char *what)
{
	char key[40], name[32];
	int err;

	(void)re_snprintf(key, sizeof(key), "relay%u_%s_hours", r->id, what);
	err = door_conf_str(conf, key, name, sizeof(name));
	if (err)
		return err;

	*pp = profile_find(&sc.profiles, name);
	if (!*pp) {
		warning("relay: config %s: no door_profileN named '%s'\n",
			key, name);
		return EINVAL;
	}
	if (r->type != RELAY_DOOR) {
		warning("relay: config %s: relay %u is not a door relay\n",
			key, r->id);
		*pp = NULL;
		return EINVAL;
	}

	return 0;
}


/* ---- schedule ---- */

static void reassert(void *arg)
{
	struct sched *s = arg;

	if (s->on && !s->r->on)
		(void)relay_act(s->r, RELAY_ACT_HOURS, "schedule",
				profile_name(s->unlocked));
}


/* switch each relay to its hours, then wait for the next change */
static void apply(void)
{
	const time_t now = time(NULL);
	time_t next = 0;
	struct le *le;

	LIST_FOREACH(&sc.scheds, le) {
		struct sched *s = le->data;
		time_t t;
		bool on;

		if (!s->unlocked)
			continue;

		on = profile_active(s->unlocked, now);
		if (on != s->on || (on && !s->r->on)) {
			s->on = on;
			(void)relay_act(s->r, on ? RELAY_ACT_HOURS :
					RELAY_ACT_CLOSE, "schedule",
					profile_name(s->unlocked));
		}

		t = profile_next_change(s->unlocked, now);
		if (t && (!next || t < next))
			next = t;
	}

	(void)walltimer_start(sc.wt, next);
}


static void wall_handler(bool stepped, void *arg)
{
	(void)arg;

	if (stepped)
		info("relay: the clock was set: schedules looked at again\n");
	apply();
}


/** A relay changed: a pulse ending inside unlocked hours goes back on */
void sched_changed(struct relay *r, bool on, const char *source)
{
	struct sched *s = sched_find(r);

	if (s && s->on && !on && !str_cmp(source, "timer"))
		tmr_start(&s->tmr, 0, reassert, s);
}


/** Whether the relay's config code may open it now */
bool sched_dtmf_allowed(const struct relay *r)
{
	const struct sched *s = sched_find(r);

	return !s || !s->dtmf || profile_active(s->dtmf, time(NULL));
}


/** The door_profileN named, NULL if none */
const struct profile *sched_profile(const char *name)
{
	return profile_find(&sc.profiles, name);
}


/* ---- init and close ---- */

/** door_profileN, relayN_unlocked_hours, relayN_dtmf_hours; EINVAL after
 * logging a bad one, which is left out */
int sched_init(const struct conf *conf, struct list *relays)
{
	struct le *le;
	int err = 0;

	if (profile_conf(&sc.profiles, conf))
		err = EINVAL;

	LIST_FOREACH(relays, le) {
		struct relay *r = le->data;
		const struct profile *unlocked = NULL, *dtmf = NULL;
		struct sched *s;

		if (hours_conf(&unlocked, conf, r, "unlocked") == EINVAL ||
		    hours_conf(&dtmf, conf, r, "dtmf") == EINVAL)
			err = EINVAL;
		if (!unlocked && !dtmf)
			continue;
		if (unlocked && r->interlock)
			warning("relay: config relay%u_unlocked_hours: relay %u"
				" is interlocked: while it is held on, the"
				" others of its group never open\n", r->id,
				r->id);

		s = mem_zalloc(sizeof(*s), sched_destructor);
		if (!s)
			return ENOMEM;
		s->r = r;
		s->unlocked = unlocked;
		s->dtmf = dtmf;
		tmr_init(&s->tmr);
		list_append(&sc.scheds, &s->le, s);
	}

	if (list_isempty(&sc.scheds))
		return err;

	if (walltimer_alloc(&sc.wt, wall_handler, NULL)) {
		warning("relay: no wall-clock timer: schedules off\n");
		return EINVAL;
	}

	apply();
	return err;
}


void sched_close(void)
{
	sc.wt = mem_deref(sc.wt);
	list_flush(&sc.scheds);
	list_flush(&sc.profiles);
}
