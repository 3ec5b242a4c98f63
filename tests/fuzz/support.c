/**
 * @file support.c  What fuzz targets link in place of the baresip binary
 *
 * baresip's log functions print nothing here: a fuzzer runs millions of
 * inputs and the sanitizers, not the log, are what it watches. There is
 * no config file either, so conftext's fallback read fails cleanly.
 */
#include <errno.h>
#include <stddef.h>
#include "fuzz.h"

#define LOG_FUNC(name)				\
	void name(const char *fmt, ...);	\
	void name(const char *fmt, ...)		\
	{					\
		(void)fmt;			\
	}

LOG_FUNC(debug)
LOG_FUNC(info)
LOG_FUNC(warning)


int conf_path_get(char *path, size_t sz);
int conf_path_get(char *path, size_t sz)
{
	(void)path;
	(void)sz;
	return ENOENT;
}


/** Split the input at the first newline; false when there is none */
bool fuzz_split(const uint8_t *data, size_t size, struct pl *a,
		struct pl *b)
{
	const uint8_t *nl = memchr(data, '\n', size);

	if (!nl)
		return false;

	a->p = (const char *)data;
	a->l = (size_t)(nl - data);
	b->p = (const char *)nl + 1;
	b->l = size - a->l - 1;
	return true;
}


/** A NUL-terminated copy of a pl, NULL when out of memory */
char *fuzz_str(const struct pl *pl)
{
	char *s = NULL;

	(void)pl_strdup(&s, pl);
	return s;
}
