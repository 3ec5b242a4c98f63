/**
 * @file fuzz_codebody.c  httpopen's POST /api/codes body parser
 * (untrusted: any client with the credentials sends one, and its values
 * become words of a relay_code_add command line)
 */
#include "fuzz.h"
#include "../../modules/httpopen/httpopen.h"


/* Each value a word of the command: no space, '=', control or NUL */
static void check_word(const char *s, size_t sz, bool required)
{
	size_t n = strnlen(s, sz);

	FUZZ_CHECK(n < sz);
	FUZZ_CHECK(!required || n > 0);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		FUZZ_CHECK(c > 0x20 && c < 0x7f && c != '=' && c != '"' &&
			   c != '\\');
	}
}


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl body = {(const char *)data, size};
	struct codereq cr, again;
	char why[128], line[512], json[512];
	struct pl pl;
	bool list;

	if (codereq_parse(&cr, &body, why, sizeof(why))) {
		FUZZ_CHECK(why[0] && strnlen(why, sizeof(why)) < sizeof(why));
		FUZZ_CHECK(!strchr(why, '\n'));
		FUZZ_CHECK(!cr.code[0] && !cr.relays[0]);
		return 0;
	}

	check_word(cr.relays, sizeof(cr.relays), true);
	check_word(cr.code, sizeof(cr.code), true);
	check_word(cr.name, sizeof(cr.name), false);
	check_word(cr.until, sizeof(cr.until), false);
	check_word(cr.hours, sizeof(cr.hours), false);
	FUZZ_CHECK(cr.uses <= 1000000);

	/* the arguments: two words, then name=value words only */
	FUZZ_CHECK(re_snprintf(line, sizeof(line), "%H", codereq_print,
			       &cr) > 0);
	FUZZ_CHECK(!strchr(line, '\n') && !strstr(line, "  "));

	/* the same request written plainly parses to the same thing */
	/* several relays as a list, one as a string (a number or name) */
	list = strchr(cr.relays, ',') != NULL;
	(void)re_snprintf(json, sizeof(json),
			  "{\"relay\":%s%s%s,\"code\":\"%s\"",
			  list ? "[" : "\"", cr.relays, list ? "]" : "\"",
			  cr.code);
	if (cr.name[0])
		(void)re_snprintf(json + strlen(json), sizeof(json) -
				  strlen(json), ",\"name\":\"%s\"", cr.name);
	if (cr.until[0])
		(void)re_snprintf(json + strlen(json), sizeof(json) -
				  strlen(json), ",\"until\":\"%s\"", cr.until);
	if (cr.uses)
		(void)re_snprintf(json + strlen(json), sizeof(json) -
				  strlen(json), ",\"uses\":%u", cr.uses);
	if (cr.hours[0])
		(void)re_snprintf(json + strlen(json), sizeof(json) -
				  strlen(json), ",\"hours\":\"%s\"", cr.hours);
	(void)re_snprintf(json + strlen(json), sizeof(json) - strlen(json),
			  "}");

	pl_set_str(&pl, json);
	FUZZ_CHECK(!codereq_parse(&again, &pl, why, sizeof(why)));
	FUZZ_CHECK(!memcmp(&cr, &again, sizeof(cr)));

	return 0;
}
