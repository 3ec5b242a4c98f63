/**
 * @file fuzz_conf.c  Config values: the typed readers and webrelay's
 * whole config, from one config text
 *
 * The numbers are checked against models written here: u32 values are
 * 1 to 10 decimal digits within the range; seconds are digits with at
 * most one dot and three decimals, up to a day.
 */
#include "fuzz.h"
#include "door.h"
#include "../../modules/webrelay/webrelay.h"


static bool model_u32(const struct pl *pl, uint32_t min, uint32_t max,
		      uint32_t *v)
{
	uint64_t n = 0;

	if (pl->l < 1 || pl->l > 10)
		return false;
	for (size_t i = 0; i < pl->l; i++) {
		if (pl->p[i] < '0' || pl->p[i] > '9')
			return false;
		n = n * 10 + (uint64_t)(pl->p[i] - '0');
	}
	*v = (uint32_t)n;
	return n >= min && n <= max;
}


static bool model_seconds(const struct pl *pl, uint32_t *ms)
{
	const char *dot = pl_strchr(pl, '.');
	struct pl whole = *pl, frac = PL_INIT;
	uint64_t w = 0, f = 0;

	if (pl->l < 1 || pl->l > 12)
		return false;
	if (dot) {
		whole.l = (size_t)(dot - pl->p);
		frac.p = dot + 1;
		frac.l = pl->l - whole.l - 1;
	}
	if (!whole.l && !frac.l)
		return false;
	if (frac.l > 3)
		return false;
	for (size_t i = 0; i < whole.l; i++) {
		if (whole.p[i] < '0' || whole.p[i] > '9')
			return false;
		w = w * 10 + (uint64_t)(whole.p[i] - '0');
	}
	for (size_t i = 0; i < 3; i++) {
		char c = i < frac.l ? frac.p[i] : '0';

		if (c < '0' || c > '9')
			return false;
		f = f * 10 + (uint64_t)(c - '0');
	}
	if (w * 1000 + f > 86400000)
		return false;
	*ms = (uint32_t)(w * 1000 + f);
	return true;
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct webrelay_conf wcfg;
	struct conf *conf = NULL;
	struct pl text = {(const char *)data, size}, val;
	uint32_t u = 0, mu = 0;
	char buf[64];
	char *dup = NULL;
	bool b;

	if (!door_conf_line_find(&text, "k_num", &val)) {
		FUZZ_CHECK(val.p >= text.p && val.p + val.l <= text.p + size);
		FUZZ_CHECK(model_u32(&val, 3, 70000, &mu) ==
			   !door_parse_u32(&val, 3, 70000, &u));
		FUZZ_CHECK(u == 0 || u == mu);
		u = mu = 0;
		FUZZ_CHECK(model_seconds(&val, &mu) ==
			   !door_parse_seconds(&val, &u));
		FUZZ_CHECK(u == mu);
		(void)door_parse_bool(&val, &b);
	}

	if (conf_alloc_buf(&conf, data, size))
		return 0;

	(void)door_conf_str(conf, "k_str", buf, sizeof(buf));
	(void)door_conf_bool(conf, "k_bool", &b);
	(void)door_conf_u32(conf, "k_num", 1, 100, &u);
	(void)door_conf_seconds(conf, "k_sec", &u);
	if (!door_conf_dup(conf, "k_code", &dup))
		(void)door_dtmf_code_valid(dup);
	(void)door_conf_text(conf, "k_text", buf, sizeof(buf));

	memset(&wcfg, 0, sizeof(wcfg));
	(void)webrelay_conf_load(&wcfg, conf);
	webrelay_conf_reset(&wcfg);

	mem_deref(dup);
	mem_deref(conf);
	return 0;
}
