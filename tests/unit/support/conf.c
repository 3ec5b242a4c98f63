/**
 * @file conf.c  Config text as baresip has it: in a file
 *
 * door_conf_text() reads whole-line values again from baresip's config
 * file (conf_path_get()/config). So that unit tests see the same, every
 * config a test makes with conf_alloc_buf() is written to such a file
 * first and loaded from it with libre's conf_alloc(); conf_path_get()
 * names its folder. The newest config is the file's content.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <re.h>
#include "baresip_api.h"
#include "support.h"

static char conf_dir[64];


static void conf_dir_remove(void)
{
	char path[96];

	snprintf(path, sizeof(path), "%s/config", conf_dir);
	(void)unlink(path);
	(void)rmdir(conf_dir);
}


const char *test_conf_file(void)
{
	static char path[96];

	if (!conf_dir[0]) {
		snprintf(conf_dir, sizeof(conf_dir),
			 "/tmp/door_unit_conf_XXXXXX");
		if (!mkdtemp(conf_dir))
			abort();
		atexit(conf_dir_remove);
	}

	snprintf(path, sizeof(path), "%s/config", conf_dir);
	return path;
}


int conf_alloc_buf(struct conf **confp, const uint8_t *buf, size_t sz)
{
	const char *path = test_conf_file();
	FILE *f = fopen(path, "wb");

	if (!f)
		return errno;
	if (sz && fwrite(buf, 1, sz, f) != sz) {
		fclose(f);
		return EIO;
	}
	if (fclose(f))
		return errno;

	return conf_alloc(confp, path);
}


int conf_path_get(char *path, size_t sz)
{
	(void)test_conf_file();
	return re_snprintf(path, sz, "%s", conf_dir) < 0 ? ENAMETOOLONG : 0;
}


/** A config from printf-style text; NULL if it cannot be made */
struct conf *test_conf_make(const char *fmt, ...)
{
	struct conf *conf = NULL;
	char text[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(text))
		return NULL;

	if (conf_alloc_buf(&conf, (const uint8_t *)text, strlen(text)))
		return NULL;

	return conf;
}
