/**
 * @file input.c  One dry-contact input: config, line, debounce/hold timer
 *
 * Level changes arrive from the line's descriptor (fd_listen in line.c);
 * trig.c decides, one libre timer wakes it at its next deadline.
 */
#include <string.h>
#include "door.h"
#include "dryio.h"

#define DEBOUNCE_MAX_MS 60000


static void input_destructor(void *data)
{
	struct input *in = data;

	tmr_cancel(&in->tmr);
	mem_deref(in->line);
	mem_deref(in->alert);
	mem_deref(in->command);
}


static void key_make(char *key, size_t sz, unsigned n, const char *what)
{
	(void)re_snprintf(key, sz, "dryio_in%u_%s", n, what);
}


static void tmr_handler(void *arg);


static void act(struct input *in, enum trig_action action)
{
	uint64_t now = tmr_jiffies(), at;
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

	if (trig_deadline(&in->trig, &at))
		tmr_start(&in->tmr, at > now ? at - now : 0, tmr_handler, in);
	else
		tmr_cancel(&in->tmr);
}


static void tmr_handler(void *arg)
{
	struct input *in = arg;

	act(in, trig_tick(&in->trig, tmr_jiffies()));
}


static void change_handler(bool value, void *arg)
{
	struct input *in = arg;

	debug("dryio: in%u level %d\n", in->n, value);
	act(in, trig_level(&in->trig, value, tmr_jiffies()));
}


static int conf_trigger(const struct conf *conf, const char *key,
			bool *high)
{
	struct pl pl;

	if (conf_get(conf, key, &pl) || !pl_isset(&pl))
		return ENOENT;

	if (!pl_strcasecmp(&pl, "high"))
		*high = true;
	else if (!pl_strcasecmp(&pl, "low"))
		*high = false;
	else {
		warning("dryio: config %s: '%r' is not high or low\n",
			key, &pl);
		return EINVAL;
	}

	return 0;
}


static int conf_bias(const struct conf *conf, const char *key,
		     enum line_bias *bias)
{
	struct pl pl;

	if (conf_get(conf, key, &pl) || !pl_isset(&pl))
		return ENOENT;

	if (line_bias_parse(&pl, bias)) {
		warning("dryio: config %s: '%r' is not pull-up, pull-down,"
			" disable or as-is\n", key, &pl);
		return EINVAL;
	}

	return 0;
}


static bool command_valid(const char *cmd)
{
	size_t n = str_len(cmd);

	if (!n || n > 400)
		return false;

	for (; *cmd; cmd++) {
		if ((unsigned char)*cmd < 0x20 || *cmd == 0x7f)
			return false;
	}

	return true;
}


/**
 * Read dryio_inN_* keys. ENOENT: dryio_inN_gpio is not set. EINVAL: a
 * key is malformed (already logged, naming it); no input then. A line
 * that fails to open leaves the input in the list, disabled.
 */
int input_conf(struct input **ip, const struct conf *conf, unsigned n,
	       input_fire_h *fireh, void *arg)
{
	struct line_cfg lcfg = {LINE_INPUT, false, LINE_BIAS_AS_IS, "dryio"};
	uint32_t debounce = 50, hold = 0, output = 0;
	struct input *in;
	char key[48], spec[256], text[401];
	bool high = false, level = false;
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

	tmr_init(&in->tmr);
	in->n = n;
	in->fireh = fireh;
	in->arg = arg;
	(void)re_snprintf(in->name, sizeof(in->name), "Input %u", n);

	key_make(key, sizeof(key), n, "name");
	if (door_conf_text(conf, key, in->name, sizeof(in->name)) == EINVAL)
		err = EINVAL;

	key_make(key, sizeof(key), n, "bias");
	if (conf_bias(conf, key, &lcfg.bias) == EINVAL)
		err = EINVAL;

	key_make(key, sizeof(key), n, "debounce");
	if (door_conf_u32(conf, key, 0, DEBOUNCE_MAX_MS, &debounce) == EINVAL)
		err = EINVAL;

	key_make(key, sizeof(key), n, "trigger");
	if (conf_trigger(conf, key, &high) == EINVAL)
		err = EINVAL;

	key_make(key, sizeof(key), n, "hold");
	if (door_conf_seconds(conf, key, &hold) == EINVAL)
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
	e = door_conf_text(conf, key, text, sizeof(text));
	if (e == EINVAL) {
		err = EINVAL;
	}
	else if (!e && !command_valid(text)) {
		warning("dryio: config %s: not a usable command (1 to 400"
			" printable characters)\n", key);
		err = EINVAL;
	}
	else if (!e) {
		err |= str_dup(&in->command, text);
	}

	if (err)
		goto out;

	e = line_open(&in->line, spec, &lcfg, change_handler, in);
	if (e) {
		key_make(key, sizeof(key), n, "gpio");
		warning("dryio: config %s: cannot open line '%s': %s;"
			" in%u disabled\n", key, spec,
			line_error(spec, e), n);
	}
	else {
		(void)line_get(in->line, &level);
	}

	trig_init(&in->trig, high, debounce, hold, level);

	if (in->line && trig_active(&in->trig))
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
	return in && in->trig.level;
}
