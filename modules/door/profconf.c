/**
 * @file profconf.c  Time profiles from the config: door_profileN
 *
 * door_profileN <name> <hours>, N = 1..16, read whole (the hours hold
 * spaces). Shared by every door module, each reading them for itself.
 */
#include <string.h>
#include "door.h"


/**
 * Append each valid door_profileN to profiles; EINVAL after logging one
 * line per bad or duplicate profile, which is left out.
 */
int profile_conf(struct list *profiles, const struct conf *conf)
{
	char key[32], text[512], name[32];
	unsigned n;
	int err = 0;

	if (!profiles)
		return EINVAL;

	for (n = 1; n <= DOOR_MAX_INDEX; n++) {
		struct profile *p = NULL;
		const char *spec;
		size_t len;
		int e;

		(void)re_snprintf(key, sizeof(key), "door_profile%u", n);
		e = door_conf_text(conf, key, text, sizeof(text));
		if (e == ENOENT)
			continue;
		if (e) {
			err = EINVAL;
			continue;
		}

		/* the name, white space, the hours */
		len = strcspn(text, " \t");
		spec = text + len + strspn(text + len, " \t");
		if (!*spec || len >= sizeof(name)) {
			warning("door: config %s: <name> <days> <HH:MM-HH:MM>"
				"[, ...] expected\n", key);
			err = EINVAL;
			continue;
		}
		str_ncpy(name, text, len + 1);

		if (profile_find(profiles, name)) {
			warning("door: config %s: a profile named '%s' is"
				" already set\n", key, name);
			err = EINVAL;
			continue;
		}

		e = profile_parse(&p, name, spec);
		if (e) {
			warning("door: config %s: '%s' is not days (Mo-Fr, Sa)"
				" and HH:MM-HH:MM ranges separated by ','%s\n",
				key, spec, e == EOVERFLOW ?
				" (at most 64 day-ranges)" : "");
			err = EINVAL;
			continue;
		}

		profile_link(p, profiles);
	}

	return err;
}
