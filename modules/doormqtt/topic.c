/**
 * @file topic.c  Broker addresses, ids and command topics
 *
 * Pure string rules, free of baresip calls, so the unit test checks every
 * malformed topic and payload the broker could hand us.
 */
#include <string.h>
#include "door.h"
#include "doormqtt.h"


/** "mqtt://host[:port]" (1883) or "mqtts://host[:port]" (8883) */
int dm_broker_parse(const char *url, char *host, size_t sz, uint16_t *port,
		    bool *tls)
{
	const char *p, *h;
	struct pl num;
	uint32_t v;

	if (!url || !host || !port || !tls)
		return EINVAL;

	if (!strncmp(url, "mqtt://", 7)) {
		*tls = false;
		p = url + 7;
	}
	else if (!strncmp(url, "mqtts://", 8)) {
		*tls = true;
		p = url + 8;
	}
	else {
		return EINVAL;
	}

	for (h = p; *p && *p != ':' && *p != '/'; p++) {
		if (*p <= ' ' || *p == '@')
			return EINVAL;    /* no spaces, no user info */
	}
	if (p == h || (size_t)(p - h) >= sz)
		return EINVAL;
	memcpy(host, h, (size_t)(p - h));
	host[p - h] = '\0';

	*port = *tls ? 8883 : 1883;
	if (*p == ':') {
		num.p = ++p;
		while (*p >= '0' && *p <= '9')
			p++;
		num.l = (size_t)(p - num.p);
		if (!num.l || num.l > 5 ||
		    door_parse_u32(&num, 1, 65535, &v))
			return EINVAL;
		*port = (uint16_t)v;
	}

	if (*p == '/')
		p++;

	return *p ? EINVAL : 0;
}


static bool id_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		c == '_' || c == '-';
}


/** A door id: 1 to DM_ID_MAX-1 of [a-z0-9_-] */
bool dm_id_valid(const char *id)
{
	size_t i, n = str_len(id);

	if (!n || n >= DM_ID_MAX)
		return false;

	for (i = 0; i < n; i++) {
		if (!id_char(id[i]))
			return false;
	}

	return true;
}


/** An id from a host name: lower case, anything else becomes '_' */
void dm_id_make(char *id, size_t sz, const char *from)
{
	size_t i, n = 0;

	if (!id || !sz)
		return;

	for (i = 0; from && from[i] && n + 1 < sz && n + 1 < DM_ID_MAX; i++) {
		char c = from[i];

		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		id[n++] = id_char(c) ? c : '_';
	}

	if (!n && sz > 4) {
		str_ncpy(id, "door", sz);
		return;
	}

	id[n] = '\0';
}


const char *dm_kind_name(enum dm_kind kind)
{
	switch (kind) {

	case DM_RELAY:  return "relay";
	case DM_OUTPUT: return "output";
	case DM_INPUT:  return "input";
	default:        return "?";
	}
}


/**
 * "<base>/relay/<n>/set" or "<base>/output/<n>/set", n 1 to
 * DOOR_MAX_INDEX with no leading zero; EINVAL for anything else
 */
int dm_cmd_topic_parse(const char *base, const char *topic,
		       enum dm_kind *kind, unsigned *n)
{
	size_t bl = str_len(base);
	struct pl k, num;
	const char *rest;
	uint32_t v;

	if (!bl || !topic || strncmp(topic, base, bl) || topic[bl] != '/')
		return EINVAL;

	rest = topic + bl + 1;
	if (re_regex(rest, str_len(rest), "[a-z]+/[0-9]+/set", &k, &num))
		return EINVAL;

	/* re_regex finds a match anywhere: it must be the whole rest */
	if (k.p != rest || num.p + num.l + 4 != rest + str_len(rest))
		return EINVAL;

	if (!pl_strcmp(&k, "relay"))
		*kind = DM_RELAY;
	else if (!pl_strcmp(&k, "output"))
		*kind = DM_OUTPUT;
	else
		return EINVAL;

	if (num.l > 2 || num.p[0] == '0' ||
	    door_parse_u32(&num, 1, DOOR_MAX_INDEX, &v))
		return EINVAL;

	*n = v;
	return 0;
}


/** OPEN, ON or OFF exactly, as the discovery payloads announce them */
int dm_cmd_payload_parse(const void *payload, int len, enum dm_cmd *cmd)
{
	static const struct {
		const char *word;
		enum dm_cmd cmd;
	} words[] = {
		{"OPEN", DM_CMD_OPEN}, {"ON", DM_CMD_ON}, {"OFF", DM_CMD_OFF},
	};
	size_t i;

	if (!payload || len <= 0)
		return EINVAL;

	for (i = 0; i < ARRAY_SIZE(words); i++) {
		if ((size_t)len == strlen(words[i].word) &&
		    !memcmp(payload, words[i].word, (size_t)len)) {
			*cmd = words[i].cmd;
			return 0;
		}
	}

	return EINVAL;
}


/** The pause after ms: doubled, from 1 s, never above 60 s */
uint32_t dm_backoff_next(uint32_t ms)
{
	if (ms < 1000)
		return 1000;

	return ms >= 30000 ? 60000 : ms * 2;
}
