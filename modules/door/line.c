/**
 * @file line.c  GPIO lines: libgpiod (either API, see gline.h) or files
 *
 * Inputs never poll: a libgpiod line's edge-event descriptor, or an
 * inotify descriptor on a file line's folder, goes to libre's fd_listen.
 * The folder is watched rather than the file so that both "echo 1 > f"
 * and an atomic replace (write elsewhere, rename) are seen.
 */
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <libgen.h>
#include <sys/inotify.h>
#include "door.h"
#include "gline.h"

enum { LINE_READS_PER_WAKE = 16 };

struct line {
	char *spec;
	struct line_cfg cfg;
	line_change_h *changeh;
	void *arg;
	bool value;          /* last logical value set or reported */

	/* libgpiod backend */
	struct gline *gl;

	/* file backend */
	char *path;
	char *dir;
	const char *base;    /* inside path */
	int fd;              /* event fd (gpiod) or inotify fd (file) */
};


static void destructor(void *data)
{
	struct line *line = data;

	if (line->fd >= 0) {
		fd_close(line->fd);
		if (!line->gl)
			(void)close(line->fd);  /* gpiod owns its event fd */
	}

	mem_deref(line->gl);

	mem_deref(line->path);
	mem_deref(line->dir);
	mem_deref(line->spec);
}


/* ---- file backend ---- */

static int file_read(const struct line *line, bool *physical)
{
	char buf[16];
	ssize_t n;
	int fd, err = 0;

	fd = open(line->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno;

	n = read(fd, buf, sizeof(buf) - 1);
	if (n < 0)
		err = errno;
	(void)close(fd);
	if (err)
		return err;

	buf[n] = '\0';
	for (char *p = buf; *p; p++) {
		if (*p == '0' || *p == '1') {
			*physical = *p == '1';
			return 0;
		}
		if (*p != ' ' && *p != '\t' && *p != '\n')
			break;
	}

	return EBADMSG;   /* empty (mid-write) or not 0/1: keep last value */
}


/* Atomic: a reader sees the old or the new content, never half */
static int file_write(const struct line *line, bool physical)
{
	char tmp[512];
	int fd, err = 0;

	if (re_snprintf(tmp, sizeof(tmp), "%s.tmp%d", line->path,
			(int)getpid()) < 0)
		return ENAMETOOLONG;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno;

	if (write(fd, physical ? "1\n" : "0\n", 2) != 2)
		err = errno ? errno : EIO;
	if (close(fd) && !err)
		err = errno;

	if (!err && rename(tmp, line->path))
		err = errno;
	if (err)
		(void)unlink(tmp);

	return err;
}


static void report(struct line *line, bool value)
{
	if (value == line->value)
		return;

	line->value = value;
	if (line->changeh)
		line->changeh(value, line->arg);
}


/* An input that can no longer be read: its owner gets the level it
 * asked for (cfg.fail_report), a door contact fails open */
static void report_failed(struct line *line)
{
	if (line->cfg.fail_report)
		report(line, line->cfg.fail_level);
}


static void inotify_handler(int flags, void *arg)
{
	struct line *line = arg;
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	bool ours = false, physical;
	ssize_t n;
	int err;
	(void)flags;

	n = read(line->fd, buf, sizeof(buf));
	for (char *p = buf; n > 0 && p < buf + n; ) {
		const struct inotify_event *ev = (void *)p;

		if (ev->len && !strcmp(ev->name, line->base))
			ours = true;
		p += sizeof(*ev) + ev->len;
	}

	if (!ours)
		return;

	err = file_read(line, &physical);
	if (err == ENOENT)
		report_failed(line);      /* removed, until it is back */
	else if (!err)
		report(line, physical != line->cfg.active_low);
}


static int file_open(struct line *line, const char *path)
{
	bool physical = false;
	char *copy = NULL;
	int err;

	if (!*path || strlen(path) > 400)
		return EINVAL;

	err  = str_dup(&line->path, path);
	err |= str_dup(&copy, path);
	if (err)
		goto out;

	err = str_dup(&line->dir, dirname(copy));
	if (err)
		goto out;

	line->base = strrchr(line->path, '/');
	line->base = line->base ? line->base + 1 : line->path;

	if (line->cfg.dir == LINE_OUTPUT) {
		err = file_write(line, line->cfg.active_low);
		goto out;
	}

	err = file_read(line, &physical);
	if (err == ENOENT)
		goto out;
	if (err)        /* exists but not yet 0/1: the inactive level */
		physical = line->cfg.active_low;
	err = 0;
	line->value = physical != line->cfg.active_low;

	line->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
	if (line->fd < 0) {
		err = errno;
		goto out;
	}

	if (inotify_add_watch(line->fd, line->dir, IN_CLOSE_WRITE |
			      IN_MODIFY | IN_MOVED_TO | IN_CREATE |
			      IN_DELETE | IN_MOVED_FROM) < 0) {
		err = errno;
		goto out;
	}

	err = fd_listen(line->fd, FD_READ, inotify_handler, line);

 out:
	mem_deref(copy);
	return err;
}


/* ---- libgpiod backend ---- */

/* Every event waiting, so one wake-up takes a burst; a line chattering
 * faster than it is read gives the loop back and is read on its next turn */
static int gpiod_drain(struct line *line)
{
	unsigned i, n = 1;
	int err = 0;

	for (i = 0; i < LINE_READS_PER_WAKE && n && !err; i++)
		err = gline_read(line->gl, &n);

	return err;
}


static void gpiod_handler(int flags, void *arg)
{
	struct line *line = arg;
	bool value;
	int err;
	(void)flags;

	/* drain, then read the level: it is what matters after a burst */
	err = gpiod_drain(line);
	if (err) {
		/* the chip went away: stop, rather than spin on its fd */
		fd_close(line->fd);
		line->fd = -1;
		warning("door: line '%s': edge events failed (%m);"
			" input no longer watched\n", line->spec, err);
		report_failed(line);
		return;
	}

	if (!gline_get(line->gl, &value))
		report(line, value);
}


/* "gpiochip0:17", "0:17", "/dev/gpiochip0:17" or a line name */
static int gpiod_open(struct line *line, const char *spec)
{
	const char *colon = strrchr(spec, ':');
	struct line_cfg cfg = line->cfg;
	struct pl offset;
	uint32_t off;
	char chip[128];
	int err;

	if (!cfg.consumer)
		cfg.consumer = "baresip-door";

	if (colon) {
		pl_set_str(&offset, colon + 1);
		if (door_parse_u32(&offset, 0, 1023, &off) ||
		    colon == spec || (size_t)(colon - spec) >= sizeof(chip))
			return EINVAL;

		str_ncpy(chip, spec, (size_t)(colon - spec) + 1);
		err = gline_open(&line->gl, chip, off, &cfg);
	}
	else {
		err = gline_find(&line->gl, spec, &cfg);
	}
	if (err == ENOTTY)     /* not a GPIO chip: libgpiod 1.x's word */
		err = ENODEV;
	if (err || cfg.dir == LINE_OUTPUT)
		return err;

	err = gline_get(line->gl, &line->value);
	if (err)
		return err;

	line->fd = gline_fd(line->gl);
	if (line->fd < 0)
		return EBADF;

	return fd_listen(line->fd, FD_READ, gpiod_handler, line);
}


/**
 * Open a line. Outputs start off (fail-secure). On error the caller logs
 * which config key named the line; nothing is left open.
 */
int line_open(struct line **linep, const char *spec,
	      const struct line_cfg *cfg, line_change_h *changeh, void *arg)
{
	struct line *line;
	int err;

	if (!linep || !spec || !*spec || !cfg)
		return EINVAL;

	line = mem_zalloc(sizeof(*line), destructor);
	if (!line)
		return ENOMEM;

	line->fd      = -1;
	line->cfg     = *cfg;
	line->changeh = changeh;
	line->arg     = arg;

	err = str_dup(&line->spec, spec);
	if (err)
		goto out;

	if (!strncmp(spec, "file:", 5))
		err = file_open(line, spec + 5);
	else
		err = gpiod_open(line, spec);
	line->cfg.consumer = NULL;    /* not owned; only needed to open */

 out:
	if (err)
		mem_deref(line);
	else
		*linep = line;

	return err;
}


/** Drive an output; the logical value, active-low applied here */
int line_set(struct line *line, bool on)
{
	int err;

	if (!line || line->cfg.dir != LINE_OUTPUT)
		return EINVAL;

	if (line->gl)
		err = gline_set(line->gl, on);
	else
		err = file_write(line, on != line->cfg.active_low);

	if (!err)
		line->value = on;

	return err;
}


int line_get(const struct line *line, bool *on)
{
	if (!line || !on)
		return EINVAL;

	*on = line->value;
	return 0;
}


const char *line_spec(const struct line *line)
{
	return line ? line->spec : NULL;
}


/** Why line_open() failed, in words for a log line */
const char *line_error(const char *spec, int err)
{
	bool file = spec && !strncmp(spec, "file:", 5);
	bool name = spec && !strchr(spec, ':');

	if (file)
		return err == ENOENT ? "no such file or folder" : strerror(err);

	switch (err) {

	case ENOENT:
		return name ? "no line of that name on any GPIO chip"
			    : "no such GPIO chip";
	case ENODEV:
		return "not a GPIO chip";
	case EINVAL:
		return name ? "not a line spec"
			    : "not a line spec, or no such line on the chip";
	case EBUSY:
		return "line in use by another program or a kernel driver";
	case EACCES:
	case EPERM:
		return "no permission (the gpio group)";
	default:
		return strerror(err);
	}
}


int line_bias_parse(const struct pl *pl, enum line_bias *bias)
{
	if (!pl || !bias)
		return EINVAL;

	if (!pl_strcasecmp(pl, "pull-up"))
		*bias = LINE_BIAS_PULL_UP;
	else if (!pl_strcasecmp(pl, "pull-down"))
		*bias = LINE_BIAS_PULL_DOWN;
	else if (!pl_strcasecmp(pl, "disable"))
		*bias = LINE_BIAS_DISABLE;
	else if (!pl_strcasecmp(pl, "as-is"))
		*bias = LINE_BIAS_AS_IS;
	else
		return EINVAL;

	return 0;
}
