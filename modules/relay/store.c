/**
 * @file store.c  Bistable relay states that survive a restart
 *
 * One line per bistable relay, "relayN 0|1". Written to a temporary file,
 * fsync'ed, then renamed over the old one, so a power cut leaves either
 * the old file or the new one, never half of one.
 */
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include "door.h"
#include "relay.h"


int store_save(const char *path, const struct list *relays)
{
	struct mbuf *mb;
	char tmp[512];
	struct le *le;
	int fd, err = 0;

	if (!path)
		return 0;

	if (re_snprintf(tmp, sizeof(tmp), "%s.tmp", path) < 0)
		return ENAMETOOLONG;

	mb = mbuf_alloc(128);
	if (!mb)
		return ENOMEM;

	LIST_FOREACH(relays, le) {
		const struct relay *r = le->data;

		if (r->mode == RELAY_BISTABLE)
			err |= mbuf_printf(mb, "relay%u %d\n", r->id, r->on);
	}
	if (err)
		goto out;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		err = errno;
		goto out;
	}

	if (write(fd, mb->buf, mb->end) != (ssize_t)mb->end)
		err = errno ? errno : EIO;
	if (!err && fsync(fd))
		err = errno;
	if (close(fd) && !err)
		err = errno;
	if (!err && rename(tmp, path))
		err = errno;
	if (err)
		(void)unlink(tmp);

 out:
	if (err)
		warning("relay: relay_state_file %s: cannot save (%m)\n",
			path, err);
	mem_deref(mb);
	return err;
}


/** ENOENT when the file or the relay's line is absent */
int store_load(const char *path, unsigned id, bool *on)
{
	char line[64];
	FILE *f;
	int err = ENOENT;

	if (!path || !on)
		return EINVAL;

	f = fopen(path, "re");
	if (!f)
		return errno;

	while (fgets(line, sizeof(line), f)) {
		unsigned n;
		int v;

		if (sscanf(line, "relay%u %d", &n, &v) == 2 && n == id &&
		    (v == 0 || v == 1)) {
			*on = v == 1;
			err = 0;
		}
	}

	(void)fclose(f);
	return err;
}
