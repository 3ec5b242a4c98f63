/**
 * @file audit.c  The access audit log shared by all door modules
 *
 * One JSON object per line, appended with a single write() on an O_APPEND
 * descriptor, so lines from several modules never interleave.
 */
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <time.h>
#include <sys/time.h>
#include "door.h"

static char *audit_path;


static int print_mbuf(const char *p, size_t size, void *arg)
{
	return mbuf_write_mem(arg, (const uint8_t *)p, size);
}


/* Length of the well-formed UTF-8 sequence at s, 0 if there is none */
static size_t utf8_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 0;

	n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;    /* also stops at the terminating NUL */
	}

	/* overlong forms, UTF-16 surrogates, past U+10FFFF */
	if ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] > 0x9f) ||
	    (s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] > 0x8f))
		return 0;

	return n;
}


/*
 * Bytes that are not UTF-8 (a caller's name from SIP or HTTP can hold
 * anything) become U+FFFD, so every line stays valid JSON.
 */
int door_json_escape(struct re_printf *pf, const char *str)
{
	int err = 0;

	for (; str && *str && !err; str++) {
		unsigned char c = (unsigned char)*str;
		size_t n;

		if (c >= 0x80) {
			n = utf8_len((const unsigned char *)str);
			if (!n) {
				err = re_hprintf(pf, "\\ufffd");
				continue;
			}
			err = pf->vph(str, n, pf->arg);
			str += n - 1;
			continue;
		}

		switch (c) {

		case '"':  err = re_hprintf(pf, "\\\""); break;
		case '\\': err = re_hprintf(pf, "\\\\"); break;
		case '\n': err = re_hprintf(pf, "\\n");  break;
		case '\r': err = re_hprintf(pf, "\\r");  break;
		case '\t': err = re_hprintf(pf, "\\t");  break;
		default:
			if (c < 0x20 || c == 0x7f)
				err = re_hprintf(pf, "\\u%04x", c);
			else
				err = pf->vph((const char *)&c, 1, pf->arg);
			break;
		}
	}

	return err;
}


static int field(struct re_printf *pf, const char *name, const char *val)
{
	return re_hprintf(pf, ",\"%s\":\"", name) |
		door_json_escape(pf, val) |
		re_hprintf(pf, "\"");
}


int audit_format(struct mbuf *mb, const struct audit_rec *rec,
		 uint64_t unix_ms)
{
	struct re_printf pf = {print_mbuf, mb};
	time_t secs = (time_t)(unix_ms / 1000);
	struct tm tm;
	char stamp[32];
	int err;

	if (!mb || !rec)
		return EINVAL;

	if (!gmtime_r(&secs, &tm))
		return EINVAL;
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);

	err  = mbuf_printf(mb, "{\"time\":\"%s.%03uZ\"", stamp,
			   (unsigned)(unix_ms % 1000));
	err |= field(&pf, "module", rec->module);
	err |= field(&pf, "action", rec->action);
	err |= field(&pf, "relay",  rec->relay);
	err |= field(&pf, "source", rec->source);
	err |= field(&pf, "who",    rec->who);
	err |= field(&pf, "result", rec->result);
	if (rec->detail)
		err |= field(&pf, "detail", rec->detail);
	err |= mbuf_write_str(mb, "}\n");

	return err;
}


/** Reads door_audit_file; no key means no audit log */
void audit_configure(const struct conf *conf)
{
	audit_path = mem_deref(audit_path);
	(void)door_conf_dup(conf, "door_audit_file", &audit_path);
}


void audit_close(void)
{
	audit_path = mem_deref(audit_path);
}


int audit_write(const struct audit_rec *rec)
{
	struct mbuf *mb;
	struct timeval tv;
	ssize_t n;
	int fd, err;

	if (!audit_path)
		return 0;

	mb = mbuf_alloc(256);
	if (!mb)
		return ENOMEM;

	gettimeofday(&tv, NULL);
	err = audit_format(mb, rec, (uint64_t)tv.tv_sec * 1000 +
			   (uint64_t)tv.tv_usec / 1000);
	if (err)
		goto out;

	fd = open(audit_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
		  0640);
	if (fd < 0) {
		err = errno;
		warning("door: audit log %s: %m\n", audit_path, err);
		goto out;
	}

	n = write(fd, mb->buf, mb->end);
	if (n < 0 || (size_t)n != mb->end) {
		err = n < 0 ? errno : EIO;
		warning("door: audit log %s: write failed (%m)\n",
			audit_path, err);
	}
	(void)close(fd);

 out:
	mem_deref(mb);
	return err;
}
