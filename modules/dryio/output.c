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

	tmr_cancel(&o->tmr);
	mem_deref(o->line);
}


static void key_make(char *key, size_t sz, unsigned n, const char *what)
{
	(void)re_snprintf(key, sz, "dryio_out%u_%s", n, what);
}


static const char *hold_name(enum out_hold hold)
{
	switch (hold) {

	case OUT_TIMED:   return "timed";
	case OUT_LATCHED: return "latched";
	case OUT_CALL:    return "call";
	default:          return "off";
	}
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


/* Drive the line and record why; logs and audits real changes */
static int apply(struct output *o, bool on, enum out_hold hold,
		 const char *source, const char *who)
{
	bool was = o->hold != OUT_OFF;
	int err;

	if (!o->line) {
		warning("dryio: out%u (%s) is disabled: its line did not"
			" open\n", o->n, o->name);
		audit(o, on ? "output_on" : "output_off", source, who,
		      "error", "line did not open");
		return ENODEV;
	}

	err = line_set(o->line, on);
	if (err) {
		warning("dryio: out%u (%s): cannot switch %s: %m\n",
			o->n, o->name, on ? "on" : "off", err);
		audit(o, on ? "output_on" : "output_off", source, who,
		      "error", o->name);
		return err;
	}

	o->hold = on ? hold : OUT_OFF;
	if (!on)
		tmr_cancel(&o->tmr);

	if (was == on) {
		debug("dryio: out%u (%s) stays %s (%s, by %s)\n", o->n,
		      o->name, on ? "on" : "off", hold_name(o->hold), source);
		return 0;
	}

	info("dryio: out%u (%s) %s by %s%s%H\n", o->n, o->name,
	     on ? "on" : "off", source, who ? " " : "", door_print_safe,
	     (void *)who);
	audit(o, on ? "output_on" : "output_off", source, who, "ok",
	      o->name);

	return 0;
}


static void tmr_handler(void *arg)
{
	struct output *o = arg;

	if (o->hold == OUT_TIMED)
		(void)apply(o, false, OUT_OFF, "timer", NULL);
}


/**
 * Read dryio_outN_* keys. ENOENT: dryio_outN_gpio is not set. EINVAL: a
 * key is malformed (already logged, naming it); no output then. A line
 * that fails to open leaves the output in the list, disabled.
 */
int output_conf(struct output **op, const struct conf *conf, unsigned n)
{
	struct output *o;
	struct line_cfg lcfg = {LINE_OUTPUT, false, LINE_BIAS_AS_IS, "dryio"};
	char key[48], spec[256], call[32];
	int err = 0, e;

	if (!op || !conf)
		return EINVAL;

	key_make(key, sizeof(key), n, "gpio");
	e = door_conf_str(conf, key, spec, sizeof(spec));
	if (e)
		return e;

	o = mem_zalloc(sizeof(*o), output_destructor);
	if (!o)
		return ENOMEM;

	tmr_init(&o->tmr);
	o->n = n;
	o->hold_ms = 5000;
	(void)re_snprintf(o->name, sizeof(o->name), "Output %u", n);

	key_make(key, sizeof(key), n, "name");
	if (door_conf_text(conf, key, o->name, sizeof(o->name)) == EINVAL)
		err = EINVAL;

	key_make(key, sizeof(key), n, "active_low");
	if (door_conf_bool(conf, key, &lcfg.active_low) == EINVAL)
		err = EINVAL;

	key_make(key, sizeof(key), n, "hold");
	if (door_conf_seconds(conf, key, &o->hold_ms) == EINVAL)
		err = EINVAL;

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

	key_make(key, sizeof(key), n, "call");
	e = door_conf_str(conf, key, call, sizeof(call));
	if (e == EINVAL) {
		err = EINVAL;
	}
	else if (!e) {
		struct pl pl;

		pl_set_str(&pl, call);
		if (door_phase_parse(&pl, &o->phase)) {
			warning("dryio: config %s: '%s' is not incoming,"
				" outgoing, established or call\n", key,
				call);
			err = EINVAL;
		}
	}

	if (err)
		goto out;

	e = line_open(&o->line, spec, &lcfg, NULL, NULL);
	if (e) {
		key_make(key, sizeof(key), n, "gpio");
		warning("dryio: config %s: cannot open line '%s': %s;"
			" out%u disabled\n", key, spec,
			line_error(spec, e), n);
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
	int err;

	if (!o)
		return EINVAL;

	if (o->hold == OUT_LATCHED || o->hold == OUT_CALL) {
		info("dryio: out%u (%s) already on (%s), trigger by %s"
		     " changes nothing\n", o->n, o->name,
		     hold_name(o->hold), source);
		return 0;
	}

	if (!o->hold_ms)
		return apply(o, true, OUT_LATCHED, source, who);

	err = apply(o, true, OUT_TIMED, source, who);
	if (!err)
		tmr_start(&o->tmr, o->hold_ms, tmr_handler, o);

	return err;
}


int output_switch(struct output *o, bool on, const char *source,
		  const char *who)
{
	int err;

	if (!o)
		return EINVAL;

	err = apply(o, on, on ? OUT_LATCHED : OUT_OFF, source, who);
	if (!err)
		tmr_cancel(&o->tmr);

	return err;
}


/** On for the hold time even where triggers would latch it */
int output_pulse(struct output *o, const char *source, const char *who)
{
	int err;

	if (!o)
		return EINVAL;

	err = apply(o, true, OUT_TIMED, source, who);
	if (!err)
		tmr_start(&o->tmr, o->hold_ms ? o->hold_ms : PULSE_DEFAULT_MS,
			  tmr_handler, o);

	return err;
}


/** The calls' phases changed: on while the output's phase lasts */
void output_follow(struct output *o, unsigned phases)
{
	const char *name;

	if (!o || !o->phase)
		return;

	name = door_phase_name(o->phase);

	if (phases & o->phase) {
		/* an explicit "on" stays in charge */
		if (o->hold == OUT_OFF || o->hold == OUT_TIMED) {
			tmr_cancel(&o->tmr);
			(void)apply(o, true, OUT_CALL, "call", name);
		}
	}
	else if (o->hold == OUT_CALL) {
		(void)apply(o, false, OUT_OFF, "call", name);
	}
}


/** Module close: off, whatever the reason it was on */
void output_shutdown(struct output *o)
{
	if (!o)
		return;

	tmr_cancel(&o->tmr);
	if (!o->line)
		return;

	if (o->hold != OUT_OFF)
		(void)apply(o, false, OUT_OFF, "close", NULL);
	else
		(void)line_set(o->line, false);
}


bool output_is_on(const struct output *o)
{
	return o && o->hold != OUT_OFF;
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
