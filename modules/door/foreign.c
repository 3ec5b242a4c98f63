/**
 * @file foreign.c  The other door module's DTMF codes, for a matcher
 *
 * relay and dryio both judge every digit of a call. A code that opens
 * something in one module must not count as a wrong code in the other, so
 * each matcher also holds the other module's codes as MATCHER_FOREIGN:
 * typed, they clear the digits without a match or a failure. They are
 * added only while the other module is loaded (its list command exists);
 * otherwise they are wrong codes like any other. relay's TOTP codes are
 * foreign in dryio while valid (a replay is relay's to refuse).
 */
#include "door.h"


static int add_keys(struct matcher *m, const char *fmt)
{
	const struct conf *conf = conf_cur();
	char key[32], code[32];
	unsigned n;
	int err = 0;

	for (n = 1; n <= DOOR_MAX_INDEX && !err; n++) {
		(void)re_snprintf(key, sizeof(key), fmt, n);
		if (conf_get_str(conf, key, code, sizeof(code)))
			continue;
		if (door_dtmf_code_valid(code))
			err = matcher_add(m, code, MATCHER_FOREIGN);
	}

	return err;
}


static int add_totp(struct matcher *m)
{
	const struct conf *conf = conf_cur();
	char prefix[16], key[32];
	struct pl pl;
	unsigned n;
	int err = 0;

	for (n = 1; n <= DOOR_MAX_INDEX && !err; n++) {
		struct totp_key *k = NULL;

		/* only where a secret is set; relay logs its errors */
		(void)re_snprintf(key, sizeof(key), "relay%u_totp", n);
		if (conf_get(conf, key, &pl))
			continue;

		(void)re_snprintf(prefix, sizeof(prefix), "relay%u", n);
		if (totp_key_conf(&k, conf, prefix, true))
			continue;
		err = matcher_add_check(m, totp_key_check, k,
					MATCHER_FOREIGN);
		mem_deref(k);
	}

	return err;
}


/** module: the module filling m ("relay" or "dryio") */
int door_codes_foreign(struct matcher *m, const char *module)
{
	if (!str_cmp(module, "relay") && door_cmd_exists("dryio_list"))
		return add_keys(m, "dryio_out%u_dtmf");
	if (!str_cmp(module, "dryio") && door_cmd_exists("relay_list"))
		return add_keys(m, "relay%u_dtmf") | add_totp(m);

	return 0;
}


/**
 * A module's own codes, one per item of its list, then the other module's
 * as foreign (above). codeh gives an item's code (NULL or "" for none) and
 * its id. All are added even past a failure; the first error is returned.
 */
int door_codes_fill(struct matcher *m, const struct list *items,
		    door_code_h *codeh, const char *module)
{
	struct le *le;
	int err = 0, e;

	LIST_FOREACH(items, le) {
		int id = 0;
		const char *code = codeh(le->data, &id);

		if (!code || !code[0])
			continue;
		e = matcher_add(m, code, id);
		if (!err)
			err = e;
	}

	e = door_codes_foreign(m, module);
	return err ? err : e;
}
