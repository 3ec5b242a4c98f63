/**
 * @file conf.c  Typed config values with one-line errors naming the key
 */
#include <string.h>
#include <errno.h>
#include "door.h"


int door_parse_bool(const struct pl *pl, bool *val)
{
	static const char *yes[] = {"yes", "true", "on", "1", "enabled"};
	static const char *no[]  = {"no", "false", "off", "0", "disabled"};
	size_t i;

	if (!pl || !val)
		return EINVAL;

	for (i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!pl_strcasecmp(pl, yes[i])) {
			*val = true;
			return 0;
		}
		if (!pl_strcasecmp(pl, no[i])) {
			*val = false;
			return 0;
		}
	}

	return EINVAL;
}


int door_parse_u32(const struct pl *pl, uint32_t min, uint32_t max,
		   uint32_t *val)
{
	uint64_t v = 0;
	size_t i;

	if (!pl || !val || !pl->l || pl->l > 10)
		return EINVAL;

	for (i = 0; i < pl->l; i++) {
		if (pl->p[i] < '0' || pl->p[i] > '9')
			return EINVAL;
		v = v * 10 + (uint64_t)(pl->p[i] - '0');
	}

	if (v < min || v > max)
		return ERANGE;

	*val = (uint32_t)v;
	return 0;
}


/** Seconds with up to three decimals ("5", "0.5", "2.25"), into ms */
int door_parse_seconds(const struct pl *pl, uint32_t *msec)
{
	uint64_t whole = 0, frac = 0, scale = 1000;
	bool dot = false, digits = false;
	size_t i;

	if (!pl || !msec || !pl->l || pl->l > 12)
		return EINVAL;

	for (i = 0; i < pl->l; i++) {
		char c = pl->p[i];

		if (c == '.' && !dot) {
			dot = true;
			continue;
		}
		if (c < '0' || c > '9')
			return EINVAL;

		digits = true;
		if (!dot) {
			whole = whole * 10 + (uint64_t)(c - '0');
		}
		else {
			if (scale == 1)
				return EINVAL;   /* finer than 1 ms */
			scale /= 10;
			frac += (uint64_t)(c - '0') * scale;
		}
	}

	/* 86400.5 is past the documented limit too */
	if (!digits || whole * 1000 + frac > 86400000)
		return EINVAL;

	*msec = (uint32_t)(whole * 1000 + frac);
	return 0;
}


/** 1 to 16 of 0-9 * # A-D */
bool door_dtmf_code_valid(const char *code)
{
	size_t n = str_len(code);

	if (n < 1 || n > 16)
		return false;

	for (; *code; code++) {
		if (!strchr("0123456789*#ABCD", *code))
			return false;
	}

	return true;
}


/* ENOENT when absent, EINVAL (logged) when the line holds more words */
static int conf_value(const struct conf *conf, const char *key,
		      struct pl *pl)
{
	if (!conf || !key)
		return ENOENT;

	return door_conf_word(conf, key, pl);
}


int door_conf_str(const struct conf *conf, const char *key,
		  char *buf, size_t sz)
{
	struct pl pl;
	int err;

	err = conf_value(conf, key, &pl);
	if (err)
		return err;

	if (pl.l >= sz) {
		warning("door: config %s: value longer than %zu characters\n",
			key, sz - 1);
		return EINVAL;
	}

	(void)pl_strcpy(&pl, buf, sz);
	return 0;
}


int door_conf_dup(const struct conf *conf, const char *key, char **strp)
{
	struct pl pl;
	int err;
	char *str;

	err = conf_value(conf, key, &pl);
	if (err)
		return err;

	if (pl_strdup(&str, &pl))
		return ENOMEM;

	mem_deref(*strp);
	*strp = str;
	return 0;
}


int door_conf_bool(const struct conf *conf, const char *key, bool *val)
{
	struct pl pl;
	int err;

	err = conf_value(conf, key, &pl);
	if (err)
		return err;

	if (door_parse_bool(&pl, val)) {
		warning("door: config %s: '%r' is not yes or no\n", key, &pl);
		return EINVAL;
	}

	return 0;
}


int door_conf_u32(const struct conf *conf, const char *key,
		  uint32_t min, uint32_t max, uint32_t *val)
{
	struct pl pl;
	int err;

	err = conf_value(conf, key, &pl);
	if (err)
		return err;

	if (door_parse_u32(&pl, min, max, val)) {
		warning("door: config %s: '%r' is not a whole number"
			" from %u to %u\n", key, &pl, min, max);
		return EINVAL;
	}

	return 0;
}


int door_conf_seconds(const struct conf *conf, const char *key,
		      uint32_t *msec)
{
	struct pl pl;
	int err;

	err = conf_value(conf, key, &pl);
	if (err)
		return err;

	if (door_parse_seconds(&pl, msec)) {
		warning("door: config %s: '%r' is not a number of seconds"
			" (0 to 86400, at most 3 decimals)\n", key, &pl);
		return EINVAL;
	}

	return 0;
}
