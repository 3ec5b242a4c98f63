/**
 * @file gpiod_double.c  libgpiod v1 test double: one chip, no kernel
 *
 * Implements exactly the gpiod_* calls modules/door/line.c makes, with the
 * kernel's rules that line.c relies on: a requested line is busy for every
 * other request, values are logical (the ACTIVE_LOW flag inverts them),
 * and each edge is one event read from a descriptor, so line.c's
 * fd_listen path runs for real in libre's loop.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <gpiod.h>
#include "support.h"

#define NLINES 32

/* what the kernel knows about each line, whoever holds it */
struct kline {
	bool requested;
	bool output;
	bool events;
	int flags;
	char consumer[32];
	int level;            /* physical */
	int pipe[2];          /* event queue: one byte per edge */
};

struct gpiod_line {
	struct gpiod_chip *chip;
	unsigned offset;
	bool held;            /* requested through this handle */
};

struct gpiod_chip {
	struct gpiod_line lines[NLINES];
};

static struct kline klines[NLINES] = {
	[0 ... NLINES - 1] = {.pipe = {-1, -1}},
};


static bool active_low(const struct kline *k)
{
	return (k->flags & GPIOD_LINE_REQUEST_FLAG_ACTIVE_LOW) != 0;
}


struct gpiod_chip *gpiod_chip_open_lookup(const char *descr)
{
	struct gpiod_chip *chip;
	unsigned i;

	if (!descr || (strcmp(descr, "gpiochip0") && strcmp(descr, "0") &&
		       strcmp(descr, "/dev/gpiochip0"))) {
		errno = ENOENT;
		return NULL;
	}

	chip = calloc(1, sizeof(*chip));
	if (!chip)
		return NULL;

	for (i = 0; i < NLINES; i++) {
		chip->lines[i].chip = chip;
		chip->lines[i].offset = i;
	}

	return chip;
}


struct gpiod_line *gpiod_chip_get_line(struct gpiod_chip *chip,
				       unsigned int offset)
{
	if (!chip || offset >= NLINES) {
		errno = EINVAL;
		return NULL;
	}

	return &chip->lines[offset];
}


struct gpiod_line *gpiod_line_find(const char *name)
{
	struct gpiod_chip *chip;

	if (!name || strcmp(name, "DOOR_LOCK")) {
		errno = ENOENT;
		return NULL;
	}

	chip = gpiod_chip_open_lookup("gpiochip0");
	return chip ? &chip->lines[5] : NULL;
}


struct gpiod_chip *gpiod_line_get_chip(struct gpiod_line *line)
{
	return line->chip;
}


static int request(struct gpiod_line *line, const char *consumer,
		   int flags)
{
	struct kline *k = &klines[line->offset];

	if (k->requested) {
		errno = EBUSY;
		return -1;
	}

	memset(k->consumer, 0, sizeof(k->consumer));
	strncpy(k->consumer, consumer ? consumer : "?",
		sizeof(k->consumer) - 1);
	k->requested = true;
	k->flags = flags;
	line->held = true;
	return 0;
}


int gpiod_line_request_output_flags(struct gpiod_line *line,
				    const char *consumer, int flags,
				    int default_val)
{
	struct kline *k = &klines[line->offset];

	if (request(line, consumer, flags))
		return -1;

	k->output = true;
	k->events = false;
	k->level = (default_val != 0) != active_low(k);
	return 0;
}


int gpiod_line_request_both_edges_events_flags(struct gpiod_line *line,
					       const char *consumer,
					       int flags)
{
	struct kline *k = &klines[line->offset];

	if (request(line, consumer, flags))
		return -1;

	if (pipe2(k->pipe, O_NONBLOCK | O_CLOEXEC)) {
		k->requested = false;
		line->held = false;
		return -1;
	}

	k->output = false;
	k->events = true;
	return 0;
}


void gpiod_line_release(struct gpiod_line *line)
{
	struct kline *k;

	if (!line || !line->held)
		return;

	k = &klines[line->offset];
	if (k->pipe[0] >= 0) {
		(void)close(k->pipe[0]);
		(void)close(k->pipe[1]);
	}

	/* an input keeps its level (the outside world drives it);
	 * a released output floats back to low */
	k->pipe[0] = k->pipe[1] = -1;
	k->requested = false;
	if (k->output)
		k->level = 0;
	k->output = k->events = false;
	k->flags = 0;
	k->consumer[0] = '\0';
	line->held = false;
}


void gpiod_chip_close(struct gpiod_chip *chip)
{
	unsigned i;

	if (!chip)
		return;

	for (i = 0; i < NLINES; i++)
		gpiod_line_release(&chip->lines[i]);

	free(chip);
}


int gpiod_line_get_value(struct gpiod_line *line)
{
	const struct kline *k = &klines[line->offset];

	if (!line->held) {
		errno = EPERM;
		return -1;
	}

	return (k->level != 0) != active_low(k);
}


int gpiod_line_set_value(struct gpiod_line *line, int value)
{
	struct kline *k = &klines[line->offset];

	if (!line->held || !k->output) {
		errno = EPERM;
		return -1;
	}

	k->level = (value != 0) != active_low(k);
	return 0;
}


int gpiod_line_event_get_fd(struct gpiod_line *line)
{
	const struct kline *k = &klines[line->offset];

	if (!line->held || !k->events) {
		errno = EPERM;
		return -1;
	}

	return k->pipe[0];
}


int gpiod_line_event_read_fd(int fd, struct gpiod_line_event *event)
{
	char type;

	if (read(fd, &type, 1) != 1) {
		if (!errno)
			errno = EIO;
		return -1;
	}

	memset(event, 0, sizeof(*event));
	(void)clock_gettime(CLOCK_MONOTONIC, &event->ts);
	event->event_type = type == 'R' ? GPIOD_LINE_EVENT_RISING_EDGE
					: GPIOD_LINE_EVENT_FALLING_EDGE;
	return 0;
}


/* ---- what tests see and do ---- */

int gpiod_double_level(unsigned offset)
{
	if (offset >= NLINES || !klines[offset].requested)
		return -1;

	return klines[offset].level;
}


/** The outside world drives an input to a physical level */
void gpiod_double_drive(unsigned offset, int level)
{
	struct kline *k;
	bool rising;
	char type;

	if (offset >= NLINES)
		return;

	k = &klines[offset];
	level = level != 0;
	if (k->output || level == k->level) {
		if (!k->output)
			k->level = level;
		return;
	}

	k->level = level;
	if (!k->events)
		return;

	/* edges are logical, as the kernel reports them */
	rising = (level == 1) != active_low(k);
	type = rising ? 'R' : 'F';
	if (write(k->pipe[1], &type, 1) != 1)
		abort();
}


int gpiod_double_flags(unsigned offset)
{
	return offset < NLINES ? klines[offset].flags : -1;
}


const char *gpiod_double_consumer(unsigned offset)
{
	return offset < NLINES ? klines[offset].consumer : NULL;
}


bool gpiod_double_requested(unsigned offset)
{
	return offset < NLINES && klines[offset].requested;
}
