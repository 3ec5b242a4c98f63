/**
 * @file driveconf.c  An output's config keys, read the same way for relay
 * (relayN_*), dryio (dryio_outN_*) and the service's off program
 */
#include <string.h>
#include "door.h"


static void key_make(char *key, size_t sz, const char *prefix, unsigned n,
		     const char *what)
{
	(void)re_snprintf(key, sz, "%s%u_%s", prefix, n, what);
}


/**
 * The line and its off level: PREFIXn_gpio and PREFIXn_active_low.
 * ENOENT: no PREFIXn_gpio, no such output. EINVAL: logged, naming the key.
 */
int drive_conf_line(struct drive_conf *dc, const struct conf *conf,
		    const char *prefix, unsigned n)
{
	char key[48];
	int err;

	if (!dc || !conf || !prefix || n < 1 || n > DOOR_MAX_INDEX)
		return EINVAL;

	key_make(key, sizeof(key), prefix, n, "gpio");
	err = door_conf_str(conf, key, dc->spec, sizeof(dc->spec));
	if (err)
		return err;

	key_make(key, sizeof(key), prefix, n, "active_low");
	return door_conf_bool(conf, key, &dc->active_low) == EINVAL ?
		EINVAL : 0;
}


/**
 * Every key an output shares: the line's (above), PREFIXn_name,
 * PREFIXn_hold and the call phase it follows, PREFIXn_<phase_key>, from
 * their defaults. ENOENT: no such output. EINVAL: every malformed key
 * logged, naming it.
 */
int drive_conf_read(struct drive_conf *dc, const struct conf *conf,
		    const struct drive_keys *keys, unsigned n)
{
	const char *prefix = keys ? keys->prefix : NULL;
	const char *module = keys ? keys->module : "door";
	char key[48], phase[32];
	int err, e;

	if (!dc || !keys || !keys->phase_key || !keys->name)
		return EINVAL;

	memset(dc, 0, sizeof(*dc));
	dc->hold_ms = 5000;
	(void)re_snprintf(dc->name, sizeof(dc->name), "%s %u", keys->name, n);

	err = drive_conf_line(dc, conf, prefix, n);
	if (err == ENOENT)
		return err;

	key_make(key, sizeof(key), prefix, n, "name");
	if (door_conf_text(conf, key, dc->name, sizeof(dc->name)) == EINVAL)
		err = EINVAL;

	key_make(key, sizeof(key), prefix, n, "hold");
	if (door_conf_seconds(conf, key, &dc->hold_ms) == EINVAL)
		err = EINVAL;

	key_make(key, sizeof(key), prefix, n, keys->phase_key);
	e = door_conf_str(conf, key, phase, sizeof(phase));
	if (e == EINVAL) {
		err = EINVAL;
	}
	else if (!e) {
		struct pl pl;

		pl_set_str(&pl, phase);
		if (door_phase_parse(&pl, &dc->phase)) {
			warning("%s: config %s: '%s' is not incoming,"
				" outgoing, established or call\n", module,
				key, phase);
			err = EINVAL;
		}
	}

	return err;
}
