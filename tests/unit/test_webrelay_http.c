/**
 * @file test_webrelay_http.c  webrelay's libcurl multi client in libre's
 *                             loop, against libre's own HTTP server
 *                             running in the same loop
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <curl/curl.h>
#include "../../modules/webrelay/webrelay.h"
#include "support.h"

/* The server: answers by path; /hang never answers, /slow after 300 ms */
static struct {
	struct http_sock *sock;
	uint16_t port;
	unsigned requests;
	unsigned paths_target;
	struct list held;            /* /hang and /slow connections */
} srv;

struct held {
	struct le le;
	struct http_conn *conn;
	struct tmr tmr;
};

/* One finished request, as the done handler saw it */
struct done {
	struct webhttp_result res;
	char error[256];
	uint64_t at;
	bool called;
};

static unsigned done_count, done_target;


static void held_destructor(void *data)
{
	struct held *h = data;

	tmr_cancel(&h->tmr);
	list_unlink(&h->le);
	mem_deref(h->conn);
}


static void slow_reply(void *arg)
{
	struct held *h = arg;

	(void)http_reply(h->conn, 200, "OK", "Content-Length: 0\r\n\r\n");
	mem_deref(h);
}


static void req_handler(struct http_conn *conn, const struct http_msg *msg,
			void *arg)
{
	struct held *h;
	(void)arg;

	++srv.requests;
	if (!pl_strcmp(&msg->path, "/target"))
		++srv.paths_target;

	if (!pl_strcmp(&msg->path, "/ok")) {
		(void)http_reply(conn, 200, "OK", "Content-Length: 3\r\n\r\n"
				 "OK\n");
	}
	else if (!pl_strcmp(&msg->path, "/e500")) {
		(void)http_ereply(conn, 500, "Internal Server Error");
	}
	else if (!pl_strcmp(&msg->path, "/redir")) {
		(void)http_reply(conn, 302, "Found", "Location: /target\r\n"
				 "Content-Length: 0\r\n\r\n");
	}
	else if (!pl_strcmp(&msg->path, "/hang") ||
		 !pl_strcmp(&msg->path, "/slow")) {
		h = mem_zalloc(sizeof(*h), held_destructor);
		assert_non_null(h);
		h->conn = mem_ref(conn);
		tmr_init(&h->tmr);
		list_append(&srv.held, &h->le, h);
		if (!pl_strcmp(&msg->path, "/slow"))
			tmr_start(&h->tmr, 300, slow_reply, h);
	}
	else {
		(void)http_ereply(conn, 404, "Not Found");
	}
}


static int setup(void **state)
{
	struct sa laddr, local;
	(void)state;

	memset(&srv, 0, sizeof(srv));
	assert_int_equal(sa_set_str(&laddr, "127.0.0.1", 0), 0);
	assert_int_equal(http_listen(&srv.sock, &laddr, req_handler, NULL),
			 0);
	assert_int_equal(tcp_sock_local_get(http_sock_tcp(srv.sock), &local),
			 0);
	srv.port = sa_port(&local);
	done_count = 0;
	done_target = 0;
	test_log_clear();
	return 0;
}


static int teardown(void **state)
{
	(void)state;

	list_flush(&srv.held);
	srv.sock = mem_deref(srv.sock);
	test_run_loop(20);     /* let closed connections go */
	return 0;
}


static void done_handler(const struct webhttp_result *res, void *arg)
{
	struct done *d = arg;

	assert_false(d->called);
	d->called = true;
	d->res = *res;
	d->at = tmr_jiffies();
	if (res->error) {
		str_ncpy(d->error, res->error, sizeof(d->error));
		d->res.error = d->error;
	}

	if (++done_count == done_target)
		re_cancel();
}


static struct webhttp *client_delay(uint32_t timeout_ms, uint32_t retries,
				    uint32_t delay_ms)
{
	const struct webhttp_opts opts = {
		.timeout_ms = timeout_ms, .retries = retries,
		.retry_delay_ms = delay_ms, .tls_verify = true,
	};
	struct webhttp *wh = NULL;

	assert_int_equal(webhttp_alloc(&wh, &opts), 0);
	return wh;
}


static struct webhttp *client(uint32_t timeout_ms, uint32_t retries)
{
	return client_delay(timeout_ms, retries, 20);
}


static struct done *get(struct webhttp *wh, const char *path)
{
	struct done *d = mem_zalloc(sizeof(*d), NULL);
	char url[128];

	assert_non_null(d);
	re_snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", srv.port,
		    path);
	assert_int_equal(webhttp_get(wh, url, NULL, NULL, path,
				     done_handler, d), 0);
	/* the result never arrives from inside webhttp_get */
	assert_false(d->called);
	++done_target;
	return d;
}


static void test_ok(void **state)
{
	struct webhttp *wh = client(2000, 1);
	struct done *d;
	(void)state;

	d = get(wh, "/ok");
	assert_int_equal(webhttp_pending(wh), 1);
	test_run_loop(3000);

	assert_true(d->called);
	assert_true(d->res.ok);
	assert_int_equal(d->res.status, 200);
	assert_null(d->res.error);
	assert_int_equal(d->res.attempts, 1);
	assert_int_equal(srv.requests, 1);
	assert_int_equal(webhttp_pending(wh), 0);

	mem_deref(d);
	mem_deref(wh);
}


static void test_500_retried(void **state)
{
	struct webhttp *wh = client(2000, 2);
	struct done *d;
	(void)state;

	d = get(wh, "/e500");
	test_run_loop(3000);

	assert_true(d->called);
	assert_false(d->res.ok);
	assert_int_equal(d->res.status, 500);
	assert_string_equal(d->res.error, "HTTP 500");
	assert_int_equal(d->res.attempts, 3);
	assert_int_equal(srv.requests, 3);
	assert_true(test_log_has("(attempt 2 of 3), retrying"));

	mem_deref(d);
	mem_deref(wh);
}


static void test_redirect_not_followed(void **state)
{
	struct webhttp *wh = client(2000, 0);
	struct done *d;
	(void)state;

	d = get(wh, "/redir");
	test_run_loop(3000);

	assert_true(d->called);
	assert_false(d->res.ok);
	assert_non_null(strstr(d->res.error, "not followed"));
	assert_int_equal(srv.paths_target, 0);

	mem_deref(d);
	mem_deref(wh);
}


static void test_refused(void **state)
{
	struct webhttp *wh = client(2000, 1);
	struct done *d = mem_zalloc(sizeof(*d), NULL);
	char url[64];
	(void)state;

	/* the server's port, once the server is gone */
	srv.sock = mem_deref(srv.sock);
	re_snprintf(url, sizeof(url), "http://127.0.0.1:%u/ok", srv.port);
	assert_int_equal(webhttp_get(wh, url, NULL, NULL, "refused",
				     done_handler, d), 0);
	done_target = 1;
	test_run_loop(3000);

	assert_true(d->called);
	assert_false(d->res.ok);
	assert_int_equal(d->res.status, 0);
	assert_non_null(d->res.error);
	assert_int_equal(d->res.attempts, 2);

	mem_deref(d);
	mem_deref(wh);
}


static void test_timeout(void **state)
{
	struct webhttp *wh = client(300, 0);
	uint64_t t0 = tmr_jiffies();
	struct done *d, *ok;
	(void)state;

	d = get(wh, "/hang");
	ok = get(wh, "/ok");        /* not held up by the hanging one */
	test_run_loop(3000);

	assert_true(ok->called && ok->res.ok);
	assert_true(ok->at - t0 < 250);
	assert_true(d->called);
	assert_false(d->res.ok);
	assert_non_null(strstr(d->res.error, "imed out"));
	assert_true(d->at - t0 >= 290);
	assert_true(d->at - t0 < 1500);

	mem_deref(d);
	mem_deref(ok);
	mem_deref(wh);
}


static void test_many_at_once(void **state)
{
	/* the timeout leaves room for SYN retries: libre's server listens
	 * with a backlog of 5, so under load some connects wait 1 s or 3 s */
	struct webhttp *wh = client(15000, 0);
	struct done *dv[30];
	uint64_t t0 = tmr_jiffies();
	size_t i;
	(void)state;

	for (i = 0; i < ARRAY_SIZE(dv); i++)
		dv[i] = get(wh, "/slow");
	assert_int_equal(webhttp_pending(wh), ARRAY_SIZE(dv));
	test_run_loop(20000);      /* ends as soon as all are done */

	for (i = 0; i < ARRAY_SIZE(dv); i++) {
		assert_true(dv[i]->called);
		assert_true(dv[i]->res.ok);
		mem_deref(dv[i]);
	}
	/* a figure, not an assertion: one after another would take 9 s;
	 * the system test measures the module without the backlog limit */
	print_message("30 requests of 300 ms each: all done in %llu ms\n",
		      (unsigned long long)(tmr_jiffies() - t0));
	assert_int_equal(srv.requests, ARRAY_SIZE(dv));

	mem_deref(wh);
}


static void test_close_in_flight(void **state)
{
	struct webhttp *wh = client_delay(5000, 3, 5000);
	struct done *d1, *d2, *d3;
	(void)state;

	d1 = get(wh, "/hang");
	d2 = get(wh, "/hang");
	d3 = get(wh, "/e500");     /* waiting for its retry at close */
	done_target = 99;
	test_run_loop(200);
	assert_int_equal(webhttp_pending(wh), 3);

	/* abandoned: no result, no crash, the loop keeps going */
	mem_deref(wh);
	test_run_loop(100);
	assert_false(d1->called || d2->called || d3->called);

	mem_deref(d1);
	mem_deref(d2);
	mem_deref(d3);
}


static void test_limit(void **state)
{
	struct webhttp *wh = client(1000, 0);
	struct done *d = mem_zalloc(sizeof(*d), NULL);
	char url[64];
	unsigned i;
	int err = 0;
	(void)state;

	re_snprintf(url, sizeof(url), "http://127.0.0.1:%u/hang", srv.port);
	for (i = 0; i < 1000 && !err; i++)
		err = webhttp_get(wh, url, NULL, NULL, "x", done_handler, d);

	assert_int_equal(err, EBUSY);
	assert_int_equal(webhttp_pending(wh), 128);
	assert_int_equal(i, 129);

	mem_deref(wh);
	test_run_loop(50);
	assert_false(d->called);
	mem_deref(d);
}


static void test_bad_use(void **state)
{
	struct webhttp *wh = client(1000, 0);
	struct done *d = mem_zalloc(sizeof(*d), NULL);
	(void)state;

	assert_int_equal(webhttp_get(NULL, "http://127.0.0.1/", NULL, NULL,
				     "x", done_handler, d), EINVAL);
	assert_int_equal(webhttp_get(wh, NULL, NULL, NULL, "x",
				     done_handler, d), EINVAL);
	assert_int_equal(webhttp_pending(wh), 0);

	mem_deref(d);
	mem_deref(wh);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_500_retried, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_redirect_not_followed,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_at_once, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_close_in_flight, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_limit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_use, setup, teardown),
	};
	int r;

	if (libre_init())
		return 1;
	(void)curl_global_init(CURL_GLOBAL_DEFAULT);

	r = cmocka_run_group_tests_name("webrelay_http", tests, NULL, NULL);

	curl_global_cleanup();
	libre_close();
	return r;
}
