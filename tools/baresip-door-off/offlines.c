/**
 * @file offlines.c  baresip-door-off: every output line in the config
 *
 * The keys are the modules' own (relayN_gpio, dryio_outN_gpio with their
 * _active_low), read by the same code the modules read them with, so the
 * off program cannot disagree with them about a line or its off level.
 */
#include "door.h"
#include "offlines.h"


/* each module with outputs: its key prefix */
static const char *const prefixes[] = {"relay", "dryio_out"};


/**
 * Call lineh for every output line configured, in key order. Stops at the
 * first non-zero return of lineh and returns it.
 */
int off_lines(const struct conf *conf, off_line_h *lineh, void *arg)
{
	size_t i;
	unsigned n;

	if (!conf || !lineh)
		return EINVAL;

	for (i = 0; i < ARRAY_SIZE(prefixes); i++) {
		for (n = 1; n <= DOOR_MAX_INDEX; n++) {
			struct drive_conf dc = {.active_low = false};
			char key[48];
			int err, e;

			err = drive_conf_line(&dc, conf, prefixes[i], n);
			if (err == ENOENT)
				continue;

			(void)re_snprintf(key, sizeof(key), "%s%u_gpio",
					  prefixes[i], n);
			e = lineh(key, &dc, err, arg);
			if (e)
				return e;
		}
	}

	return 0;
}
