/**
 * @file support.h  What unit tests link in place of the baresip binary
 *
 * baresip's logger is a function of the baresip executable, which a test
 * program cannot link; log.c records each line so tests can assert that a
 * bad value was reported. The libgpiod double stands in for libgpiod, since
 * no GPIO chip exists on the test machines.
 */
#ifndef DOOR_TEST_SUPPORT_H
#define DOOR_TEST_SUPPORT_H

#include <stdbool.h>
#include <stddef.h>

/* log.c */
const char *test_log(void);            /* everything logged so far */
bool test_log_has(const char *text);
void test_log_clear(void);

/* tmpdir.c: /tmp/door_NAME_XXXXXX made, and removed with its files */
int  test_dir_make(char *dir, size_t sz, const char *name);
int  test_dir_remove(const char *dir);

/* bus.c: baresip 1.1.0's event names by number, as its uag_event_str()
 * answers (the unit tests' bus answers from this table) */
extern const char *const test_ua_events_v110[];
extern const size_t test_ua_events_v110_n;

/* bus.c: the text of each door event raised, one a line */
const char *test_bus(void);
bool test_bus_has(const char *text);
void test_bus_clear(void);

/* run libre's loop for a while, so timers and fd handlers fire */
void test_run_loop(unsigned msec);

/* conf.c: conf_alloc_buf() writes this file, conf_path_get() names its
 * folder, as baresip's config file is read again for whole-line values */
const char *test_conf_file(void);
struct conf;
struct conf *test_conf_make(const char *fmt, ...);

/* commands.c: the "webrelay_event ..." lines door_announce() ran */
const char *test_announced(void);
void test_announced_clear(void);

/*
 * The libgpiod double (gpiod_kernel.c, with gpiod_double_v1.c or _v2.c for
 * the libgpiod API built against): chip "gpiochip0", label
 * "pinctrl-double", 32 lines, line 5 named "DOOR_LOCK"; chip "gpiochip1",
 * label "door-expander", 8 lines, line 2 named "EXIT_BUTTON". Lines are
 * numbered across chips: gpiochip0's offsets as they are, gpiochip1's
 * line k as GPIOD_DOUBLE_CHIP1 + k.
 */
#define GPIOD_DOUBLE_CHIP1 32
#define GPIOD_DOUBLE_LINES 64

/* how a line was requested, whichever API asked */
enum gpiod_double_flag {
	GPIOD_DOUBLE_INPUT        = 1 << 0,
	GPIOD_DOUBLE_OUTPUT       = 1 << 1,
	GPIOD_DOUBLE_BOTH_EDGES   = 1 << 2,
	GPIOD_DOUBLE_ACTIVE_LOW   = 1 << 3,
	GPIOD_DOUBLE_BIAS_DISABLE = 1 << 4,
	GPIOD_DOUBLE_PULL_UP      = 1 << 5,
	GPIOD_DOUBLE_PULL_DOWN    = 1 << 6,
};

int  gpiod_double_level(unsigned line);           /* physical, -1 if free */
void gpiod_double_drive(unsigned line, int level); /* its pull: edge */
int  gpiod_double_flags(unsigned line);
const char *gpiod_double_consumer(unsigned line);
bool gpiod_double_requested(unsigned line);
int  gpiod_double_pending(unsigned line);         /* events not yet read */
void gpiod_double_unplug(unsigned line);          /* its chip goes away */
int  gpiod_double_chips_open(void);               /* chip handles open */

#endif
