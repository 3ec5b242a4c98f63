/**
 * @file foreign.c  The other door module's DTMF codes, for a matcher
 *
 * relay and dryio both judge every digit of a call. A code that opens
 * something in one module must not count as a wrong code in the other, so
 * each matcher also holds the other module's codes as MATCHER_FOREIGN:
 * typed, they clear the digits without a match or a failure. They are
 * added only while the other module is loaded (its list command exists);
 * otherwise they are wrong codes like any other. relay's TOTP codes are
 * foreign in dryio while valid (a replay is relay's to refuse), and so
 * are relay's visitor codes, which change at run time: relay answers
 * relay_code_known for the digits typed so far.
 *
 * The other module's config codes and TOTP secrets are read once, by
 * door_foreign_init() at module start, not at each call.
 */
#include <string.h>
#include "door.h"

static struct {
	char module[8];
	char codes[DOOR_MAX_INDEX][17];
	struct list keys;             /* struct fkey, relay's TOTP secrets */
} fo;

struct fkey {
	struct le le;
	struct totp_key *key;
};


static void fkey_destructor(void *data)
{
	struct fkey *fk = data;

	list_unlink(&fk->le);
	mem_deref(fk->key);
}


static void read_codes(const struct conf *conf, const char *fmt)
{
	char key[32], code[32];
	unsigned n;

	for (n = 1; n <= DOOR_MAX_INDEX; n++) {
		(void)re_snprintf(key, sizeof(key), fmt, n);
		if (!conf_get_str(conf, key, code, sizeof(code)) &&
		    door_dtmf_code_valid(code))
			str_ncpy(fo.codes[n - 1], code, sizeof(fo.codes[0]));
	}
}


static int read_totp(const struct conf *conf)
{
	char prefix[16], key[32];
	struct pl pl;
	unsigned n;

	for (n = 1; n <= DOOR_MAX_INDEX; n++) {
		struct totp_key *k = NULL;
		struct fkey *fk;

		/* only where a secret is set; relay logs its errors */
		(void)re_snprintf(key, sizeof(key), "relay%u_totp", n);
		if (conf_get(conf, key, &pl))
			continue;

		(void)re_snprintf(prefix, sizeof(prefix), "relay%u", n);
		if (totp_key_conf(&k, conf, prefix, true))
			continue;

		fk = mem_zalloc(sizeof(*fk), fkey_destructor);
		if (!fk) {
			mem_deref(k);
			return ENOMEM;
		}
		fk->key = k;
		list_append(&fo.keys, &fk->le, fk);
	}

	return 0;
}


/** module: the module that will fill matchers ("relay" or "dryio") */
int door_foreign_init(const char *module)
{
	const struct conf *conf = conf_cur();

	door_foreign_close();
	str_ncpy(fo.module, module ? module : "", sizeof(fo.module));

	if (!str_cmp(module, "relay")) {
		read_codes(conf, "dryio_out%u_dtmf");
		return 0;
	}
	if (!str_cmp(module, "dryio")) {
		read_codes(conf, "relay%u_dtmf");
		return read_totp(conf);
	}

	return 0;
}


void door_foreign_close(void)
{
	list_flush(&fo.keys);
	memset(fo.codes, 0, sizeof(fo.codes));
	fo.module[0] = '\0';
}


/* a matcher_check_h: whether relay has a visitor code of these digits */
static bool visitor_check(const char *digits, size_t len, void *arg)
{
	(void)arg;

	if (len < VCODE_DIGITS_MIN || len > 16)
		return false;

	return door_cmd_run(NULL, "relay_code_known %b", digits, len) == 0;
}


/** The other module's codes as foreign; nothing before door_foreign_init */
int door_codes_foreign(struct matcher *m, const char *module)
{
	struct le *le;
	unsigned n;
	int err = 0;

	if (str_cmp(module, fo.module) ||
	    !door_cmd_exists(!str_cmp(module, "relay") ? "dryio_list" :
			     "relay_list"))
		return 0;

	for (n = 0; n < DOOR_MAX_INDEX; n++) {
		if (fo.codes[n][0])
			err |= matcher_add(m, fo.codes[n], MATCHER_FOREIGN);
	}

	LIST_FOREACH(&fo.keys, le) {
		struct fkey *fk = le->data;

		err |= matcher_add_check(m, totp_key_check, fk->key,
					 MATCHER_FOREIGN);
	}

	if (!str_cmp(module, "dryio") && door_cmd_exists("relay_code_known"))
		err |= matcher_add_exact(m, visitor_check, NULL,
					 MATCHER_FOREIGN);

	return err;
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
