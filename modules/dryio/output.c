/**
 * @file output.c  One dry-contact output: config, line, hold timer
 *
 * Why an output is on decides what turns it off: a trigger's hold timer,
 * an explicit "off", or the end of the call state it follows. A trigger
 * never shortens an output that was switched on for good or by a call.
 */
#include <string.h>
#include "door.h"
#include "dryio.h"

#define PULSE_DEFAULT_MS 1000   /* "pulse" on an output with hold 0 */


static void output_destructor(void *data)
{
	struct output *o = data;

	mem_deref(o->drive);
}


static void key_make(char *key, size_t sz, unsigned n, const char *what)
{
	(void)re_snprintf(key, sz, "dryio_out%u_%s", n, what);
}


static void audit(const struct output *o, const char *action,
		  const char *source, const char *who, const char *result,
		  const char *detail)
{
	char id[16];
	struct audit_rec rec = {
		.module = "dryio",
		.action = action,
		.relay  = id,
		.source = source,
		.who    = who,
		.result = result,
		.detail = detail,
	};

	(void)re_snprintf(id, sizeof(id), "out%u", o->n);
	(void)audit_write(&rec);
}


/* Every real change, from the shared output model: logged and audited */
static void drive_changed(bool on, enum drive_reason reason,
			  const char *source, const char *who, void *arg)
{
	struct output *o = arg;
	char id[8];
	(void)reason;

	info("dryio: out%u (%s) %s by %s%s%H\n", o->n, o->name,
	     on ? "on" : "off", source, who ? " " : "", door_print_safe,
	     (void *)who);
	audit(o, on ? "output_on" : "output_off", source, who, "ok",
	      o->name);
	(void)re_snprintf(id, sizeof(id), "%u", o->n);
	door_bus_emit("dryio", on ? "output_on" : "output_off", "output", id,
		      "name", o->name, "source", source, "peer", who, NULL);
}


/* A switch the line did not take (or no line): audited as an error */
static int checked(struct output *o, int err, bool on, const char *source,
		   const char *who)
{
	if (!err)
		return 0;

	if (!o->drive)
		warning("dryio: out%u (%s) is disabled: its line did not"
			" open\n", o->n, o->name);
	audit(o, on ? "output_on" : "output_off", source, who, "error",
	      o->drive ? o->name : "line did not open");

	return err;
}


static int apply(struct output *o, bool on, enum drive_reason reason,
		 uint32_t hold_ms, const char *source, const char *who)
{
	int err;

	if (!o->drive)
		err = ENODEV;
	else if (on)
		err = drive_on(o->drive, reason, hold_ms, source, who);
	else
		err = drive_off(o->drive, source, who);

	return checked(o, err, on, source, who);
}


/**
 * Read dryio_outN_* keys. ENOENT: dryio_outN_gpio is not set. EINVAL: a
 * key is malformed (already logged, naming it); no output then. A line
 * that fails to open leaves the output in the list, disabled.
 */
int output_conf(struct output **op, const struct conf *conf, unsigned n)
{
	struct output *o;
	struct line_cfg lcfg = {.dir = LINE_OUTPUT, .consumer = "dryio"};
	static const struct drive_keys keys = {"dryio", "dryio_out", "call",
					       "Output"};
	struct drive_conf dc;
	char key[48], label[24];
	struct line *line = NULL;
	int err, e;

	if (!op || !conf)
		return EINVAL;

	o = mem_zalloc(sizeof(*o), output_destructor);
	if (!o)
		return ENOMEM;

	/* an output that is not configured (ENOENT) is freed as a bad one */
	err = drive_conf_read(&dc, conf, &keys, n);
	if (err == ENOENT)
		goto out;

	o->n = n;
	o->hold_ms = dc.hold_ms;
	o->phase = dc.phase;
	lcfg.active_low = dc.active_low;
	str_ncpy(o->name, dc.name, sizeof(o->name));

	key_make(key, sizeof(key), n, "alert");
	e = door_conf_text(conf, key, o->alert, sizeof(o->alert));
	if (e == EINVAL) {
		err = EINVAL;
	}
	else if (!e && !alert_text_valid(o->alert)) {
		warning("dryio: config %s: not a usable alert text (1 to %u"
			" printable characters)\n", key, DRYIO_ALERT_MAX);
		err = EINVAL;
	}

	key_make(key, sizeof(key), n, "dtmf");
	e = door_conf_str(conf, key, o->dtmf, sizeof(o->dtmf));
	if (e == EINVAL) {
		err = EINVAL;
	}
	else if (!e && !door_dtmf_code_valid(o->dtmf)) {
		/* the code itself is a secret: never echo it */
		warning("dryio: config %s: not a DTMF code (1 to 16 of"
			" 0-9 * # A-D)\n", key);
		err = EINVAL;
	}

	if (err)
		goto out;

	e = line_open(&line, dc.spec, &lcfg, NULL, NULL);
	if (e) {
		key_make(key, sizeof(key), n, "gpio");
		warning("dryio: config %s: cannot open line '%s': %s;"
			" out%u disabled\n", key, dc.spec,
			line_error(dc.spec, e), n);
	}
	else {
		struct drive_cfg dcfg = {.name = label, .phase = o->phase};

		(void)re_snprintf(label, sizeof(label), "dryio: out%u", n);
		err = drive_alloc(&o->drive, line, &dcfg, drive_changed, o);
	}

 out:
	if (err)
		mem_deref(o);
	else
		*op = o;

	return err;
}


/** A trigger (input, DTMF, alert): on for the hold time, or for good */
int output_trigger(struct output *o, const char *source, const char *who)
{
	enum drive_reason reason;

	if (!o)
		return EINVAL;

	reason = drive_reason(o->drive);
	if (reason != DRIVE_OFF && reason != DRIVE_PULSE) {
		info("dryio: out%u (%s) already on (%s), trigger by %s"
		     " changes nothing\n", o->n, o->name,
		     drive_reason_name(reason), source);
		return 0;
	}

	if (!o->hold_ms)
		return apply(o, true, DRIVE_LATCHED, 0, source, who);

	return apply(o, true, DRIVE_PULSE, o->hold_ms, source, who);
}


int output_switch(struct output *o, bool on, const char *source,
		  const char *who)
{
	if (!o)
		return EINVAL;

	return apply(o, on, DRIVE_LATCHED, 0, source, who);
}


/** On for the hold time even where triggers would latch it */
int output_pulse(struct output *o, const char *source, const char *who)
{
	if (!o)
		return EINVAL;

	return apply(o, true, DRIVE_PULSE,
		     o->hold_ms ? o->hold_ms : PULSE_DEFAULT_MS, source, who);
}


/** The calls' phases changed: on while the output's phase lasts */
void output_follow(struct output *o, unsigned phases)
{
	if (o)
		drive_follow(o->drive, phases);
}


/** Module close: off, whatever the reason it was on */
void output_shutdown(struct output *o)
{
	if (o)
		drive_close(o->drive);
}


bool output_is_on(const struct output *o)
{
	return o && drive_is_on(o->drive);
}


struct output *output_find(const struct list *outputs, unsigned n)
{
	struct le *le;

	LIST_FOREACH(outputs, le) {
		struct output *o = le->data;

		if (o->n == n)
			return o;
	}

	return NULL;
}


/** By number ("2") or by name, case-insensitive */
struct output *output_lookup(const struct list *outputs, const char *key)
{
	struct pl pl;
	uint32_t n;
	struct le *le;

	if (!key)
		return NULL;

	pl_set_str(&pl, key);
	if (!door_parse_u32(&pl, 1, DOOR_MAX_INDEX, &n))
		return output_find(outputs, n);

	LIST_FOREACH(outputs, le) {
		struct output *o = le->data;

		if (!str_casecmp(o->name, key))
			return o;
	}

	return NULL;
}
