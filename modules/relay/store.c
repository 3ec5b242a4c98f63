/**
 * @file store.c  Bistable relay states that survive a restart
 *
 * One line per bistable relay, "relayN 0|1". Written to a temporary file,
 * fsync'ed, then renamed over the old one, so a power cut leaves either
 * the old file or the new one, never half of one.
 *
 * Fail-secure: a state that could not be saved must never come back as
 * "on". When a save fails the old file is removed (possible on a full
 * disk, not on a read-only one), and the file is read strictly: anything
 * but whole "relayN 0|1" lines makes the whole file count as unreadable.
 */
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include "door.h"
#include "relay.h"

#define STORE_FILE_MAX 1024   /* 16 lines of "relay16 1\n" fit easily */


/**
 * Save every bistable state. On failure the old file is removed too, so
 * *removed (may be NULL) says whether a stale "on" can still be read.
 */
int store_save(const char *path, const struct list *relays, bool *removed)
{
	struct mbuf *mb;
	struct le *le;
	int err = 0;

	if (removed)
		*removed = false;
	if (!path)
		return 0;

	mb = mbuf_alloc(128);
	if (!mb)
		return ENOMEM;

	LIST_FOREACH(relays, le) {
		const struct relay *r = le->data;

		if (r->mode == RELAY_BISTABLE)
			err |= mbuf_printf(mb, "relay%u %d\n", r->id, r->on);
	}
	if (!err)
		err = door_file_replace(path, mb->buf, mb->end, 0644);

	if (removed)
		*removed = err && (!unlink(path) || errno == ENOENT);
	else if (err)
		(void)unlink(path);
	mem_deref(mb);
	return err;
}


/* "relayN 0|1" exactly, N from 1 to DOOR_MAX_INDEX */
static int line_parse(const struct pl *line, uint32_t *bit, bool *on)
{
	struct pl num;
	uint32_t id;

	if (line->l < 8 || memcmp(line->p, "relay", 5) ||
	    line->p[line->l - 2] != ' ')
		return EBADMSG;

	num.p = line->p + 5;
	num.l = line->l - 7;
	if (num.p[0] == '0' ||
	    door_parse_u32(&num, 1, DOOR_MAX_INDEX, &id))
		return EBADMSG;

	switch (line->p[line->l - 1]) {

	case '0': *on = false; break;
	case '1': *on = true;  break;
	default:  return EBADMSG;
	}

	*bit = 1u << id;
	return 0;
}


/**
 * The saved states: bit N of *on set when relay N was saved on.
 * ENOENT when there is no file; EBADMSG when any line is not a state
 * line, a relay appears twice or the last line is cut; EFBIG when the
 * file is too large to be one. Then *on is 0: nothing is restored.
 */
int store_load(const char *path, uint32_t *on)
{
	char buf[STORE_FILE_MAX + 1];
	uint32_t seen = 0, mask = 0;
	size_t len = 0;
	ssize_t n;
	int fd, err = 0;
	const char *p;

	if (!path || !on)
		return EINVAL;

	*on = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;

	while (len < sizeof(buf) &&
	       (n = read(fd, buf + len, sizeof(buf) - len)) != 0) {
		if (n < 0) {
			err = errno;
			break;
		}
		len += (size_t)n;
	}
	(void)close(fd);

	if (err)
		return err;
	if (len > STORE_FILE_MAX)
		return EFBIG;
	if (len && buf[len - 1] != '\n')
		return EBADMSG;

	for (p = buf; p < buf + len; ) {
		const char *eol = memchr(p, '\n', (size_t)(buf + len - p));
		struct pl line = {p, (size_t)(eol - p)};
		uint32_t bit;
		bool v;

		if (line_parse(&line, &bit, &v) || (seen & bit))
			return EBADMSG;

		seen |= bit;
		if (v)
			mask |= bit;
		p = eol + 1;
	}

	*on = mask;
	return 0;
}
