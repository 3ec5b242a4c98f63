/**
 * @file bus.c  baresip's event bus, as unit tests link it
 *
 * ua_event() and uag_event_str() are functions of the baresip executable;
 * here the bus knows one event, "MODULE", and records each event's text so
 * tests can assert what a module announced.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <re.h>
#include "baresip_api.h"
#include "support.h"

enum { BUS_MODULE = 27 };

static char bus_text[8192];


/* baresip 1.1.0's names, so the shared event map resolves as it would */
const char *const test_ua_events_v110[] = {
	"REGISTERING", "REGISTER_OK", "REGISTER_FAIL", "FALLBACK_OK",
	"FALLBACK_FAIL", "UNREGISTERING", "MWI_NOTIFY", "SHUTDOWN", "EXIT",
	"CALL_INCOMING", "CALL_RINGING", "CALL_PROGRESS", "CALL_ANSWERED",
	"CALL_ESTABLISHED", "CALL_CLOSED", "TRANSFER", "TRANSFER_FAILED",
	"CALL_DTMF_START", "CALL_DTMF_END", "CALL_RTPESTAB", "CALL_RTCP",
	"CALL_MENC", "VU_TX_REPORT", "VU_RX_REPORT", "AUDIO_ERROR",
	"CALL_LOCAL_SDP", "CALL_REMOTE_SDP", "MODULE", "CUSTOM",
};
const size_t test_ua_events_v110_n = ARRAY_SIZE(test_ua_events_v110);


const char *uag_event_str(enum ua_event ev)
{
	if ((int)ev < 0 || (size_t)ev >= test_ua_events_v110_n)
		return "?";

	return test_ua_events_v110[ev];
}


int uag_event_register(ua_event_h *eh, void *arg)
{
	(void)eh;
	(void)arg;
	return 0;
}


void uag_event_unregister(ua_event_h *eh)
{
	(void)eh;
}


struct list *uag_list(void)
{
	return NULL;
}


void ua_event(struct ua *ua, enum ua_event ev, struct call *call,
	      const char *fmt, ...)
{
	size_t len = strlen(bus_text);
	va_list ap;
	(void)ua;
	(void)call;

	if ((int)ev != BUS_MODULE || len + 2 >= sizeof(bus_text))
		return;

	va_start(ap, fmt);
	(void)re_vsnprintf(bus_text + len, sizeof(bus_text) - len - 1, fmt,
			   ap);
	va_end(ap);
	strcat(bus_text, "\n");
}


const char *test_bus(void)
{
	return bus_text;
}


bool test_bus_has(const char *text)
{
	return strstr(bus_text, text) != NULL;
}


void test_bus_clear(void)
{
	bus_text[0] = '\0';
}
