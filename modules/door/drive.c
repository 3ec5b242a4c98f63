/**
 * @file drive.c  One output line and why it is on (see door.h)
 *
 * relay and dryio both switch their outputs through this, so the rules
 * live once: a reason to be on, what ends it, and a switch-off that is
 * tried again until the line takes it (fail-secure).
 */
#include <string.h>
#include "door.h"


struct drive {
	struct line *line;           /* owned */
	char *name;
	unsigned phase;
	uint32_t retry_ms;
	enum drive_reason reason;
	bool off_pending;            /* a switch-off the line refused */
	char source[16];             /* of that switch-off, for its report */
	char *who;
	struct tmr tmr;              /* hold, or retry */
	uint64_t hold_until;         /* tmr_jiffies() when a pulse ends */
	drive_change_h *changeh;
	void *arg;
};


static void destructor(void *data)
{
	struct drive *d = data;

	tmr_cancel(&d->tmr);
	mem_deref(d->line);
	mem_deref(d->name);
	mem_deref(d->who);
}


const char *drive_reason_name(enum drive_reason reason)
{
	switch (reason) {

	case DRIVE_PULSE:    return "timed";
	case DRIVE_LATCHED:  return "latched";
	case DRIVE_CALL:     return "call";
	case DRIVE_SCHEDULE: return "schedule";
	default:             return "off";
	}
}


static void report(struct drive *d, bool on, enum drive_reason reason,
		   const char *source, const char *who)
{
	if (d->changeh)
		d->changeh(on, reason, source, who, d->arg);
}


static int line_off(struct drive *d)
{
	int err = line_set(d->line, false);

	if (err)
		warning("%s: cannot drive line '%s' off (%m); trying again"
			" every %u ms\n", d->name, line_spec(d->line), err,
			d->retry_ms);

	return err;
}


static void retry_handler(void *arg)
{
	struct drive *d = arg;
	enum drive_reason was = d->reason;

	if (line_off(d)) {
		tmr_start(&d->tmr, d->retry_ms, retry_handler, d);
		return;
	}

	info("%s: line '%s' off at last\n", d->name, line_spec(d->line));
	d->off_pending = false;
	d->reason = DRIVE_OFF;
	if (was != DRIVE_OFF)
		report(d, false, DRIVE_OFF, d->source, d->who);
}


/*
 * A hold is waited in two steps. libre's loop sleeps in epoll_wait(), and
 * the kernel lets that wake up to 0.1% of its timeout late (0.5% for a
 * niced process: 5 ms on a 1 s hold), where a short sleep is near exact.
 * So the first step ends a little early and the rest is waited anew.
 */
static uint32_t hold_first(uint32_t hold_ms)
{
	uint32_t early = hold_ms / 100 + 2;

	return hold_ms > early ? hold_ms - early : hold_ms;
}


static void hold_handler(void *arg)
{
	struct drive *d = arg;
	uint64_t now = tmr_jiffies();

	if (d->reason != DRIVE_PULSE)
		return;

	if (now < d->hold_until) {
		tmr_start(&d->tmr, d->hold_until - now, hold_handler, d);
		return;
	}

	(void)drive_off(d, "timer", NULL);
}


/**
 * Take over an opened output line, off. cfg->name names it in log lines.
 * The drive owns the line from here on, also when this fails.
 */
int drive_alloc(struct drive **dp, struct line *line,
		const struct drive_cfg *cfg, drive_change_h *changeh,
		void *arg)
{
	struct drive *d;
	int err;

	if (!dp || !line || !cfg || !cfg->name) {
		mem_deref(line);
		return EINVAL;
	}

	d = mem_zalloc(sizeof(*d), destructor);
	if (!d) {
		mem_deref(line);
		return ENOMEM;
	}

	tmr_init(&d->tmr);
	d->line     = line;
	d->phase    = cfg->phase;
	d->retry_ms = cfg->retry_ms ? cfg->retry_ms : DRIVE_RETRY_MS;
	d->changeh  = changeh;
	d->arg      = arg;

	err = str_dup(&d->name, cfg->name);
	if (err) {
		mem_deref(d);
		return err;
	}

	*dp = d;
	return 0;
}


/**
 * On for a reason: DRIVE_PULSE for hold_ms (above 0), the others until
 * what ends them. A new reason replaces the old one, its timer with it.
 */
int drive_on(struct drive *d, enum drive_reason reason, uint32_t hold_ms,
	     const char *source, const char *who)
{
	bool was;
	int err;

	if (!d || reason == DRIVE_OFF || reason > DRIVE_SCHEDULE ||
	    (reason == DRIVE_PULSE && !hold_ms))
		return EINVAL;

	err = line_set(d->line, true);
	if (err) {
		warning("%s: cannot drive line '%s' on (%m)\n", d->name,
			line_spec(d->line), err);
		return err;
	}

	was = d->reason != DRIVE_OFF;
	d->reason = reason;
	d->off_pending = false;

	if (reason == DRIVE_PULSE) {
		d->hold_until = tmr_jiffies() + hold_ms;
		tmr_start(&d->tmr, hold_first(hold_ms), hold_handler, d);
	}
	else
		tmr_cancel(&d->tmr);

	if (!was)
		report(d, true, reason, source, who);

	return 0;
}


/**
 * Off, whatever the reason. A line that refuses is tried again every
 * retry_ms; the output counts as on until the line takes it, and the
 * change is reported then, with this source.
 */
int drive_off(struct drive *d, const char *source, const char *who)
{
	enum drive_reason was;
	int err;

	if (!d)
		return EINVAL;

	tmr_cancel(&d->tmr);

	err = line_off(d);
	if (err) {
		str_ncpy(d->source, source ? source : "", sizeof(d->source));
		d->who = mem_deref(d->who);
		if (who)
			(void)str_dup(&d->who, who);
		d->off_pending = true;
		tmr_start(&d->tmr, d->retry_ms, retry_handler, d);
		return err;
	}

	was = d->reason;
	d->reason = DRIVE_OFF;
	d->off_pending = false;
	if (was != DRIVE_OFF)
		report(d, false, DRIVE_OFF, source, who);

	return 0;
}


/**
 * The calls' phases changed: on while one of the drive's phases lasts.
 * An output latched or scheduled on stays in their charge; a pulse is
 * taken over by the call.
 */
void drive_follow(struct drive *d, unsigned phases)
{
	const char *name;

	if (!d || !d->phase)
		return;

	name = door_phase_name(d->phase);

	if (phases & d->phase) {
		if (d->reason == DRIVE_OFF || d->reason == DRIVE_PULSE)
			(void)drive_on(d, DRIVE_CALL, 0, "call", name);
	}
	else if (d->reason == DRIVE_CALL) {
		(void)drive_off(d, "call", name);
	}
}


/**
 * Module close: off whatever the reason, reported as "close". No retry
 * can outlive the module; the service's off program covers a line that
 * refuses even now.
 */
void drive_close(struct drive *d)
{
	if (!d)
		return;

	(void)drive_off(d, "close", NULL);
	tmr_cancel(&d->tmr);
	d->off_pending = false;
}


enum drive_reason drive_reason(const struct drive *d)
{
	return d ? d->reason : DRIVE_OFF;
}


bool drive_is_on(const struct drive *d)
{
	return d && d->reason != DRIVE_OFF;
}


bool drive_off_pending(const struct drive *d)
{
	return d && d->off_pending;
}


const char *drive_spec(const struct drive *d)
{
	return d ? line_spec(d->line) : NULL;
}
