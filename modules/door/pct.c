/**
 * @file pct.c  Percent-encoding (RFC 3986)
 *
 * Kept apart from cmd.c, which calls baresip, so that module files the
 * unit tests link alone can use it too.
 */
#include <string.h>
#include "door.h"


/** The value of one hex digit, -1 for anything else */
int door_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;

	return -1;
}


/** Percent-encoding of everything but the unreserved characters */
int door_pct_encode(struct re_printf *pf, const char *str)
{
	static const char hex[] = "0123456789ABCDEF";
	int err = 0;

	for (; str && *str && !err; str++) {
		unsigned char c = (unsigned char)*str;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("-._~", c)) {
			err = pf->vph((const char *)&c, 1, pf->arg);
		}
		else {
			char esc[3] = {'%', hex[c >> 4], hex[c & 0xf]};

			err = pf->vph(esc, sizeof(esc), pf->arg);
		}
	}

	return err;
}
