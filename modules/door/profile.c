/**
 * @file profile.c  Time profiles: weekly hours in local time
 *
 * "Mo-Fr 08:00-18:00, Sa 09:00-12:00": entries separated by ',', each a
 * day or a range of days (Mo Tu We Th Fr Sa Su, a range may wrap: Fr-Mo)
 * and one or more HH:MM-HH:MM ranges. A range whose end is not after its
 * start runs across midnight into the next day (Fr 22:00-06:00 ends on
 * Saturday morning); 24:00 is the end of a day. Local time comes from
 * localtime_r, so the TZ rules and their daylight-saving changes apply:
 * hours are wall-clock hours. Free of baresip calls.
 */
#include <string.h>
#include <time.h>
#include "door.h"

#define DAY_MIN  1440
#define WEEK_MIN (7 * DAY_MIN)
#define PROFILE_SPANS 64
#define PROFILE_HORIZON (8 * 86400)   /* a week of changes, and a day */

static const char *const day_names[7] = {
	"mo", "tu", "we", "th", "fr", "sa", "su"
};

struct span {
	uint32_t start;   /* minute of the week, Monday 00:00 = 0 */
	uint32_t len;     /* minutes, 1 to DAY_MIN */
};

struct profile {
	struct le le;
	char name[32];
	struct span spanv[PROFILE_SPANS];
	size_t spanc;
};


static int day_parse(const struct pl *pl, unsigned *day)
{
	unsigned i;

	for (i = 0; i < 7; i++) {
		if (!pl_strcasecmp(pl, day_names[i])) {
			*day = i;
			return 0;
		}
	}

	return EINVAL;
}


/* pl split at its one '-' into a and b; EINVAL without exactly one */
static int split_dash(const struct pl *pl, struct pl *a, struct pl *b)
{
	const char *dash = pl_strchr(pl, '-');

	if (!dash)
		return EINVAL;

	a->p = pl->p;
	a->l = (size_t)(dash - pl->p);
	b->p = dash + 1;
	b->l = pl->l - a->l - 1;

	return pl_strchr(b, '-') ? EINVAL : 0;
}


/* "Mo" or "Mo-Fr" into a bit per day, Monday the lowest */
static int days_parse(const struct pl *pl, unsigned *mask)
{
	struct pl a, b;
	unsigned from, to;

	if (pl_strchr(pl, '-')) {
		if (split_dash(pl, &a, &b) || day_parse(&a, &from) ||
		    day_parse(&b, &to))
			return EINVAL;
	}
	else if (day_parse(pl, &from))
		return EINVAL;
	else
		to = from;

	*mask = 0;
	for (;;) {
		*mask |= 1u << from;
		if (from == to)
			break;
		from = (from + 1) % 7;
	}

	return 0;
}


static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}


/* "HH:MM" of 00:00 to 24:00, in minutes */
static int hhmm_parse(const struct pl *pl, uint32_t *min)
{
	const char *p = pl->p;
	uint32_t hh, mm;

	if (pl->l != 5 || p[2] != ':' || !is_digit(p[0]) ||
	    !is_digit(p[1]) || !is_digit(p[3]) || !is_digit(p[4]))
		return EINVAL;

	hh = (uint32_t)(p[0] - '0') * 10 + (uint32_t)(p[1] - '0');
	mm = (uint32_t)(p[3] - '0') * 10 + (uint32_t)(p[4] - '0');
	if (hh > 24 || mm > 59 || (hh == 24 && mm))
		return EINVAL;

	*min = hh * 60 + mm;
	return 0;
}


static int range_add(struct profile *p, unsigned mask, const struct pl *pl)
{
	struct pl a, b;
	uint32_t from, to, len;
	unsigned d;

	if (split_dash(pl, &a, &b) || hhmm_parse(&a, &from) ||
	    hhmm_parse(&b, &to) || from == DAY_MIN || from == to)
		return EINVAL;

	/* not after the start: on across midnight */
	len = to > from ? to - from : to + DAY_MIN - from;

	for (d = 0; d < 7; d++) {
		if (!(mask & (1u << d)))
			continue;
		if (p->spanc >= PROFILE_SPANS)
			return EOVERFLOW;
		p->spanv[p->spanc].start = d * DAY_MIN + from;
		p->spanv[p->spanc].len = len;
		++p->spanc;
	}

	return 0;
}


/* one entry: days, then time ranges separated by white space */
static int entry_parse(struct profile *p, struct pl entry)
{
	struct pl tok;
	unsigned mask = 0, ranges = 0;
	int err;

	while (!re_regex(entry.p, entry.l, "[^ \t]+", &tok)) {
		pl_advance(&entry, tok.p + tok.l - entry.p);

		if (!mask) {
			err = days_parse(&tok, &mask);
		}
		else {
			err = range_add(p, mask, &tok);
			++ranges;
		}
		if (err)
			return err;
	}

	return ranges ? 0 : EINVAL;
}


static void profile_destructor(void *data)
{
	struct profile *p = data;

	list_unlink(&p->le);
}


/**
 * Parse a profile's hours. EINVAL for a malformed spec, EOVERFLOW for
 * more than 64 day-ranges in all; nothing is allocated then.
 */
int profile_parse(struct profile **pp, const char *name, const char *spec)
{
	struct profile *p;
	struct pl rest, entry;
	int err = 0;

	if (!pp || !str_isset(name) || str_len(name) >= sizeof(p->name) ||
	    !str_isset(spec))
		return EINVAL;

	p = mem_zalloc(sizeof(*p), profile_destructor);
	if (!p)
		return ENOMEM;

	str_ncpy(p->name, name, sizeof(p->name));

	pl_set_str(&rest, spec);
	for (;;) {
		const char *comma = pl_strchr(&rest, ',');

		entry.p = rest.p;
		entry.l = comma ? (size_t)(comma - rest.p) : rest.l;
		err = entry_parse(p, entry);
		if (err || !comma)
			break;
		pl_advance(&rest, entry.l + 1);
	}

	if (err)
		return mem_deref(p), err;

	*pp = p;
	return 0;
}


const char *profile_name(const struct profile *p)
{
	return p ? p->name : NULL;
}


/** Put p at the end of profiles, which then owns it */
void profile_link(struct profile *p, struct list *profiles)
{
	if (p && profiles)
		list_append(profiles, &p->le, p);
}


/** The profile named name (case-insensitive), or NULL */
const struct profile *profile_find(const struct list *profiles,
				   const char *name)
{
	struct le *le;

	LIST_FOREACH(profiles, le) {
		const struct profile *p = le->data;

		if (!str_casecmp(p->name, name))
			return p;
	}

	return NULL;
}


/* minute of the week of a local time */
static uint32_t week_minute(const struct tm *tm)
{
	return (uint32_t)((tm->tm_wday + 6) % 7) * DAY_MIN +
		(uint32_t)tm->tm_hour * 60 + (uint32_t)tm->tm_min;
}


static bool minute_active(const struct profile *p, uint32_t m)
{
	size_t i;

	for (i = 0; i < p->spanc; i++) {
		const struct span *s = &p->spanv[i];

		if ((m + WEEK_MIN - s->start) % WEEK_MIN < s->len)
			return true;
	}

	return false;
}


/** Whether the profile's hours include Unix time t, in local time */
bool profile_active(const struct profile *p, time_t t)
{
	struct tm tm;

	/* localtime_r alone may keep a time zone changed since */
	tzset();
	if (!p || !localtime_r(&t, &tm))
		return false;

	return minute_active(p, week_minute(&tm));
}


/* wall-clock minutes from m to the next start or end of a span */
static uint32_t minutes_to_edge(const struct profile *p, uint32_t m)
{
	uint32_t best = WEEK_MIN;
	size_t i;

	for (i = 0; i < p->spanc; i++) {
		const struct span *s = &p->spanv[i];
		uint32_t e[2] = {s->start, (s->start + s->len) % WEEK_MIN};
		unsigned k;

		for (k = 0; k < 2; k++) {
			uint32_t d = (e[k] + WEEK_MIN - m) % WEEK_MIN;

			if (d && d < best)
				best = d;
		}
	}

	return best;
}


/**
 * The first time after now at which profile_active() changes, for one
 * timer to the next boundary; 0 when it never changes (no hours, or all
 * week). The search goes by wall-clock boundaries, and minute by minute
 * where the UTC offset changes (daylight saving), so a boundary skipped
 * or repeated by the change is met when the clock gets there.
 */
time_t profile_next_change(const struct profile *p, time_t now)
{
	const bool cur = profile_active(p, now);
	time_t t = now + 60;
	bool realigned = false;
	struct tm tm, tm2;

	if (!p || !p->spanc)
		return 0;

	while (t <= now + PROFILE_HORIZON) {
		time_t t2;

		if (!localtime_r(&t, &tm))
			return 0;

		/* local minutes begin where the offset says (an offset may
		 * hold seconds, as local mean times did) */
		if (tm.tm_sec && !realigned) {
			t -= tm.tm_sec;
			realigned = true;
			continue;
		}
		realigned = false;
		if (minute_active(p, week_minute(&tm)) != cur)
			return t;

		/* a jump that keeps the offset reaches the next edge as the
		 * wall clock shows it; otherwise step a minute */
		t2 = t + (time_t)minutes_to_edge(p, week_minute(&tm)) * 60;
		if (localtime_r(&t2, &tm2) && tm2.tm_gmtoff == tm.tm_gmtoff)
			t = t2;
		else
			t += 60;
	}

	return 0;
}
