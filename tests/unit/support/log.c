/**
 * @file log.c  baresip's log functions, recording into a buffer
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <re.h>
#include "support.h"

static char logbuf[65536];
static size_t loglen;


static void record(const char *fmt, va_list ap)
{
	int n = re_vsnprintf(logbuf + loglen, sizeof(logbuf) - loglen, fmt,
			     ap);

	if (n > 0)
		loglen += (size_t)n;
	if (loglen >= sizeof(logbuf))
		loglen = sizeof(logbuf) - 1;
}


#define LOG_FUNC(name)					\
	void name(const char *fmt, ...);		\
	void name(const char *fmt, ...)			\
	{						\
		va_list ap;				\
		va_start(ap, fmt);			\
		record(fmt, ap);			\
		va_end(ap);				\
	}

LOG_FUNC(debug)
LOG_FUNC(info)
LOG_FUNC(warning)


const char *test_log(void)
{
	return logbuf;
}


bool test_log_has(const char *text)
{
	return strstr(logbuf, text) != NULL;
}


void test_log_clear(void)
{
	loglen = 0;
	logbuf[0] = '\0';
}


static void stop_loop(void *arg)
{
	(void)arg;
	re_cancel();
}


void test_run_loop(unsigned msec)
{
	struct tmr tmr;

	tmr_init(&tmr);
	tmr_start(&tmr, msec, stop_loop, NULL);
	(void)re_main(NULL);
	tmr_cancel(&tmr);
}
