/**
 * @file gline.h  The libgpiod backend behind line.c
 *
 * libgpiod changed its whole API between 1.x (Debian 12) and 2.x (Debian
 * 13 on), so each has its own file, gpiod_v1.c or gpiod_v2.c; the Makefile
 * builds the one that fits the installed libgpiod (pkg-config) and sets
 * DOOR_GPIOD_API to its major version. line.c takes the specs apart; both
 * backends then give the same answers: ENOENT for a missing chip or line
 * name, EINVAL for an offset past the chip's lines, EBUSY for a line that
 * another consumer holds (a device that is no GPIO chip: ENODEV, or
 * ENOTTY from 1.x, which line.c maps), and values that are logical
 * (active-low applied by the kernel).
 */
#ifndef DOOR_GLINE_H
#define DOOR_GLINE_H

#include <stdbool.h>
#include <stdint.h>

struct line_cfg;

/** One requested line; mem_deref releases it and closes its chip */
struct gline;

/* chip: "gpiochip0", "0", a device path or a chip label */
int  gline_open(struct gline **glp, const char *chip, uint32_t offset,
		const struct line_cfg *cfg);
/* the first line of that name, chips taken in name order */
int  gline_find(struct gline **glp, const char *name,
		const struct line_cfg *cfg);

/* inputs: the descriptor edge events arrive on, for fd_listen */
int  gline_fd(const struct gline *gl);
/* the events waiting, up to one buffer, never blocking; n: how many */
int  gline_read(struct gline *gl, unsigned *n);
int  gline_get(struct gline *gl, bool *on);
int  gline_set(struct gline *gl, bool on);

#if DOOR_GPIOD_API == 2
/* where the chips' device files are listed; the unit tests' libgpiod
 * double points it at a folder of its own */
extern const char *gline_dev_dir;
#endif

#endif
