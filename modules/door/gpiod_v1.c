/**
 * @file gpiod_v1.c  GPIO lines through the libgpiod 1.x API (Debian 12)
 *
 * A line is requested through its chip handle; closing the chip releases
 * the line. The event descriptor is blocking, so events are read only
 * after a zero-timeout wait says one is there.
 */
#include <errno.h>
#include <gpiod.h>
#include "door.h"
#include "gline.h"

#if DOOR_GPIOD_API != 1
#error "gpiod_v1.c is the libgpiod 1.x backend; the Makefile picks one"
#endif

enum { EVENTS_PER_READ = 16 };    /* the most libgpiod reads at once */

struct gline {
	struct gpiod_chip *chip;
	struct gpiod_line *line;
};


static void destructor(void *data)
{
	struct gline *gl = data;

	if (gl->line)
		gpiod_line_release(gl->line);
	if (gl->chip)
		gpiod_chip_close(gl->chip);
}


static int err_or(int fallback)
{
	return errno ? errno : fallback;
}


static int request_flags(const struct line_cfg *cfg)
{
	int flags = cfg->active_low ? GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW : 0;

	if (cfg->dir == LINE_OUTPUT)
		return flags;

	switch (cfg->bias) {

	case LINE_BIAS_DISABLE:
		return flags | GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE;
	case LINE_BIAS_PULL_UP:
		return flags | GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP;
	case LINE_BIAS_PULL_DOWN:
		return flags | GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN;
	default:
		return flags;
	}
}


/* Request a line of an open chip; the chip is the gline's, or closed */
static int request(struct gline **glp, struct gpiod_chip *chip,
		   struct gpiod_line *line, const struct line_cfg *cfg)
{
	int flags = request_flags(cfg);
	struct gline *gl;
	int r;

	gl = mem_zalloc(sizeof(*gl), destructor);
	if (!gl) {
		gpiod_chip_close(chip);
		return ENOMEM;
	}

	gl->chip = chip;
	gl->line = line;

	errno = 0;
	if (cfg->dir == LINE_OUTPUT)
		r = gpiod_line_request_output_flags(line, cfg->consumer,
						    flags, 0);
	else
		r = gpiod_line_request_both_edges_events_flags(line,
							       cfg->consumer,
							       flags);
	if (r < 0) {
		r = err_or(EIO);
		mem_deref(gl);
		return r;
	}

	*glp = gl;
	return 0;
}


/* chip: a number, a name, a /dev path or a label, as libgpiod's tools */
int gline_open(struct gline **glp, const char *chip, uint32_t offset,
	       const struct line_cfg *cfg)
{
	struct gpiod_chip *c;
	struct gpiod_line *line;
	int err;

	errno = 0;
	c = gpiod_chip_open_lookup(chip);
	if (!c)
		return err_or(ENOENT);

	errno = 0;
	line = gpiod_chip_get_line(c, offset);
	if (!line) {
		err = err_or(EINVAL);
		gpiod_chip_close(c);
		return err;
	}

	return request(glp, c, line, cfg);
}


int gline_find(struct gline **glp, const char *name,
	       const struct line_cfg *cfg)
{
	struct gpiod_line *line;

	errno = 0;
	line = gpiod_line_find(name);
	if (!line)
		return err_or(ENOENT);

	return request(glp, gpiod_line_get_chip(line), line, cfg);
}


int gline_fd(const struct gline *gl)
{
	return gl ? gpiod_line_event_get_fd(gl->line) : -1;
}


int gline_read(struct gline *gl, unsigned *n)
{
	static const struct timespec now = {0, 0};
	struct gpiod_line_event ev[EVENTS_PER_READ];
	int r;

	if (!gl || !n)
		return EINVAL;

	*n = 0;
	errno = 0;
	r = gpiod_line_event_wait(gl->line, &now);
	if (r == 0 || (r < 0 && errno == EINTR))
		return 0;
	if (r < 0)
		return err_or(EIO);

	errno = 0;
	r = gpiod_line_event_read_multiple(gl->line, ev, EVENTS_PER_READ);
	if (r < 0)
		return err_or(EIO);

	*n = (unsigned)r;
	return 0;
}


int gline_get(struct gline *gl, bool *on)
{
	int v;

	if (!gl || !on)
		return EINVAL;

	errno = 0;
	v = gpiod_line_get_value(gl->line);
	if (v < 0)
		return err_or(EIO);

	*on = v == 1;
	return 0;
}


int gline_set(struct gline *gl, bool on)
{
	if (!gl)
		return EINVAL;

	errno = 0;
	return gpiod_line_set_value(gl->line, on) < 0 ? err_or(EIO) : 0;
}
