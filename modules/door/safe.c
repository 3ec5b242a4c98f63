/**
 * @file safe.c  Printing what a peer wrote (URIs, names) into the log
 *
 * A From URI may carry escape sequences or other control bytes that
 * would rewrite a terminal or forge log lines. Every peer-controlled
 * string goes through door_print_safe before it reaches a log line.
 */
#include "door.h"


/** %H handler: str with control and non-ASCII bytes replaced by '?' */
int door_print_safe(struct re_printf *pf, void *str)
{
	const unsigned char *p = str;
	char buf[64];
	size_t n = 0;
	int err = 0;

	for (; p && *p && !err; p++) {
		buf[n++] = (*p < 0x20 || *p >= 0x7f) ? '?' : (char)*p;
		if (n == sizeof(buf)) {
			err = pf->vph(buf, n, pf->arg);
			n = 0;
		}
	}

	if (!err && n)
		err = pf->vph(buf, n, pf->arg);

	return err;
}
