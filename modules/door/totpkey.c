/**
 * @file totpkey.c  A TOTP secret from the config, and its check for a
 * matcher
 *
 * <prefix>_totp holds the base32 secret (the whole line, so the groups an
 * app shows may keep their spaces), <prefix>_totp_digits the code length.
 * The secret is never logged, not even in part; the key is wiped when
 * freed.
 */
#include <string.h>
#include <time.h>
#include "door.h"


static void key_destructor(void *data)
{
	struct totp_key *k = data;

	memset(k->key, 0, sizeof(k->key));
}


/**
 * Read <prefix>_totp and <prefix>_totp_digits (default 6). ENOENT when no
 * secret is set; EINVAL when it or the digits are malformed, logged
 * (without the secret) unless quiet: the module owning the key logs it
 * once, another one reading it for each call stays quiet.
 */
int totp_key_conf(struct totp_key **kp, const struct conf *conf,
		  const char *prefix, bool quiet)
{
	char key[48], text[4 * TOTP_KEY_MAX];
	struct totp_key *k;
	uint32_t digits = TOTP_DIGITS_MIN;
	size_t len;
	int err;

	if (!kp || !prefix)
		return EINVAL;

	(void)re_snprintf(key, sizeof(key), "%s_totp", prefix);
	err = door_conf_text(conf, key, text, sizeof(text));
	if (err)
		return err;

	k = mem_zalloc(sizeof(*k), key_destructor);
	if (!k) {
		err = ENOMEM;
		goto out;
	}

	len = sizeof(k->key);
	err = totp_base32_decode(k->key, &len, text);
	if (err || len < TOTP_KEY_MIN) {
		if (!quiet)
			warning("door: config %s: the secret is not base32 of %u to"
				" %u bytes (A-Z, 2-7; spaces and '='"
				" ignored); not used\n", key, TOTP_KEY_MIN,
				TOTP_KEY_MAX);
		err = EINVAL;
		goto out;
	}
	k->len = len;

	(void)re_snprintf(key, sizeof(key), "%s_totp_digits", prefix);
	if (quiet ? conf_get_u32(conf, key, &digits) == EINVAL ||
		    digits < TOTP_DIGITS_MIN || digits > TOTP_DIGITS_MAX :
		    door_conf_u32(conf, key, TOTP_DIGITS_MIN, TOTP_DIGITS_MAX,
				  &digits) == EINVAL) {
		err = EINVAL;
		goto out;
	}
	k->digits = digits;

 out:
	memset(text, 0, sizeof(text));
	if (err)
		mem_deref(k);
	else
		*kp = k;

	return err;
}


/**
 * A matcher_check_h: whether the digits are the code of now, or of the
 * step before or after; arg is a struct totp_key. No replay memory: for
 * another module's codes, added as MATCHER_FOREIGN.
 */
bool totp_key_check(const char *digits, size_t len, void *arg)
{
	const struct totp_key *k = arg;

	return k && !totp_verify(k->key, k->len, k->digits,
				 (uint64_t)time(NULL), digits, len, NULL);
}
