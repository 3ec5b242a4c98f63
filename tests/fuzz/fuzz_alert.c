/**
 * @file fuzz_alert.c  SIP MESSAGE bodies for dryio ("ALERT=text")
 *
 * Input: the content type on the first line, the body after it. A body
 * accepted gives a text that is non-empty, fits, has no control
 * characters and is itself a valid alert text.
 */
#include "fuzz.h"
#include "door.h"
#include "../../modules/dryio/dryio.h"


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char text[DRYIO_ALERT_MAX + 1];
	struct pl ctype, body;
	char *enc;

	if (!fuzz_split(data, size, &ctype, &body)) {
		ctype = pl_null;
		body.p = (const char *)data;
		body.l = size;
	}

	if (alert_parse(pl_isset(&ctype) ? &ctype : NULL,
			(const uint8_t *)body.p, body.l, text, sizeof(text)))
		return 0;

	FUZZ_CHECK(text[0] && strlen(text) <= DRYIO_ALERT_MAX);
	for (const char *p = text; *p; p++)
		FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
	FUZZ_CHECK(alert_text_valid(text));

	/* as the query value of an event URL: unreserved or escaped only */
	if (!re_sdprintf(&enc, "%H", dryio_pct_encode, text)) {
		for (const char *p = enc; *p; p++)
			FUZZ_CHECK(strchr("-._~%", *p) ||
				   (*p >= '0' && *p <= '9') ||
				   (*p >= 'a' && *p <= 'z') ||
				   (*p >= 'A' && *p <= 'Z'));
		mem_deref(enc);
	}

	return 0;
}
