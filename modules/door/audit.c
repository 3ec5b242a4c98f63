/**
 * @file audit.c  The access audit log shared by all door modules
 *
 * One JSON object per line, appended with a single write() on an O_APPEND
 * descriptor, so lines from several modules never interleave. Nothing is
 * lost silently: the file is checked at start, a failed write is retried
 * once, a short write is cut back so no half line is left for the next
 * record to glue onto, and the next record that is written says how many
 * were lost before it ("lost":N).
 */
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <time.h>
#include <sys/stat.h>
#include <sys/time.h>
#include "door.h"

#define AUDIT_TRIES 2

static struct {
	char *path;
	struct tmr alarm;   /* after start, when every module has loaded */
	uint32_t lost;      /* records not written since the last one */
	bool failing;       /* reported; cleared by the next good write */
	bool cut;           /* a half line could not be removed */
} audit;


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
	if (rec->decided_by)
		err |= field(&pf, "decided_by", rec->decided_by);
	err |= mbuf_write_str(mb, "}\n");

	return err;
}


/* From the loop, so that at start webrelay is loaded to hear it */
static void alarm_announce(void *arg)
{
	(void)arg;

	if (audit.path)
		door_announce("audit_error", "file", audit.path, NULL);
}


/* One clear line and an alarm when records start being lost */
static void audit_failed(const char *what, int err)
{
	if (audit.failing)
		return;

	audit.failing = true;
	warning("door: audit log %s: %s (%m): access decisions are not being"
		" recorded\n", audit.path, what, err);
	tmr_start(&audit.alarm, 0, alarm_announce, NULL);
}


/* The folder is created if its parent exists, as a package would */
static int audit_open(void)
{
	int fd;

	fd = open(audit.path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0 && errno == ENOENT) {
		char *dir = NULL, *slash;

		if (str_dup(&dir, audit.path))
			return -1;
		slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			if (!mkdir(dir, 0750))
				info("door: audit log folder %s created\n", dir);
		}
		mem_deref(dir);
		fd = open(audit.path,
			  O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	}

	return fd;
}


/** Reads door_audit_file (no key: no audit log) and checks it opens */
void audit_configure(const struct conf *conf)
{
	int fd;

	audit_close();
	if (door_conf_dup(conf, "door_audit_file", &audit.path))
		return;

	fd = audit_open();
	if (fd < 0) {
		audit_failed("cannot be opened", errno);
		return;
	}
	(void)close(fd);
}


void audit_close(void)
{
	tmr_cancel(&audit.alarm);
	audit.path = mem_deref(audit.path);
	audit.lost = 0;
	audit.failing = false;
	audit.cut = false;
}


/*
 * One record, whole or not at all: a short write (a full disk) is cut
 * back to where it started. If even that fails the next record starts
 * with a newline, so only the half line is spoilt, not the record after.
 * mb holds that newline, then the record.
 */
static int append(const struct mbuf *mb)
{
	size_t skip = audit.cut ? 0 : 1;
	size_t len = mb->end - skip;
	struct stat st;
	ssize_t n;
	int fd, err = 0;

	fd = audit_open();
	if (fd < 0)
		return errno;

	if (fstat(fd, &st)) {
		err = errno;
		goto out;
	}

	n = write(fd, mb->buf + skip, len);
	if (n == (ssize_t)len) {
		audit.cut = false;
		goto out;
	}

	err = n < 0 ? errno : ENOSPC;
	if (n > 0 && ftruncate(fd, st.st_size))
		audit.cut = true;

 out:
	(void)close(fd);
	return err;
}


int audit_write(const struct audit_rec *rec)
{
	struct mbuf *mb;
	struct timeval tv;
	int i, err;

	if (!rec)
		return EINVAL;

	/* every record is a door event too, for the bus's listeners, with
	 * the same fields each time (NULL ones empty). The event ends where
	 * a field passes 255 characters: who (a name a client sends) comes
	 * last, so a long one never takes result or decided_by with it */
	(void)door_bus_emit(rec->module, "audit", "action", rec->action,
			    "relay", rec->relay, "source", rec->source,
			    "result", rec->result,
			    "decided_by", rec->decided_by,
			    "detail", rec->detail, "who", rec->who, NULL);

	if (!audit.path)
		return 0;

	mb = mbuf_alloc(256);
	if (!mb)
		return ENOMEM;

	gettimeofday(&tv, NULL);
	err  = mbuf_write_u8(mb, '\n');
	err |= audit_format(mb, rec, (uint64_t)tv.tv_sec * 1000 +
			    (uint64_t)tv.tv_usec / 1000);
	if (!err && audit.lost) {
		mb->end -= 2;                 /* "}\n" */
		mb->pos = mb->end;
		err = mbuf_printf(mb, ",\"lost\":%u}\n", audit.lost);
	}
	if (err)
		goto out;

	for (i = 0; i < AUDIT_TRIES; i++) {
		err = append(mb);
		if (!err)
			break;
	}

	if (err) {
		++audit.lost;
		audit_failed("write failed", err);
	}
	else {
		if (audit.failing)
			info("door: audit log %s written again\n",
			     audit.path);
		audit.failing = false;
		audit.lost = 0;
	}

 out:
	mem_deref(mb);
	return err;
}
