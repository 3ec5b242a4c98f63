/**
 * @file dinput.c  A debounced input: a line, its trig and one timer
 *
 * Shared by dryio's inputs and relay's door contacts. Level changes come
 * from the line's descriptor (fd_listen in line.c); trig.c decides, and
 * one libre timer wakes it at its next deadline. No polling.
 */
#include <string.h>
#include "door.h"


static void tmr_handler(void *arg);


/* After every step: rearm the timer, log a line taken at the chatter
 * limit (once, until it rests), then tell the owner what changed */
static void step(struct dinput *di, enum trig_action action, bool was)
{
	uint64_t now = tmr_jiffies(), at;
	bool chattering = trig_chattering(&di->trig);

	if (trig_deadline(&di->trig, &at))
		tmr_start(&di->tmr, at > now ? at - now : 0, tmr_handler, di);
	else
		tmr_cancel(&di->tmr);

	if (chattering && !di->chattering)
		warning("%s chattering: taken as %s\n", di->name,
			di->active_name);
	di->chattering = chattering;

	if ((action != TRIG_NONE || was != trig_active(&di->trig)) && di->h)
		di->h(action, di->arg);
}


static void tmr_handler(void *arg)
{
	struct dinput *di = arg;
	bool was = trig_active(&di->trig);

	step(di, trig_tick(&di->trig, tmr_jiffies()), was);
}


static void change_handler(bool value, void *arg)
{
	struct dinput *di = arg;
	bool was = trig_active(&di->trig);

	step(di, trig_level(&di->trig, value, tmr_jiffies()), was);
}


/**
 * Open the input's line and take its level as settled. On error the
 * input stays closed (line NULL) at its inactive level; the caller logs
 * which key named the line (line_error() says why).
 */
int dinput_open(struct dinput *di, const char *spec,
		const struct line_cfg *cfg, const struct dinput_cfg *icfg,
		dinput_h *h, void *arg)
{
	bool level = false;
	int err;

	if (!di || !spec || !cfg || !icfg)
		return EINVAL;

	tmr_init(&di->tmr);
	di->h = h;
	di->arg = arg;
	di->chattering = false;
	str_ncpy(di->name, icfg->name ? icfg->name : "door: input",
		 sizeof(di->name));
	str_ncpy(di->active_name, icfg->active_name ? icfg->active_name
		 : "active", sizeof(di->active_name));

	err = line_open(&di->line, spec, cfg, change_handler, di);
	if (!err)
		(void)line_get(di->line, &level);

	trig_init(&di->trig, icfg->high, icfg->debounce_ms, icfg->hold_ms,
		  level);

	return err;
}


void dinput_close(struct dinput *di)
{
	if (!di)
		return;

	tmr_cancel(&di->tmr);
	di->line = mem_deref(di->line);
	di->h = NULL;
}


/** key: "high" or "low", the level that counts as active */
int dinput_conf_level(const struct conf *conf, const char *module,
		      const char *key, bool *high)
{
	struct pl pl;

	if (conf_get(conf, key, &pl) || !pl_isset(&pl))
		return ENOENT;

	if (!pl_strcasecmp(&pl, "high"))
		*high = true;
	else if (!pl_strcasecmp(&pl, "low"))
		*high = false;
	else {
		warning("%s: config %s: '%r' is not high or low\n",
			module, key, &pl);
		return EINVAL;
	}

	return 0;
}


/** key: pull-up, pull-down, disable or as-is */
int dinput_conf_bias(const struct conf *conf, const char *module,
		     const char *key, enum line_bias *bias)
{
	struct pl pl;

	if (conf_get(conf, key, &pl) || !pl_isset(&pl))
		return ENOENT;

	if (line_bias_parse(&pl, bias)) {
		warning("%s: config %s: '%r' is not pull-up, pull-down,"
			" disable or as-is\n", module, key, &pl);
		return EINVAL;
	}

	return 0;
}
