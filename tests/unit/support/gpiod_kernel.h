/**
 * @file gpiod_kernel.h  The kernel's side of the libgpiod doubles
 *
 * What the GPIO character device knows, whichever libgpiod API asks:
 * chips, line names, who holds a line, levels, and each edge as one event
 * on the request's descriptor. gpiod_double_v1.c and gpiod_double_v2.c
 * put the two libgpiod APIs on top of it; the tests see it through
 * support.h.
 */
#ifndef DOOR_GPIOD_KERNEL_H
#define DOOR_GPIOD_KERNEL_H

#include <stdbool.h>

#define KCHIPS 2

/*
 * The GPIO uAPI the API double on top speaks (libgpiod 1.x: 1, 2.x: 2),
 * defined by it: a request's event queue holds 16 events, and when it is
 * full uAPI v1 drops the new event, uAPI v2 the oldest.
 */
extern const int kuapi;

int  kchip_find(const char *name);            /* "gpiochip1": 1, else -1 */
int  kchip_by_label(const char *label);
const char *kchip_name(int chip);
const char *kchip_label(int chip);
unsigned kchip_lines(int chip);
const char *kline_name(int chip, unsigned offset);   /* "" if none */
void kchip_opened(int delta);                 /* +1 open, -1 close */

/*
 * Request a line: flags are GPIOD_DOUBLE_* (support.h), value the logical
 * level of an output. Returns the request's descriptor, or -1 with errno
 * EINVAL (offset past the chip, flags the kernel refuses) or EBUSY.
 */
int  kline_request(int chip, unsigned offset, int flags,
		   const char *consumer, int value);
void kline_release(int chip, unsigned offset);
int  kline_get(int chip, unsigned offset);             /* logical */
int  kline_set(int chip, unsigned offset, int value);  /* EPERM: input */

/*
 * Read up to max events from a request's descriptor: rising[i] is each
 * one's logical direction. Returns the count; -1 with ENODEV once the
 * chip is gone. Reading with nothing queued would block the caller
 * forever, as the kernel's blocking read does: the double aborts.
 */
int  kline_read(int fd, bool *rising, int max, const char *who);

#endif
