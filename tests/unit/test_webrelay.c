/**
 * @file test_webrelay.c  webrelay pure logic: URL composition and
 *                        redaction, placeholders, event queries, peer
 *                        matching, config loading
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include "../../modules/webrelay/webrelay.h"
#include "support.h"


static char *compose(const char *host, const char *action, int want_err)
{
	const char *why = NULL;
	char *url = NULL;
	int err = weburl_compose(&url, host, action, &why);

	assert_int_equal(err, want_err);
	if (err) {
		assert_non_null(why);
		assert_null(url);
	}
	return url;
}


static void expect_url(const char *host, const char *action,
		       const char *want)
{
	char *url = compose(host, action, 0);

	assert_string_equal(url, want);
	mem_deref(url);
}


static void test_url_relative(void **state)
{
	(void)state;

	expect_url("192.168.1.2", "state.xml?relayState=2",
		   "http://192.168.1.2/state.xml?relayState=2");
	expect_url("192.168.1.2:8080", "/state.xml?relayState=2",
		   "http://192.168.1.2:8080/state.xml?relayState=2");
	expect_url("relay.local/", "state.xml",
		   "http://relay.local/state.xml");
	expect_url("https://10.0.0.5:8443", "cgi/relay?on=1",
		   "https://10.0.0.5:8443/cgi/relay?on=1");
	expect_url("HTTP://10.0.0.5", "x", "http://10.0.0.5/x");
	expect_url("10.0.0.5", "", "http://10.0.0.5/");
}


static void test_url_ipv6(void **state)
{
	(void)state;

	expect_url("::1", "state.xml", "http://[::1]/state.xml");
	expect_url("fd00::20", "a?b=1", "http://[fd00::20]/a?b=1");
	expect_url("[fd00::20]:8080", "a", "http://[fd00::20]:8080/a");
	expect_url("https://[::1]", "a", "https://[::1]/a");
}


static void test_url_full(void **state)
{
	(void)state;

	/* used as it is, credentials included; the host key is ignored */
	expect_url("10.9.9.9",
		   "http://admin:admin@192.168.1.2/state.xml?relayState=2",
		   "http://admin:admin@192.168.1.2/state.xml?relayState=2");
	expect_url(NULL, "https://[fd00::1]:444/x", "https://[fd00::1]:444/x");
}


static void test_url_errors(void **state)
{
	(void)state;

	compose(NULL, "state.xml", EINVAL);           /* relative, no host */
	compose("", "state.xml", EINVAL);
	compose("ftp://10.0.0.1", "x", EINVAL);
	compose("10.0.0.1", "ftp://10.0.0.1/x", EINVAL);
	compose("10.0.0.1", "file:///etc/passwd", EINVAL);
	compose("admin:pw@10.0.0.1", "x", EINVAL);    /* userinfo in host */
	compose("10.0.0.1/path", "x", EINVAL);
	compose("10.0.0.1", "a b", EINVAL);
	compose("10.0.0.1", "a\tb", EINVAL);
	compose("10.0.0.1", "\xc3\xa9", EINVAL);
	compose(NULL, "http:///nohost", EINVAL);
	compose(NULL, "http://admin:pw@/x", EINVAL);
	compose("10.0.0.1:99999", "x", EINVAL);       /* port out of range */
}


static void expect_redacted(const char *url, const char *want)
{
	char buf[256];

	assert_true(re_snprintf(buf, sizeof(buf), "%H", weburl_redact,
				url) > 0);
	assert_string_equal(buf, want);
}


static void test_url_redact(void **state)
{
	(void)state;

	expect_redacted("http://admin:secret@192.168.1.2/state.xml"
			"?relayState=2&pw=secret",
			"http://192.168.1.2/state.xml?relayState=***&pw=***");
	expect_redacted("https://[::1]:8443/a/b", "https://[::1]:8443/a/b");
	expect_redacted("http://h/x?token", "http://h/x?***");
	expect_redacted("http://h", "http://h/");
	expect_redacted("ftp://h/x", "(invalid URL)");

	assert_true(weburl_has_userinfo("http://a:b@h/"));
	assert_true(weburl_has_userinfo("http://a@h/"));
	assert_false(weburl_has_userinfo("http://h/?u=a@b"));
}


static char *subst(const char *tmpl, const struct webevent_vars *v)
{
	char *url = NULL;

	assert_int_equal(webevent_subst(&url, tmpl, v), 0);
	return url;
}


static void test_subst(void **state)
{
	struct webevent_vars v = {
		.relay = "1", .name = "Front door & gate",
		.source = "dtmf", .peer = "sip:+4930@10.0.0.1:5060",
		.input = "3", .state = "on",
	};
	char *url;
	(void)state;

	url = subst("http://h/ev?r=$relay&n=$name&s=$source&p=$peer"
		    "&i=$input&st=$state", &v);
	assert_string_equal(url, "http://h/ev?r=1&n=Front%20door%20%26%20gate"
			    "&s=dtmf&p=sip%3A%2B4930%4010.0.0.1%3A5060"
			    "&i=3&st=on");
	mem_deref(url);

	/* adjacent, repeated, unknown and trailing placeholders */
	url = subst("http://h/$relay$relay/$relays?x=$unknown&y=$", &v);
	assert_string_equal(url, "http://h/11/1s?x=$unknown&y=$");
	mem_deref(url);

	/* missing values are empty; non-ASCII bytes are encoded */
	v.name = "T\xc3\xbcr/1";
	v.peer = NULL;
	url = subst("http://h/?n=$name&p=$peer", &v);
	assert_string_equal(url, "http://h/?n=T%C3%BCr%2F1&p=");
	mem_deref(url);

	url = subst("http://h/?r=$relay", NULL);
	assert_string_equal(url, "http://h/?r=");
	mem_deref(url);
}


static void test_event_names(void **state)
{
	enum webevent_id id;
	(void)state;

	assert_int_equal(webevent_parse_name("relay_open", &id), 0);
	assert_int_equal(id, WEBEVENT_RELAY_OPEN);
	assert_int_equal(webevent_parse_name("input", &id), 0);
	assert_int_equal(id, WEBEVENT_INPUT);
	assert_int_equal(webevent_parse_name("code_bad", &id), 0);
	assert_string_equal(webevent_name(id), "code_bad");
	assert_int_equal(webevent_parse_name("relay", &id), ENOENT);
	assert_int_equal(webevent_parse_name("", &id), ENOENT);
}


static void test_query_decode(void **state)
{
	struct webevent_vars *v = NULL;
	const char *why = NULL;
	(void)state;

	assert_int_equal(webevent_query_decode(&v,
		"relay=1&name=Front%20door%26gate&source=dtmf"
		"&peer=sip%3A%2b49%40h&more=ignored&state=on", &why), 0);
	assert_string_equal(v->relay, "1");
	assert_string_equal(v->name, "Front door&gate");
	assert_string_equal(v->source, "dtmf");
	assert_string_equal(v->peer, "sip:+49@h");
	assert_string_equal(v->state, "on");
	assert_null(v->input);
	v = mem_deref(v);

	/* '+' is a plus, not a space; empty values and items are fine */
	assert_int_equal(webevent_query_decode(&v, "peer=+49&&name=", &why),
			 0);
	assert_string_equal(v->peer, "+49");
	assert_string_equal(v->name, "");
	v = mem_deref(v);

	assert_int_equal(webevent_query_decode(&v, "", &why), 0);
	assert_null(v->relay);
	v = mem_deref(v);
	assert_int_equal(webevent_query_decode(&v, NULL, &why), 0);
	v = mem_deref(v);
}


static void expect_bad_query(const char *q)
{
	struct webevent_vars *v = NULL;
	const char *why = NULL;

	assert_int_equal(webevent_query_decode(&v, q, &why), EINVAL);
	assert_null(v);
	assert_non_null(why);
}


static void test_query_bad(void **state)
{
	char big[1200];
	(void)state;

	expect_bad_query("relay=%zz");
	expect_bad_query("relay=%4");
	expect_bad_query("relay=%");
	expect_bad_query("relay=%00");
	expect_bad_query("name=a%0Ab");               /* forged log line */
	expect_bad_query("name=a\x01");
	expect_bad_query("junk");
	expect_bad_query("=1");

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "name=", 5);
	expect_bad_query(big);
	memcpy(big + 300, "&relay=1", 8);             /* 295 chars: > 256 */
	expect_bad_query(big);
}


static struct webpeer *peer(const char *spec)
{
	struct webpeer *wp = NULL;
	const char *why = NULL;

	assert_int_equal(webpeer_alloc(&wp, spec, &why), 0);
	return wp;
}


static void test_peer_user(void **state)
{
	struct webpeer *wp = peer("alice");
	(void)state;

	assert_true(webpeer_match(wp, "sip:alice@10.0.0.1"));
	assert_true(webpeer_match(wp, "sip:ALICE@10.0.0.1:5070"));
	assert_true(webpeer_match(wp, "\"Alice\" <sip:alice@h;transport=tcp>"));
	assert_true(webpeer_match(wp, "sips:alice@h"));
	assert_false(webpeer_match(wp, "sip:alice2@10.0.0.1"));
	assert_false(webpeer_match(wp, "sip:bob@alice"));
	assert_false(webpeer_match(wp, "sip:10.0.0.1"));
	assert_false(webpeer_match(wp, ""));
	assert_false(webpeer_match(wp, NULL));
	mem_deref(wp);

	wp = peer("10*,+49*");
	assert_true(webpeer_match(wp, "sip:101@h"));
	assert_true(webpeer_match(wp, "sip:+4930123@h"));
	assert_false(webpeer_match(wp, "sip:201@h"));
	mem_deref(wp);
}


static void test_peer_uri(void **state)
{
	struct webpeer *wp = peer("sip:door@192.168.1.20");
	(void)state;

	assert_true(webpeer_match(wp, "sip:door@192.168.1.20"));
	assert_true(webpeer_match(wp, "sip:door@192.168.1.20:5062"));
	assert_true(webpeer_match(wp, "<sip:Door@192.168.1.20;user=phone>"));
	assert_false(webpeer_match(wp, "sip:door@192.168.1.21"));
	assert_false(webpeer_match(wp, "sip:lobby@192.168.1.20"));
	mem_deref(wp);

	wp = peer("door@192.168.1.20:5070");
	assert_true(webpeer_match(wp, "sip:door@192.168.1.20:5070"));
	assert_false(webpeer_match(wp, "sip:door@192.168.1.20:5071"));
	assert_false(webpeer_match(wp, "sip:door@192.168.1.20"));
	mem_deref(wp);

	wp = peer("sip:*@*.example.com");
	assert_true(webpeer_match(wp, "sip:x@gate.example.com"));
	assert_false(webpeer_match(wp, "sip:x@example.org"));
	mem_deref(wp);

	/* host only: any user from that host */
	wp = peer("sip:10.0.0.7");
	assert_true(webpeer_match(wp, "sip:anyone@10.0.0.7:5060"));
	assert_false(webpeer_match(wp, "sip:anyone@10.0.0.8"));
	mem_deref(wp);
}


static void test_peer_ip(void **state)
{
	struct webpeer *wp = peer("192.168.1.20");
	(void)state;

	assert_true(webpeer_match(wp, "sip:door@192.168.1.20"));
	assert_true(webpeer_match(wp, "sip:192.168.1.20:5070"));
	assert_false(webpeer_match(wp, "sip:192.168.1.200"));
	assert_false(webpeer_match(wp, "sip:door@gate.local"));
	mem_deref(wp);

	wp = peer("192.168.1.20:5062");
	assert_true(webpeer_match(wp, "sip:door@192.168.1.20:5062"));
	assert_false(webpeer_match(wp, "sip:door@192.168.1.20"));
	mem_deref(wp);

	wp = peer("fd00::20");
	assert_true(webpeer_match(wp, "sip:door@[fd00::20]:5060"));
	assert_true(webpeer_match(wp, "sip:door@[fd00:0::20]"));
	assert_false(webpeer_match(wp, "sip:door@[fd00::21]"));
	mem_deref(wp);

	wp = peer("[fd00::20]:5070,alice");
	assert_true(webpeer_match(wp, "sip:x@[fd00::20]:5070"));
	assert_false(webpeer_match(wp, "sip:x@[fd00::20]:5071"));
	assert_true(webpeer_match(wp, "sip:alice@[fd00::99]"));
	mem_deref(wp);
}


static void test_peer_bad(void **state)
{
	struct webpeer *wp = NULL;
	const char *why = NULL;
	(void)state;

	assert_int_equal(webpeer_alloc(&wp, "", &why), EINVAL);
	assert_int_equal(webpeer_alloc(&wp, " , ", &why), EINVAL);
	assert_int_equal(webpeer_alloc(&wp, "sip:x@h:port", &why), EINVAL);
	assert_int_equal(webpeer_alloc(&wp, "sip:x@", &why), EINVAL);
	assert_int_equal(webpeer_alloc(&wp, "alice,sip:x@h:0", &why), EINVAL);
	assert_null(wp);
	assert_non_null(why);

	assert_false(webpeer_match(NULL, "sip:alice@h"));
}


static struct conf *conf_text(const char *text)
{
	struct conf *conf = NULL;

	/* conf_get wants every key after a line break */
	char *buf = NULL;

	assert_int_equal(re_sdprintf(&buf, "\n%s\n", text), 0);
	assert_int_equal(conf_alloc_buf(&conf, (uint8_t *)buf,
					strlen(buf)), 0);
	mem_deref(buf);
	return conf;
}


static void test_conf_load(void **state)
{
	struct webrelay_conf cfg;
	struct webrelay *wr;
	struct conf *conf;
	(void)state;

	test_log_clear();
	conf = conf_text(
		"webrelay1_host 10.0.0.5:8080\n"
		"webrelay1_user admin\n"
		"webrelay1_pass Secret1\n"
		"webrelay1_peer alice,sip:door@10.0.0.9\n"
		"webrelay1_action state.xml?relayState=2\n"
		"webrelay1_action3 http://u:Secret2@10.0.0.6/x\n"
		"webrelay3_action http://10.0.0.7/y\n"
		"webrelay_timeout 2.5\n"
		"webrelay_retries 3\n"
		"webrelay_tls_verify no\n"
		"webrelay_on_relay_open http://10.0.0.8/ev?r=$relay\n");

	assert_int_equal(webrelay_conf_load(&cfg, conf), 0);
	assert_int_equal(cfg.errors, 0);
	assert_int_equal(list_count(&cfg.relays), 2);
	assert_int_equal(cfg.opts.timeout_ms, 2500);
	assert_int_equal(cfg.opts.retries, 3);
	assert_false(cfg.opts.tls_verify);

	wr = webrelay_find(&cfg, 1);
	assert_non_null(wr);
	assert_string_equal(wr->url[0],
			    "http://10.0.0.5:8080/state.xml?relayState=2");
	assert_true(wr->relative[0]);
	assert_null(wr->url[1]);
	assert_string_equal(wr->url[2], "http://u:Secret2@10.0.0.6/x");
	assert_false(wr->relative[2]);
	assert_true(webpeer_match(wr->peer, "sip:alice@1.2.3.4"));
	assert_int_equal(webrelay_first_action(wr), 1);
	assert_null(webrelay_find(&cfg, 2));
	assert_int_equal(webrelay_first_action(webrelay_find(&cfg, 3)), 1);
	assert_non_null(cfg.on[WEBEVENT_RELAY_OPEN]);
	assert_null(cfg.on[WEBEVENT_INPUT]);
	assert_false(test_log_has("Secret"));

	webrelay_conf_reset(&cfg);
	mem_deref(conf);
}


static void test_conf_defaults(void **state)
{
	struct webrelay_conf cfg;
	struct conf *conf = conf_text("sip_listen 127.0.0.1:5060");
	(void)state;

	assert_int_equal(webrelay_conf_load(&cfg, conf), 0);
	assert_int_equal(cfg.errors, 0);
	assert_true(list_isempty(&cfg.relays));
	assert_int_equal(cfg.opts.timeout_ms, 5000);
	assert_int_equal(cfg.opts.retries, 1);
	assert_true(cfg.opts.tls_verify);

	webrelay_conf_reset(&cfg);
	mem_deref(conf);
}


static void test_conf_errors(void **state)
{
	struct webrelay_conf cfg;
	struct webrelay *wr;
	struct conf *conf;
	(void)state;

	test_log_clear();
	conf = conf_text(
		"webrelay1_host 10.0.0.5\n"
		"webrelay1_action ok.xml\n"
		"webrelay1_action1 other.xml\n"
		"webrelay1_action2 ftp://u:Secret3@h/x\n"
		"webrelay2_action relative.xml\n"
		"webrelay3_host 10.0.0.5\n"
		"webrelay3_peer sip:x@h:bad\n"
		"webrelay3_action2 three\n"
		"webrelay4_host 10.0.0.5\n"
		"webrelay_timeout 0.01\n"
		"webrelay_retries many\n"
		"webrelay_tls_verify maybe\n"
		"webrelay_on_code_ok relative?pw=Secret4\n");

	assert_int_equal(webrelay_conf_load(&cfg, conf), 0);

	assert_true(test_log_has("config webrelay1_action: webrelayN_action1"
				 " is set too"));
	assert_true(test_log_has("config webrelay1_action2: "));
	assert_true(test_log_has("config webrelay2_action: a relative"
				 " action needs webrelayN_host"));
	assert_true(test_log_has("config webrelay3_peer: "));
	assert_true(test_log_has("config webrelay4_action: no usable action"));
	assert_true(test_log_has("config webrelay_timeout: "));
	assert_true(test_log_has("webrelay_retries"));
	assert_true(test_log_has("webrelay_tls_verify"));
	assert_true(test_log_has("config webrelay_on_code_ok: "));
	assert_false(test_log_has("Secret"));
	assert_true(cfg.errors >= 9);

	/* what was right still loads */
	wr = webrelay_find(&cfg, 1);
	assert_non_null(wr);
	assert_string_equal(wr->url[0], "http://10.0.0.5/other.xml");
	assert_null(wr->url[1]);
	assert_null(webrelay_find(&cfg, 2));
	wr = webrelay_find(&cfg, 3);
	assert_non_null(wr);
	assert_null(wr->peer);
	assert_int_equal(webrelay_first_action(wr), 2);
	assert_null(webrelay_find(&cfg, 4));
	assert_int_equal(cfg.opts.timeout_ms, 5000);
	assert_int_equal(cfg.opts.retries, 1);
	assert_true(cfg.opts.tls_verify);
	assert_null(cfg.on[WEBEVENT_CODE_OK]);

	webrelay_conf_reset(&cfg);
	mem_deref(conf);
}


int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_url_relative),
		cmocka_unit_test(test_url_ipv6),
		cmocka_unit_test(test_url_full),
		cmocka_unit_test(test_url_errors),
		cmocka_unit_test(test_url_redact),
		cmocka_unit_test(test_subst),
		cmocka_unit_test(test_event_names),
		cmocka_unit_test(test_query_decode),
		cmocka_unit_test(test_query_bad),
		cmocka_unit_test(test_peer_user),
		cmocka_unit_test(test_peer_uri),
		cmocka_unit_test(test_peer_ip),
		cmocka_unit_test(test_peer_bad),
		cmocka_unit_test(test_conf_load),
		cmocka_unit_test(test_conf_defaults),
		cmocka_unit_test(test_conf_errors),
	};
	return cmocka_run_group_tests_name("webrelay", tests, NULL, NULL);
}
