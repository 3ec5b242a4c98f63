/**
 * @file gpiod_v2.c  GPIO lines through the libgpiod 2.x API (Debian 13 on)
 *
 * A line request lives on without its chip, so the chip is closed as soon
 * as the line is requested. libgpiod 2 has no chip lookup by number or
 * label and no search by line name: the chips are found here the way
 * libgpiod 1.x found them, as the gpiochip* entries of /dev in name order.
 * The request's descriptor is blocking, so events are read only after a
 * zero-timeout wait says one is there.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <gpiod.h>
#include "door.h"
#include "gline.h"

#if DOOR_GPIOD_API != 2
#error "gpiod_v2.c is the libgpiod 2.x backend; the Makefile picks one"
#endif

enum { EVENTS_PER_READ = 16 };    /* the kernel queues 16 per line */

struct gline {
	struct gpiod_line_request *req;
	struct gpiod_edge_event_buffer *events;   /* inputs only */
	unsigned int offset;
};

/** Called for each GPIO chip; true keeps it and ends the walk */
typedef bool (chip_h)(struct gpiod_chip *chip, void *arg);

const char *gline_dev_dir = "/dev";


static void destructor(void *data)
{
	struct gline *gl = data;

	gpiod_edge_event_buffer_free(gl->events);
	gpiod_line_request_release(gl->req);
}


static int err_or(int fallback)
{
	return errno ? errno : fallback;
}


static int chip_filter(const struct dirent *de)
{
	return !strncmp(de->d_name, "gpiochip", 8);
}


/*
 * Every chip in name order, until the handler keeps one. ENOENT when none
 * is kept; a chip that could not be opened (permissions) gives its error
 * instead, so that a search does not say "no such line" for a line it
 * was not allowed to see.
 */
static int chips_walk(chip_h *h, void *arg)
{
	struct dirent **ents = NULL;
	int i, n, err = ENOENT;
	bool kept = false;

	n = scandir(gline_dev_dir, &ents, chip_filter, alphasort);
	if (n < 0)
		return err_or(ENOENT);

	for (i = 0; i < n && !kept; i++) {
		struct gpiod_chip *chip;
		char path[300];

		if (re_snprintf(path, sizeof(path), "%s/%s", gline_dev_dir,
				ents[i]->d_name) < 0 ||
		    !gpiod_is_gpiochip_device(path))
			continue;

		errno = 0;
		chip = gpiod_chip_open(path);
		if (!chip) {
			if (err == ENOENT)
				err = err_or(EIO);
			continue;
		}

		kept = h(chip, arg);
		if (!kept)
			gpiod_chip_close(chip);
	}

	for (i = 0; i < n; i++)
		free(ents[i]);
	free(ents);

	return kept ? 0 : err;
}


struct find {
	const char *key;
	struct gpiod_chip *chip;
	unsigned int offset;
};


static bool label_h(struct gpiod_chip *chip, void *arg)
{
	struct find *f = arg;
	struct gpiod_chip_info *info = gpiod_chip_get_info(chip);
	bool match;

	match = info && !strcmp(gpiod_chip_info_get_label(info), f->key);
	gpiod_chip_info_free(info);
	if (match)
		f->chip = chip;

	return match;
}


static bool name_h(struct gpiod_chip *chip, void *arg)
{
	struct find *f = arg;
	int offset = gpiod_chip_get_line_offset_from_name(chip, f->key);

	if (offset < 0)
		return false;

	f->chip = chip;
	f->offset = (unsigned int)offset;
	return true;
}


/* "0" is /dev/gpiochip0; "gpiochip0" too; a path is itself; else a label */
static int chip_open(struct gpiod_chip **chipp, const char *descr)
{
	struct find f = {descr, NULL, 0};
	char path[300];
	int err;

	if (descr[strspn(descr, "0123456789")] == '\0') {
		if (strlen(descr) > 9)
			return ENOENT;
		err = re_snprintf(path, sizeof(path), "%s/gpiochip%lu",
				  gline_dev_dir, strtoul(descr, NULL, 10));
	}
	else if (strchr(descr, '/')) {
		err = re_snprintf(path, sizeof(path), "%s", descr);
	}
	else {
		err = re_snprintf(path, sizeof(path), "%s/%s", gline_dev_dir,
				  descr);
	}
	if (err < 0)
		return ENAMETOOLONG;

	errno = 0;
	*chipp = gpiod_chip_open(path);
	if (*chipp)
		return 0;

	err = err_or(ENOENT);
	if (err != ENOENT || strchr(descr, '/'))
		return err;

	err = chips_walk(label_h, &f);
	*chipp = f.chip;
	return err;
}


static enum gpiod_line_bias bias_of(enum line_bias bias)
{
	switch (bias) {

	case LINE_BIAS_DISABLE:   return GPIOD_LINE_BIAS_DISABLED;
	case LINE_BIAS_PULL_UP:   return GPIOD_LINE_BIAS_PULL_UP;
	case LINE_BIAS_PULL_DOWN: return GPIOD_LINE_BIAS_PULL_DOWN;
	default:                  return GPIOD_LINE_BIAS_AS_IS;
	}
}


static int settings_make(struct gpiod_line_settings *s,
			 const struct line_cfg *cfg)
{
	int r;

	gpiod_line_settings_set_active_low(s, cfg->active_low);

	if (cfg->dir == LINE_OUTPUT) {
		r  = gpiod_line_settings_set_direction(s,
				GPIOD_LINE_DIRECTION_OUTPUT);
		r |= gpiod_line_settings_set_output_value(s,
				GPIOD_LINE_VALUE_INACTIVE);
	}
	else {
		r  = gpiod_line_settings_set_direction(s,
				GPIOD_LINE_DIRECTION_INPUT);
		r |= gpiod_line_settings_set_edge_detection(s,
				GPIOD_LINE_EDGE_BOTH);
		r |= gpiod_line_settings_set_bias(s, bias_of(cfg->bias));
	}

	return r ? err_or(EINVAL) : 0;
}


/* Request one line of an open chip, which is closed in any case */
static int request(struct gline **glp, struct gpiod_chip *chip,
		   unsigned int offset, const struct line_cfg *cfg)
{
	struct gpiod_line_settings *settings;
	struct gpiod_request_config *rcfg;
	struct gpiod_line_config *lcfg;
	struct gline *gl;
	int err;

	gl = mem_zalloc(sizeof(*gl), destructor);
	if (!gl) {
		gpiod_chip_close(chip);
		return ENOMEM;
	}

	gl->offset = offset;

	errno = 0;
	settings = gpiod_line_settings_new();
	lcfg = gpiod_line_config_new();
	rcfg = gpiod_request_config_new();
	if (!settings || !lcfg || !rcfg) {
		err = err_or(ENOMEM);
		goto out;
	}

	err = settings_make(settings, cfg);
	if (err)
		goto out;

	errno = 0;
	if (gpiod_line_config_add_line_settings(lcfg, &offset, 1,
						settings) < 0) {
		err = err_or(EINVAL);
		goto out;
	}

	gpiod_request_config_set_consumer(rcfg, cfg->consumer);

	errno = 0;
	gl->req = gpiod_chip_request_lines(chip, rcfg, lcfg);
	if (!gl->req) {
		err = err_or(EIO);
		goto out;
	}

	if (cfg->dir == LINE_INPUT) {
		errno = 0;
		gl->events = gpiod_edge_event_buffer_new(EVENTS_PER_READ);
		if (!gl->events)
			err = err_or(ENOMEM);
	}

 out:
	gpiod_request_config_free(rcfg);
	gpiod_line_config_free(lcfg);
	gpiod_line_settings_free(settings);
	gpiod_chip_close(chip);

	if (err)
		mem_deref(gl);
	else
		*glp = gl;

	return err;
}


int gline_open(struct gline **glp, const char *chip, uint32_t offset,
	       const struct line_cfg *cfg)
{
	struct gpiod_chip *c;
	int err;

	err = chip_open(&c, chip);
	if (err)
		return err;

	return request(glp, c, offset, cfg);
}


int gline_find(struct gline **glp, const char *name,
	       const struct line_cfg *cfg)
{
	struct find f = {name, NULL, 0};
	int err;

	err = chips_walk(name_h, &f);
	if (err)
		return err;

	return request(glp, f.chip, f.offset, cfg);
}


int gline_fd(const struct gline *gl)
{
	return gl && gl->events ? gpiod_line_request_get_fd(gl->req) : -1;
}


int gline_read(struct gline *gl, unsigned *n)
{
	int r;

	if (!gl || !gl->events || !n)
		return EINVAL;

	*n = 0;
	errno = 0;
	r = gpiod_line_request_wait_edge_events(gl->req, 0);
	if (r == 0 || (r < 0 && errno == EINTR))
		return 0;
	if (r < 0)
		return err_or(EIO);

	errno = 0;
	r = gpiod_line_request_read_edge_events(gl->req, gl->events,
						EVENTS_PER_READ);
	if (r < 0)
		return err_or(EIO);

	*n = (unsigned)r;
	return 0;
}


int gline_get(struct gline *gl, bool *on)
{
	enum gpiod_line_value v;

	if (!gl || !on)
		return EINVAL;

	errno = 0;
	v = gpiod_line_request_get_value(gl->req, gl->offset);
	if (v == GPIOD_LINE_VALUE_ERROR)
		return err_or(EIO);

	*on = v == GPIOD_LINE_VALUE_ACTIVE;
	return 0;
}


int gline_set(struct gline *gl, bool on)
{
	if (!gl)
		return EINVAL;

	errno = 0;
	if (gpiod_line_request_set_value(gl->req, gl->offset,
					 on ? GPIOD_LINE_VALUE_ACTIVE
					    : GPIOD_LINE_VALUE_INACTIVE) < 0)
		return err_or(EIO);

	return 0;
}
