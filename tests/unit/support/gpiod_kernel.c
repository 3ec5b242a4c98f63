/**
 * @file gpiod_kernel.c  The kernel's side of the libgpiod doubles
 *
 * Two chips, with the kernel's rules the backends rely on: a requested
 * line is busy for every other request, values and edges are logical (an
 * active-low line inverts them), flags the kernel refuses are refused, and
 * each edge is one event read from a descriptor, so line.c's fd_listen
 * path runs for real in libre's loop. As in the kernel, a request queues
 * at most 16 events (the uAPI v1 queue; uAPI v2's default for one line):
 * a burst beyond that loses events, the newest in v1, the oldest in v2.
 *
 * Levels follow gpio-sim, the kernel's simulated chip the test-gpio lane
 * runs on: each line has a pull (pull-down unless set), the level of the
 * line whenever no consumer drives it. The outside world sets it (the
 * `pull` attribute, gpiod_double_drive() here), and so does a consumer
 * requesting bias pull-up or pull-down; a released line, output or input,
 * goes back to its pull. On a real pin what an undriven or released line
 * reads depends on the board (its resistors, the pin controller's bias):
 * the double models gpio-sim, where it is defined.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include "support.h"
#include "gpiod_kernel.h"

#define CHIP_MAX 32                     /* index = chip * 32 + offset */
#define KEVENTS  16                     /* a one-line request's queue */

static const struct {
	const char *name;
	const char *label;
	unsigned lines;
} kchips[KCHIPS] = {
	{"gpiochip0", "pinctrl-double", 32},
	{"gpiochip1", "door-expander", 8},
};

/* what the kernel knows about each line, whoever holds it */
struct kline {
	bool requested;
	int flags;
	char consumer[32];
	int level;            /* physical */
	int pull;             /* physical level when nobody drives it */
	int pipe[2];          /* the request's events: one byte per edge */
};

static struct kline klines[KCHIPS * CHIP_MAX] = {
	[0 ... KCHIPS * CHIP_MAX - 1] = {.pipe = {-1, -1}},
};

static const char *const names[KCHIPS * CHIP_MAX] = {
	[5] = "DOOR_LOCK",
	[GPIOD_DOUBLE_CHIP1 + 2] = "EXIT_BUTTON",
};

static int chips_open;

static const int BIASES = GPIOD_DOUBLE_BIAS_DISABLE |
	GPIOD_DOUBLE_PULL_UP | GPIOD_DOUBLE_PULL_DOWN;


static struct kline *kline(int chip, unsigned offset)
{
	if (chip < 0 || chip >= KCHIPS || offset >= kchips[chip].lines)
		return NULL;

	return &klines[chip * CHIP_MAX + offset];
}


/* a line of gpiod_double_*()'s numbering, requested or not */
static struct kline *kline_at(unsigned i)
{
	return kline((int)(i / CHIP_MAX), i % CHIP_MAX);
}


static bool active_low(const struct kline *k)
{
	return (k->flags & GPIOD_DOUBLE_ACTIVE_LOW) != 0;
}


int kchip_find(const char *name)
{
	for (int c = 0; name && c < KCHIPS; c++) {
		if (!strcmp(name, kchips[c].name))
			return c;
	}

	return -1;
}


int kchip_by_label(const char *label)
{
	for (int c = 0; label && c < KCHIPS; c++) {
		if (!strcmp(label, kchips[c].label))
			return c;
	}

	return -1;
}


const char *kchip_name(int chip)
{
	return kchips[chip].name;
}


const char *kchip_label(int chip)
{
	return kchips[chip].label;
}


unsigned kchip_lines(int chip)
{
	return kchips[chip].lines;
}


const char *kline_name(int chip, unsigned offset)
{
	if (!kline(chip, offset) || !names[chip * CHIP_MAX + offset])
		return "";

	return names[chip * CHIP_MAX + offset];
}


void kchip_opened(int delta)
{
	chips_open += delta;
}


/* the kernel's checks of a request's flags (gpiolib-cdev) */
static bool flags_valid(int flags)
{
	const int dir = GPIOD_DOUBLE_INPUT | GPIOD_DOUBLE_OUTPUT;
	int bias = flags & BIASES;

	if ((flags & dir) == dir)
		return false;
	if ((flags & GPIOD_DOUBLE_BOTH_EDGES) && !(flags & GPIOD_DOUBLE_INPUT))
		return false;
	if (bias & (bias - 1))                /* more than one */
		return false;

	return !bias || (flags & dir);        /* bias needs a direction */
}


int kline_request(int chip, unsigned offset, int flags,
		  const char *consumer, int value)
{
	struct kline *k = kline(chip, offset);

	if (!k || !flags_valid(flags)) {
		errno = EINVAL;
		return -1;
	}

	if (k->requested) {
		errno = EBUSY;
		return -1;
	}

	if (pipe2(k->pipe, O_NONBLOCK | O_CLOEXEC))
		return -1;

	memset(k->consumer, 0, sizeof(k->consumer));
	strncpy(k->consumer, consumer && *consumer ? consumer : "?",
		sizeof(k->consumer) - 1);
	k->requested = true;
	k->flags = flags;

	/* gpio-sim takes a requested pull as its own (bias-disable it does
	 * not support: the pull stays), before any edge detection starts */
	if (flags & GPIOD_DOUBLE_PULL_UP)
		k->pull = 1;
	else if (flags & GPIOD_DOUBLE_PULL_DOWN)
		k->pull = 0;

	if (flags & GPIOD_DOUBLE_OUTPUT)
		k->level = (value != 0) != active_low(k);
	else
		k->level = k->pull;

	return k->pipe[0];
}


void kline_release(int chip, unsigned offset)
{
	struct kline *k = kline(chip, offset);

	if (!k || !k->requested)
		return;

	(void)close(k->pipe[0]);
	if (k->pipe[1] >= 0)
		(void)close(k->pipe[1]);

	/* nobody drives it now: back to its pull, as in gpio-sim (which
	 * keeps a pull the consumer requested) */
	k->pipe[0] = k->pipe[1] = -1;
	k->requested = false;
	k->level = k->pull;
	k->flags = 0;
	k->consumer[0] = '\0';
}


int kline_get(int chip, unsigned offset)
{
	const struct kline *k = kline(chip, offset);

	if (!k || !k->requested) {
		errno = EPERM;
		return -1;
	}

	return (k->level != 0) != active_low(k);
}


int kline_set(int chip, unsigned offset, int value)
{
	struct kline *k = kline(chip, offset);

	if (!k || !k->requested || !(k->flags & GPIOD_DOUBLE_OUTPUT)) {
		errno = EPERM;
		return -1;
	}

	k->level = (value != 0) != active_low(k);
	return 0;
}


int kline_read(int fd, bool *rising, int max, const char *who)
{
	char buf[1024];
	ssize_t n;

	if (max > (int)sizeof(buf))
		max = sizeof(buf);

	n = read(fd, buf, (size_t)max);
	if (n < 0 && errno == EAGAIN) {
		fprintf(stderr, "libgpiod double: %s with no event queued"
			" blocks the caller for good\n", who);
		abort();
	}
	if (n == 0) {                          /* unplugged */
		errno = ENODEV;
		return -1;
	}
	if (n < 0)
		return -1;

	for (ssize_t i = 0; i < n; i++)
		rising[i] = buf[i] == 'R';

	return (int)n;
}


/* ---- what tests see and do ---- */

int gpiod_double_level(unsigned i)
{
	const struct kline *k = kline_at(i);

	return k && k->requested ? k->level : -1;
}


/**
 * The outside world pulls a line to a physical level (gpio-sim's `pull`):
 * an input or free line takes it, an output keeps what its consumer
 * drives and takes it once released
 */
void gpiod_double_drive(unsigned i, int level)
{
	struct kline *k = kline_at(i);
	int queued = 0;
	char type;

	if (!k)
		return;

	k->pull = level != 0;
	if ((k->flags & GPIOD_DOUBLE_OUTPUT) || k->pull == k->level)
		return;

	k->level = k->pull;
	if (!(k->flags & GPIOD_DOUBLE_BOTH_EDGES) || k->pipe[1] < 0)
		return;

	/* a full queue: uAPI v1 drops this event, uAPI v2 the oldest */
	if (ioctl(k->pipe[0], FIONREAD, &queued))
		abort();
	if (queued >= KEVENTS) {
		if (kuapi == 1)
			return;
		if (read(k->pipe[0], &type, 1) != 1)
			abort();
	}

	/* edges are logical, as the kernel reports them */
	type = (k->level == 1) != active_low(k) ? 'R' : 'F';
	if (write(k->pipe[1], &type, 1) != 1)
		abort();
}


int gpiod_double_flags(unsigned i)
{
	const struct kline *k = kline_at(i);

	return k ? k->flags : -1;
}


const char *gpiod_double_consumer(unsigned i)
{
	const struct kline *k = kline_at(i);

	return k ? k->consumer : NULL;
}


bool gpiod_double_requested(unsigned i)
{
	const struct kline *k = kline_at(i);

	return k && k->requested;
}


int gpiod_double_pending(unsigned i)
{
	const struct kline *k = kline_at(i);
	int n = 0;

	if (!k || !k->requested || ioctl(k->pipe[0], FIONREAD, &n))
		return -1;

	return n;
}


/** The line's chip goes away: its request reads ENODEV from now on */
void gpiod_double_unplug(unsigned i)
{
	struct kline *k = kline_at(i);

	if (k && k->pipe[1] >= 0) {
		(void)close(k->pipe[1]);
		k->pipe[1] = -1;
	}
}


int gpiod_double_chips_open(void)
{
	return chips_open;
}
