/**
 * @file conftext.c  Config values that contain spaces
 *
 * libre's conf_get() stops a value at the first space, which is right for
 * addresses and numbers but cuts "Front door" to "Front" and a command
 * such as "relay_open 1" to "relay_open". For those keys the line is read
 * again from baresip's config file and its whole rest is taken.
 */
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include "door.h"

#define CONF_FILE_MAX (256 * 1024)

/*
 * Weak, so that code using door_conf_text() links into a unit test, where
 * no baresip binary provides it; there the value falls back to libre's
 * first word. In a module baresip always resolves it.
 */
#pragma weak conf_path_get


/** In config text, the first line "key value..."; val = value, trimmed */
int door_conf_line_find(const struct pl *text, const char *key,
			struct pl *val)
{
	size_t klen = str_len(key);
	const char *p, *end;

	if (!text || !klen || !val)
		return EINVAL;

	p = text->p;
	end = text->p + text->l;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *q = p, *vend;

		if (!eol)
			eol = end;

		while (q < eol && (*q == ' ' || *q == '\t'))
			++q;

		if ((size_t)(eol - q) > klen && !memcmp(q, key, klen) &&
		    (q[klen] == ' ' || q[klen] == '\t')) {

			q += klen;
			while (q < eol && (*q == ' ' || *q == '\t'))
				++q;
			vend = eol;
			while (vend > q && (vend[-1] == ' ' ||
					    vend[-1] == '\t' ||
					    vend[-1] == '\r'))
				--vend;

			if (vend > q) {
				val->p = q;
				val->l = (size_t)(vend - q);
				return 0;
			}
		}

		p = eol + 1;
	}

	return ENOENT;
}


static int read_config_file(struct mbuf **mbp)
{
	char dir[256], path[300];
	struct mbuf *mb;
	ssize_t n;
	int fd, err = 0;

	if (!conf_path_get || conf_path_get(dir, sizeof(dir)))
		return ENOENT;
	if (re_snprintf(path, sizeof(path), "%s/config", dir) < 0)
		return ENAMETOOLONG;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;

	mb = mbuf_alloc(4096);
	if (!mb) {
		(void)close(fd);
		return ENOMEM;
	}

	for (;;) {
		uint8_t buf[4096];

		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		if (mb->end + (size_t)n > CONF_FILE_MAX) {
			err = EFBIG;
			break;
		}
		err = mbuf_write_mem(mb, buf, (size_t)n);
		if (err)
			break;
	}
	if (n < 0)
		err = errno;
	(void)close(fd);

	if (err)
		mem_deref(mb);
	else
		*mbp = mb;

	return err;
}


/**
 * Like door_conf_str(), but the value is the whole rest of the line.
 * Falls back to libre's first word when the file cannot be read.
 */
int door_conf_text(const struct conf *conf, const char *key,
		   char *buf, size_t sz)
{
	struct mbuf *mb = NULL;
	struct pl text, val;
	int err;

	if (conf_get(conf, key, &val) || !pl_isset(&val))
		return ENOENT;

	if (!read_config_file(&mb)) {
		text.p = (const char *)mb->buf;
		text.l = mb->end;
		(void)door_conf_line_find(&text, key, &val);
	}

	if (val.l >= sz) {
		warning("door: config %s: value longer than %zu characters\n",
			key, sz - 1);
		err = EINVAL;
	}
	else {
		(void)pl_strcpy(&val, buf, sz);
		err = 0;
	}

	mem_deref(mb);
	return err;
}
