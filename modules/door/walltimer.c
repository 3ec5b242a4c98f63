/**
 * @file walltimer.c  A timer at a wall-clock time, told of clock steps
 *
 * libre's timers count monotonic time, so a timer set for 18:00 fires at
 * the wrong moment once NTP or `date` steps the clock. A timerfd on
 * CLOCK_REALTIME, absolute and cancelled on a clock set, fires at the
 * wall-clock time itself and wakes at once when the clock is stepped, so
 * the owner can look at the time again. One descriptor, in libre's loop.
 */
#include <string.h>
#include <unistd.h>
#include <sys/timerfd.h>
#include "door.h"

struct walltimer {
	int fd;
	time_t at;
	walltimer_h *h;
	void *arg;
};


static void destructor(void *data)
{
	struct walltimer *wt = data;

	if (wt->fd >= 0) {
		fd_close(wt->fd);
		(void)close(wt->fd);
	}
}


static int arm(struct walltimer *wt)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	/* disarmed, a timer far ahead still reports clock steps */
	its.it_value.tv_sec = wt->at ? wt->at :
		time(NULL) + 366 * 86400;

	if (timerfd_settime(wt->fd, TFD_TIMER_ABSTIME |
			    TFD_TIMER_CANCEL_ON_SET, &its, NULL))
		return errno;

	return 0;
}


static void fd_handler(int flags, void *arg)
{
	struct walltimer *wt = arg;
	uint64_t n;
	ssize_t got;
	bool stepped;
	(void)flags;

	got = read(wt->fd, &n, sizeof(n));
	if (got < 0 && errno == EAGAIN)
		return;
	stepped = got < 0 && errno == ECANCELED;

	/* cancelled or expired: re-armed by the handler or kept watching */
	wt->at = 0;
	(void)arm(wt);
	wt->h(stepped, wt->arg);
}


int walltimer_alloc(struct walltimer **wtp, walltimer_h *h, void *arg)
{
	struct walltimer *wt;
	int err;

	if (!wtp || !h)
		return EINVAL;

	wt = mem_zalloc(sizeof(*wt), destructor);
	if (!wt)
		return ENOMEM;

	wt->h = h;
	wt->arg = arg;
	wt->fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
	if (wt->fd < 0) {
		err = errno;
		goto out;
	}

	err = arm(wt);
	if (!err)
		err = fd_listen(wt->fd, FD_READ, fd_handler, wt);

 out:
	if (err)
		mem_deref(wt);
	else
		*wtp = wt;

	return err;
}


/** Fire at Unix time at (0: only on a clock step) */
int walltimer_start(struct walltimer *wt, time_t at)
{
	if (!wt)
		return EINVAL;

	wt->at = at;
	return arm(wt);
}
