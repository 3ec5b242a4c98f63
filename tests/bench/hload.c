/**
 * @file hload.c  HTTP load for make bench: the same client for httpopen
 * and nginx, so the two figures compare servers, not clients
 *
 *   hload PORT CONNS ADDRS KEEP TOTAL PATH [AUTH]
 *
 * CONNS connections at once, connection i from 127.0.0.(20 + i % ADDRS)
 * (httpopen holds at most 8 connections per client address). Each sends
 * a request, reads the whole answer, then sends the next one on the same
 * connection when KEEP is 1 and the server kept it, or on a new one.
 * Stops after TOTAL answers, or after TOTAL seconds when TOTAL ends in
 * "s" (e.g. "1.5s": a cell long enough that a scheduler hiccup does not
 * halve it); prints one JSON line: requests per second, answer latency
 * p50/p99 in ms, errors, and answers that closed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>

struct conn {
	int fd;
	unsigned idx;
	char buf[8192];
	size_t len;
	double sent;
};

static int port, addrs, keep, ep;
static long total, done, errors, closes, nlat;
static double until;   /* end of a timed run, 0 for a counted one */
static char req[2048];
static size_t reqlen;
static double *lat;


static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}


/* whether to send another request */
static int more(void)
{
	return until ? now() < until : done < total;
}


/* one answer's latency, the array grown as a timed run needs */
static int lat_add(double ms)
{
	if (done == nlat) {
		double *l = realloc(lat, (size_t)(nlat * 2) * sizeof(*lat));

		if (!l)
			return -1;
		lat = l;
		nlat *= 2;
	}
	lat[done++] = ms;

	return 0;
}


static int conn_open(struct conn *c)
{
	struct sockaddr_in sa, src;
	struct epoll_event ev;
	int one = 1;

	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (c->fd < 0)
		return -1;
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* the port is chosen at connect, per destination: a timed run of
	 * closing connections outlasts one address's free ports otherwise */
	setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one,
		   sizeof(one));

	memset(&src, 0, sizeof(src));
	src.sin_family = AF_INET;
	src.sin_addr.s_addr = htonl(0x7f000000u | (20u + c->idx % addrs));
	if (bind(c->fd, (struct sockaddr *)&src, sizeof(src)))
		return -1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) &&
	    errno != EINPROGRESS)
		return -1;

	c->len = 0;
	c->sent = now();
	ev.events = EPOLLIN;
	ev.data.ptr = c;
	epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);

	/* the kernel queues it until the connection is up */
	return send(c->fd, req, reqlen, MSG_NOSIGNAL) == (ssize_t)reqlen ||
		errno == EAGAIN ? 0 : -1;
}


static void conn_restart(struct conn *c)
{
	close(c->fd);
	if (more() && conn_open(c)) {
		++errors;
		close(c->fd);
		c->fd = -1;
	}
}


/* a whole answer in buf: its length, 0 when incomplete */
static size_t answer_len(struct conn *c, int *closing)
{
	char *end, *cl;
	size_t hl;

	c->buf[c->len] = '\0';
	end = strstr(c->buf, "\r\n\r\n");
	if (!end)
		return 0;
	hl = (size_t)(end - c->buf) + 4;
	*end = '\0';
	cl = strcasestr(c->buf, "\r\nContent-Length:");
	*closing = strcasestr(c->buf, "\r\nConnection: close") != NULL ||
		!strcasestr(c->buf, "\r\nConnection: keep-alive");
	*end = '\r';
	if (!cl)
		return hl;
	hl += (size_t)strtoul(cl + 17, NULL, 10);

	return c->len >= hl ? hl : 0;
}


static void readable(struct conn *c)
{
	ssize_t n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len,
			 0);
	size_t alen;
	int closing = 1;

	if (n <= 0) {
		++errors;
		conn_restart(c);
		return;
	}
	c->len += (size_t)n;

	alen = answer_len(c, &closing);
	if (!alen)
		return;
	if (strncmp(c->buf, "HTTP/1.1 200", 12))
		++errors;

	if (lat_add((now() - c->sent) * 1000)) {
		++errors;
		return;
	}
	if (!more())
		return;

	if (!keep || closing) {
		closes += closing;
		conn_restart(c);
		return;
	}

	memmove(c->buf, c->buf + alen, c->len - alen);
	c->len -= alen;
	c->sent = now();
	if (send(c->fd, req, reqlen, MSG_NOSIGNAL) != (ssize_t)reqlen) {
		++errors;
		conn_restart(c);
	}
}


static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}


int main(int argc, char **argv)
{
	struct epoll_event evs[64];
	struct conn *conns;
	long nconns;
	double t0, secs;

	if (argc < 7) {
		fprintf(stderr, "usage: hload PORT CONNS ADDRS KEEP TOTAL PATH"
			" [AUTH]\n");
		return 2;
	}
	port = atoi(argv[1]);
	nconns = atol(argv[2]);
	addrs = atoi(argv[3]);
	keep = atoi(argv[4]);
	total = atol(argv[5]);
	if (argv[5][strlen(argv[5]) - 1] == 's')
		until = atof(argv[5]);
	reqlen = (size_t)snprintf(req, sizeof(req),
				  "GET %s HTTP/1.1\r\nHost: bench\r\n%s%s%s"
				  "\r\n", argv[6], keep ? "" :
				  "Connection: close\r\n",
				  argc > 7 ? argv[7] : "",
				  argc > 7 ? "\r\n" : "");
	if (nconns < 1 || addrs < 1 || (total < 1 && until <= 0))
		return 2;

	nlat = until ? 65536 : total;
	lat = calloc((size_t)nlat, sizeof(*lat));
	conns = calloc((size_t)nconns, sizeof(*conns));
	ep = epoll_create1(0);
	if (!lat || !conns || ep < 0)
		return 1;

	t0 = now();
	if (until)
		until += t0;
	for (long i = 0; i < nconns; i++) {
		conns[i].idx = (unsigned)i;
		if (conn_open(&conns[i]))
			++errors;
	}

	while (more() && errors < 1000) {
		int n = epoll_wait(ep, evs, 64, 5000);

		if (n <= 0)
			break;
		for (int i = 0; i < n && more(); i++)
			readable(evs[i].data.ptr);
	}
	secs = now() - t0;

	qsort(lat, (size_t)done, sizeof(*lat), cmp);
	printf("{\"rps\": %.0f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, "
	       "\"answers\": %ld, \"errors\": %ld, \"closed\": %ld}\n",
	       done / secs, done ? lat[done / 2] : 0.0,
	       done ? lat[done * 99 / 100] : 0.0, done, errors, closes);

	return (until ? !done : done < total) || errors;
}
