/**
 * @file gpiod_double_v1.c  libgpiod 1.x test double, on gpiod_kernel.c
 *
 * Implements the gpiod_* calls of modules/door/gpiod_v1.c as libgpiod
 * 1.6 does them: a chip found by number, name, /dev path or label; lines
 * found by name on every chip in name order; a line is requested through
 * its chip's handle and released with it; the event descriptor blocks.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gpiod.h>
#include "support.h"
#include "gpiod_kernel.h"

#define EVENTS_MAX 16        /* libgpiod 1.x reads at most 16 at once */

const int kuapi = 1;         /* libgpiod 1.x speaks the kernel's uAPI v1 */

struct gpiod_line {
	struct gpiod_chip *chip;
	unsigned offset;
	int fd;               /* while requested through this handle */
	bool events;
};

struct gpiod_chip {
	int index;
	struct gpiod_line lines[32];
};


static struct gpiod_chip *chip_open(int index)
{
	struct gpiod_chip *chip;

	if (index < 0) {
		errno = ENOENT;
		return NULL;
	}

	chip = calloc(1, sizeof(*chip));
	if (!chip)
		return NULL;

	kchip_opened(1);
	chip->index = index;
	for (unsigned i = 0; i < kchip_lines(index); i++) {
		chip->lines[i].chip = chip;
		chip->lines[i].offset = i;
		chip->lines[i].fd = -1;
	}

	return chip;
}


struct gpiod_chip *gpiod_chip_open_lookup(const char *descr)
{
	char name[64];

	if (!descr) {
		errno = EINVAL;
		return NULL;
	}

	if (descr[strspn(descr, "0123456789")] == '\0') {
		snprintf(name, sizeof(name), "gpiochip%lu",
			 strtoul(descr, NULL, 10));
		return chip_open(kchip_find(name));
	}

	if (kchip_by_label(descr) >= 0)
		return chip_open(kchip_by_label(descr));

	if (!strncmp(descr, "/dev/", 5))
		descr += 5;

	if (!strcmp(descr, "null")) {         /* a device, not a GPIO chip */
		errno = ENOTTY;
		return NULL;
	}

	return chip_open(kchip_find(descr));
}


struct gpiod_line *gpiod_chip_get_line(struct gpiod_chip *chip,
				       unsigned int offset)
{
	if (!chip || offset >= kchip_lines(chip->index)) {
		errno = EINVAL;
		return NULL;
	}

	return &chip->lines[offset];
}


struct gpiod_line *gpiod_line_find(const char *name)
{
	for (int c = 0; name && c < KCHIPS; c++) {
		for (unsigned i = 0; i < kchip_lines(c); i++) {
			struct gpiod_chip *chip;

			if (strcmp(name, kline_name(c, i)))
				continue;

			chip = chip_open(c);
			return chip ? &chip->lines[i] : NULL;
		}
	}

	errno = ENOENT;
	return NULL;
}


struct gpiod_chip *gpiod_line_get_chip(struct gpiod_line *line)
{
	return line->chip;
}


static int request(struct gpiod_line *line, const char *consumer,
		   int flags, int value)
{
	int dflags = 0;

	if (line->fd >= 0) {
		errno = EBUSY;
		return -1;
	}

	if (flags & GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW)
		dflags |= GPIOD_DOUBLE_ACTIVE_LOW;
	if (flags & GPIOD_LINE_REQUEST_FLAG_BIAS_DISABLE)
		dflags |= GPIOD_DOUBLE_BIAS_DISABLE;
	if (flags & GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_UP)
		dflags |= GPIOD_DOUBLE_PULL_UP;
	if (flags & GPIOD_LINE_REQUEST_FLAG_BIAS_PULL_DOWN)
		dflags |= GPIOD_DOUBLE_PULL_DOWN;
	dflags |= line->events ? GPIOD_DOUBLE_INPUT | GPIOD_DOUBLE_BOTH_EDGES
			       : GPIOD_DOUBLE_OUTPUT;

	line->fd = kline_request(line->chip->index, line->offset, dflags,
				 consumer, value);
	return line->fd < 0 ? -1 : 0;
}


int gpiod_line_request_output_flags(struct gpiod_line *line,
				    const char *consumer, int flags,
				    int default_val)
{
	line->events = false;
	return request(line, consumer, flags, default_val);
}


int gpiod_line_request_both_edges_events_flags(struct gpiod_line *line,
					       const char *consumer,
					       int flags)
{
	line->events = true;
	return request(line, consumer, flags, 0);
}


void gpiod_line_release(struct gpiod_line *line)
{
	if (!line || line->fd < 0)
		return;

	kline_release(line->chip->index, line->offset);
	line->fd = -1;
	line->events = false;
}


void gpiod_chip_close(struct gpiod_chip *chip)
{
	if (!chip)
		return;

	for (unsigned i = 0; i < kchip_lines(chip->index); i++)
		gpiod_line_release(&chip->lines[i]);

	kchip_opened(-1);
	free(chip);
}


int gpiod_line_get_value(struct gpiod_line *line)
{
	if (line->fd < 0) {
		errno = EPERM;
		return -1;
	}

	return kline_get(line->chip->index, line->offset);
}


int gpiod_line_set_value(struct gpiod_line *line, int value)
{
	if (line->fd < 0) {
		errno = EPERM;
		return -1;
	}

	return kline_set(line->chip->index, line->offset, value);
}


int gpiod_line_event_get_fd(struct gpiod_line *line)
{
	if (line->fd < 0 || !line->events) {
		errno = EPERM;
		return -1;
	}

	return line->fd;
}


int gpiod_line_event_wait(struct gpiod_line *line,
			  const struct timespec *timeout)
{
	struct pollfd pfd = {.events = POLLIN | POLLPRI};
	int r;

	pfd.fd = gpiod_line_event_get_fd(line);
	if (pfd.fd < 0)
		return -1;

	r = ppoll(&pfd, 1, timeout, NULL);
	return r < 0 ? -1 : r > 0;
}


int gpiod_line_event_read_multiple(struct gpiod_line *line,
				   struct gpiod_line_event *events,
				   unsigned int num_events)
{
	bool rising[EVENTS_MAX];
	int fd = gpiod_line_event_get_fd(line);
	int n;

	if (fd < 0)
		return -1;

	if (num_events > EVENTS_MAX)
		num_events = EVENTS_MAX;

	n = kline_read(fd, rising, (int)num_events,
		       "gpiod_line_event_read_multiple");
	for (int i = 0; i < n; i++) {
		memset(&events[i], 0, sizeof(events[i]));
		(void)clock_gettime(CLOCK_MONOTONIC, &events[i].ts);
		events[i].event_type = rising[i]
			? GPIOD_LINE_EVENT_RISING_EDGE
			: GPIOD_LINE_EVENT_FALLING_EDGE;
	}

	return n;
}
