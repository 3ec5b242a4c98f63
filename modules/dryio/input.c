/**
 * @file input.c  One dry-contact input: config and what it does
 *
 * The line, its debounce and its timer are door/dinput.c's; this file
 * reads the config and acts when the input fires or is released.
 */
#include <string.h>
#include "door.h"
#include "dryio.h"

#define DEBOUNCE_MAX_MS 60000


static void input_destructor(void *data)
{
	struct input *in = data;

	dinput_close(&in->di);
	mem_deref(in->alert);
	mem_deref(in->command);
}


static void key_make(char *key, size_t sz, unsigned n, const char *what)
{
	(void)re_snprintf(key, sz, "dryio_in%u_%s", n, what);
}


static void act(enum trig_action action, void *arg)
{
	struct input *in = arg;
	char id[8];

	switch (action) {

	case TRIG_FIRE:
		if (in->fireh)
			in->fireh(in, in->arg);
		break;

	case TRIG_RELEASE:
		info("dryio: in%u (%s) released\n", in->n, in->name);
		(void)re_snprintf(id, sizeof(id), "%u", in->n);
		door_bus_emit("dryio", "input_released", "input", id,
			      "name", in->name, "state", "off",
			      "source", "input", NULL);
		break;

	default:
		break;
	}
}


/**
 * Read dryio_inN_* keys. ENOENT: dryio_inN_gpio is not set. EINVAL: a
 * key is malformed (already logged, naming it); no input then. A line
 * that fails to open leaves the input in the list, disabled.
 */
int input_conf(struct input **ip, const struct conf *conf, unsigned n,
	       input_fire_h *fireh, void *arg)
{
	struct line_cfg lcfg = {.dir = LINE_INPUT, .consumer = "dryio"};
	struct dinput_cfg icfg = {.high = false, .debounce_ms = 50};
	uint32_t output = 0;
	struct input *in;
	char key[48], spec[256], text[401];
	int err = 0, e;

	if (!ip || !conf)
		return EINVAL;

	key_make(key, sizeof(key), n, "gpio");
	e = door_conf_str(conf, key, spec, sizeof(spec));
	if (e)
		return e;

	in = mem_zalloc(sizeof(*in), input_destructor);
	if (!in)
		return ENOMEM;

	in->n = n;
	in->fireh = fireh;
	in->arg = arg;
	(void)re_snprintf(in->name, sizeof(in->name), "Input %u", n);

	key_make(key, sizeof(key), n, "name");
	if (door_conf_text(conf, key, in->name, sizeof(in->name)) == EINVAL)
		err = EINVAL;

	key_make(key, sizeof(key), n, "bias");
	if (dinput_conf_bias(conf, "dryio", key, &lcfg.bias) == EINVAL)
		err = EINVAL;

	key_make(key, sizeof(key), n, "debounce");
	if (door_conf_u32(conf, key, 0, DEBOUNCE_MAX_MS,
			  &icfg.debounce_ms) == EINVAL)
		err = EINVAL;

	key_make(key, sizeof(key), n, "trigger");
	if (dinput_conf_level(conf, "dryio", key, &icfg.high) == EINVAL)
		err = EINVAL;

	key_make(key, sizeof(key), n, "hold");
	if (door_conf_seconds(conf, key, &icfg.hold_ms) == EINVAL)
		err = EINVAL;

	key_make(key, sizeof(key), n, "output");
	if (door_conf_u32(conf, key, 1, DOOR_MAX_INDEX, &output) == EINVAL)
		err = EINVAL;
	in->output = output;

	key_make(key, sizeof(key), n, "alert");
	e = door_conf_text(conf, key, text, sizeof(text));
	if (e == EINVAL) {
		err = EINVAL;
	}
	else if (!e && !alert_text_valid(text)) {
		warning("dryio: config %s: not a usable alert text (1 to %u"
			" printable characters)\n", key, DRYIO_ALERT_MAX);
		err = EINVAL;
	}
	else if (!e) {
		err |= str_dup(&in->alert, text);
	}

	key_make(key, sizeof(key), n, "command");
	if (door_conf_command(conf, "dryio", key, &in->command) == EINVAL)
		err = EINVAL;

	if (err)
		goto out;

	(void)re_snprintf(key, sizeof(key), "dryio: in%u", n);
	(void)re_snprintf(text, sizeof(text), "%s (%s)", key, in->name);
	icfg.name = text;
	icfg.active_name = "triggered";
	e = dinput_open(&in->di, spec, &lcfg, &icfg, act, in);
	if (e) {
		key_make(key, sizeof(key), n, "gpio");
		warning("dryio: config %s: cannot open line '%s': %s;"
			" in%u disabled\n", key, spec,
			line_error(spec, e), n);
	}

	if (in->di.line && trig_active(&in->di.trig))
		info("dryio: in%u (%s) is at its trigger level at start;"
		     " it triggers on its next change\n", n, in->name);

 out:
	if (err)
		mem_deref(in);
	else
		*ip = in;

	return err;
}


/** The level last seen on the line, debounced or not */
bool input_level(const struct input *in)
{
	return in && in->di.trig.level;
}
