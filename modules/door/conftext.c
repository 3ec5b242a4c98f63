/**
 * @file conftext.c  Config values that contain spaces
 *
 * libre's conf_get() stops a value at the first space, which is right for
 * addresses and numbers but cuts "Front door" to "Front", a command such
 * as "relay_open 1" to "relay_open" and a password "open sesame" to
 * "open". For those keys the line is read again from baresip's config
 * file and its whole rest is taken. Whole or refused: when that cannot be
 * done (the file is unreadable or too large, the line is not there as
 * baresip read it, the value holds a NUL byte) the key is an error, never
 * libre's first word. A module's init runs inside door_conf_once(), so
 * the file is read once for all its keys.
 */
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/stat.h>
#include "door.h"

/* far above any real config (baresip takes seconds to parse one this
 * size); libre itself reads any size */
#define CONF_FILE_MAX (1024 * 1024)

/*
 * Weak, so that code using door_conf_text() links into a program with no
 * baresip binary (the unit tests' support code provides one); without it
 * every whole-line value is refused. In a module baresip resolves it.
 */
#pragma weak conf_path_get

/* the file's text while a module's init runs (door_conf_once) */
static struct {
	unsigned depth;
	struct mbuf *mb;
	int err;                 /* why it could not be read */
	char path[4200];
} once;


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


static int read_config_file(struct mbuf **mbp, char *path, size_t sz)
{
	char dir[4096];
	struct mbuf *mb;
	struct stat st;
	ssize_t n = 0;
	int fd, err = 0;

	if (!conf_path_get)
		return ENOSYS;
	err = conf_path_get(dir, sizeof(dir));
	if (err)
		return err;
	if (re_snprintf(path, sz, "%s/config", dir) < 0)
		return ENAMETOOLONG;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;

	if (fstat(fd, &st)) {
		err = errno;
		goto out;
	}
	if (st.st_size > CONF_FILE_MAX) {
		err = EFBIG;
		goto out;
	}

	mb = mbuf_alloc((size_t)st.st_size + 1);
	if (!mb) {
		err = ENOMEM;
		goto out;
	}

	for (;;) {
		uint8_t buf[4096];

		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		if (mb->end + (size_t)n > CONF_FILE_MAX) {
			err = EFBIG;     /* grew while being read */
			break;
		}
		err = mbuf_write_mem(mb, buf, (size_t)n);
		if (err)
			break;
	}
	if (n < 0)
		err = errno;

	if (err)
		mem_deref(mb);
	else
		*mbp = mb;

 out:
	(void)close(fd);
	return err;
}


/* libre's first word must begin the whole value, as a word of its own */
static bool same_value(const struct pl *word, const struct pl *val)
{
	return val->l >= word->l && !memcmp(val->p, word->p, word->l) &&
		(val->l == word->l || val->p[word->l] == ' ' ||
		 val->p[word->l] == '\t');
}


/* The config file's text into *mbp (a reference): read now, or the copy
 * read once during a module's init */
static int config_text(struct mbuf **mbp, char *path, size_t sz)
{
	if (!once.depth)
		return read_config_file(mbp, path, sz);

	if (!once.mb && !once.err) {
		str_ncpy(once.path, "the config file", sizeof(once.path));
		once.err = read_config_file(&once.mb, once.path,
					    sizeof(once.path));
	}

	str_ncpy(path, once.path, sz);
	if (once.err)
		return once.err;

	*mbp = mem_ref(once.mb);
	return 0;
}


/*
 * The key's whole value, from the config file read again into *mbp;
 * EINVAL (logged, naming the key) when it cannot be had as baresip read it
 */
static int conf_line(const struct conf *conf, const char *key,
		     struct mbuf **mbp, struct pl *word, struct pl *val)
{
	char path[4200] = "the config file";
	struct pl text;
	int err;

	if (!conf || !key)
		return EINVAL;

	if (conf_get(conf, key, word) || !pl_isset(word))
		return ENOENT;

	err = config_text(mbp, path, sizeof(path));
	if (err) {
		warning("door: config %s: cannot read %s again for the whole"
			" value (%m%s); %s not used\n", key, path, err,
			err == EFBIG ? ", larger than 1 MiB" : "", key);
		return EINVAL;
	}

	text.p = (const char *)(*mbp)->buf;
	text.l = (*mbp)->end;
	if (door_conf_line_find(&text, key, val) || !same_value(word, val)) {
		warning("door: config %s: %s does not hold the line baresip"
			" read (changed since start?); %s not used\n",
			key, path, key);
		err = EINVAL;
	}
	else if (memchr(val->p, '\0', val->l)) {
		warning("door: config %s: the value holds a NUL byte; not"
			" used\n", key);
		err = EINVAL;
	}

	if (err)
		*mbp = mem_deref(*mbp);
	return err;
}


/**
 * Like door_conf_str(), but the value is the whole rest of the line,
 * trimmed. The first line of the key counts, as for every baresip key.
 * EINVAL, logged with the key, when the whole value cannot be had.
 */
int door_conf_text(const struct conf *conf, const char *key,
		   char *buf, size_t sz)
{
	struct mbuf *mb = NULL;
	struct pl word, val;
	int err;

	if (!buf || !sz)
		return EINVAL;

	err = conf_line(conf, key, &mb, &word, &val);
	if (err)
		return err;

	if (val.l >= sz) {
		warning("door: config %s: value longer than %zu characters\n",
			key, sz - 1);
		err = EINVAL;
	}
	else {
		(void)pl_strcpy(&val, buf, sz);
	}

	mem_deref(mb);
	return err;
}


/**
 * libre's one-word value of a key, checked against the whole line: a
 * line with more words ("/var/lib/my door/state") is EINVAL, logged,
 * rather than silently the first word.
 */
int door_conf_word(const struct conf *conf, const char *key, struct pl *pl)
{
	struct mbuf *mb = NULL;
	struct pl val;
	int err;

	if (!pl)
		return EINVAL;

	err = conf_line(conf, key, &mb, pl, &val);
	if (err)
		return err;

	if (val.l != pl->l) {
		warning("door: config %s: one value expected, the line holds"
			" more words; %s not used\n", key, key);
		err = EINVAL;
	}

	mem_deref(mb);
	return err;
}


/**
 * Run a module's init with baresip's config file read at most once for
 * all the whole-line values it asks for (not once per key); the copy is
 * dropped when init returns.
 */
int door_conf_once(door_init_h *init)
{
	int err;

	if (!init)
		return EINVAL;

	++once.depth;
	err = init();
	if (!--once.depth) {
		once.mb = mem_deref(once.mb);
		once.err = 0;
	}

	return err;
}
