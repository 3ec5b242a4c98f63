/**
 * @file support.h  What unit tests link in place of the baresip binary
 *
 * baresip's logger is a function of the baresip executable, which a test
 * program cannot link; log.c records each line so tests can assert that a
 * bad value was reported. gpiod_double.c stands in for libgpiod, since no
 * GPIO chip exists on the test machines.
 */
#ifndef DOOR_TEST_SUPPORT_H
#define DOOR_TEST_SUPPORT_H

#include <stdbool.h>

/* log.c */
const char *test_log(void);            /* everything logged so far */
bool test_log_has(const char *text);
void test_log_clear(void);

/* run libre's loop for a while, so timers and fd handlers fire */
void test_run_loop(unsigned msec);

/* conf.c: conf_alloc_buf() writes this file, conf_path_get() names its
 * folder, as baresip's config file is read again for whole-line values */
const char *test_conf_file(void);

/* commands.c: the "webrelay_event ..." lines door_announce() ran */
const char *test_announced(void);
void test_announced_clear(void);

/* gpiod_double.c: a chip "gpiochip0" of 32 lines; line 5 is "DOOR_LOCK" */
int  gpiod_double_level(unsigned offset);           /* physical, -1 if free */
void gpiod_double_drive(unsigned offset, int level); /* input edge */
int  gpiod_double_flags(unsigned offset);
const char *gpiod_double_consumer(unsigned offset);
bool gpiod_double_requested(unsigned offset);

#endif
