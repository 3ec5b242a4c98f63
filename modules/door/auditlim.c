/**
 * @file auditlim.c  Refusals summarised, so a flood cannot fill the disk
 *
 * Per key (say a client address and the kind of refusal) the first
 * refusal is written at once; those that follow within the interval are
 * counted and written as one record when it ends, with the count in its
 * detail. A key quiet for a whole interval is forgotten, so its next
 * refusal is written at once again. At most max_keys keys are held; the
 * refusals of keys beyond that share one summary. What a flood writes is
 * thus bounded by the number of keys, never by the number of requests.
 * Granted accesses are not limited: they go to audit_write().
 */
#include <string.h>
#include "door.h"

enum {
	FIELD = 96,
	KEY = 192,   /* longer keys are cut: those alike so far are one */
};

struct summary {
	struct le he;
	struct audit_limit *al;
	char key[KEY];
	char module[24], action[24], relay[16], source[16], result[16];
	char who[FIELD], detail[FIELD], decided_by[16];
	uint32_t count;          /* refusals not written yet */
};

struct audit_limit {
	struct hash *keys;
	struct summary others;   /* refusals beyond max_keys */
	struct tmr tmr;
	uint32_t interval_ms;
	uint32_t max_keys;
	uint32_t n;              /* keys held */
};


static void summary_destructor(void *data)
{
	struct summary *s = data;

	hash_unlink(&s->he);
	if (s->al)
		--s->al->n;
}


static void summary_copy(struct summary *s, const struct audit_rec *rec)
{
	str_ncpy(s->module, rec->module ? rec->module : "",
		 sizeof(s->module));
	str_ncpy(s->action, rec->action ? rec->action : "",
		 sizeof(s->action));
	str_ncpy(s->relay, rec->relay ? rec->relay : "", sizeof(s->relay));
	str_ncpy(s->source, rec->source ? rec->source : "",
		 sizeof(s->source));
	str_ncpy(s->result, rec->result ? rec->result : "",
		 sizeof(s->result));
	str_ncpy(s->who, rec->who ? rec->who : "", sizeof(s->who));
	str_ncpy(s->detail, rec->detail ? rec->detail : "",
		 sizeof(s->detail));
	str_ncpy(s->decided_by, rec->decided_by ? rec->decided_by : "",
		 sizeof(s->decided_by));
}


static void summary_write(const struct audit_limit *al,
			  const struct summary *s, bool others)
{
	struct audit_rec rec;
	char detail[2 * FIELD];

	(void)re_snprintf(detail, sizeof(detail), "%s (%u %s in %u s)",
			  s->detail, s->count,
			  others ? "refusals from other sources" :
			  "more like it", (al->interval_ms + 999) / 1000);

	memset(&rec, 0, sizeof(rec));
	rec.module = s->module;
	rec.action = s->action;
	rec.relay  = s->relay;
	rec.source = s->source;
	rec.who    = others ? "*" : s->who;
	rec.result = s->result;
	rec.detail = detail;
	rec.decided_by = s->decided_by[0] ? s->decided_by : NULL;

	(void)audit_write(&rec);
}


static bool flush_one(struct le *le, void *arg)
{
	struct summary *s = le->data;
	struct audit_limit *al = arg;

	if (!s->count) {
		mem_deref(s);        /* quiet for a whole interval */
		return false;
	}

	summary_write(al, s, false);
	s->count = 0;

	return false;
}


/** Write every pending summary now; keys quiet since the last flush go */
void audit_limit_flush(struct audit_limit *al)
{
	if (!al)
		return;

	(void)hash_apply(al->keys, flush_one, al);

	if (al->others.count) {
		summary_write(al, &al->others, true);
		al->others.count = 0;
	}
}


static void tmr_handler(void *arg)
{
	struct audit_limit *al = arg;

	audit_limit_flush(al);

	if (al->n)
		tmr_start(&al->tmr, al->interval_ms, tmr_handler, al);
}


static void limit_destructor(void *data)
{
	struct audit_limit *al = data;

	tmr_cancel(&al->tmr);
	audit_limit_flush(al);      /* nothing counted goes unwritten */
	hash_flush(al->keys);
	mem_deref(al->keys);
}


int audit_limit_alloc(struct audit_limit **alp, uint32_t interval_ms,
		      uint32_t max_keys)
{
	struct audit_limit *al;
	int err;

	if (!alp || !interval_ms || !max_keys)
		return EINVAL;

	al = mem_zalloc(sizeof(*al), limit_destructor);
	if (!al)
		return ENOMEM;

	err = hash_alloc(&al->keys, 256);
	if (err) {
		mem_deref(al);
		return err;
	}

	al->interval_ms = interval_ms;
	al->max_keys = max_keys;
	*alp = al;

	return 0;
}


static bool key_cmp(struct le *le, void *arg)
{
	const struct summary *s = le->data;

	return !strcmp(s->key, arg);
}


/**
 * A refusal: written now if it is the first for key in an interval,
 * otherwise counted into the summary written when the interval ends.
 */
int audit_refusal(struct audit_limit *al, const char *key,
		  const struct audit_rec *rec)
{
	struct summary *s;
	struct le *le;
	char k[KEY];

	if (!al || !key || !rec)
		return EINVAL;

	/* looked up as it is kept */
	str_ncpy(k, key, sizeof(k));
	le = hash_lookup(al->keys, hash_joaat_str(k), key_cmp, k);
	if (le) {
		s = le->data;
		++s->count;
		summary_copy(s, rec);
		return 0;
	}

	if (al->n >= al->max_keys) {
		++al->others.count;
		summary_copy(&al->others, rec);
		return 0;
	}

	s = mem_zalloc(sizeof(*s), summary_destructor);
	if (!s)
		return ENOMEM;

	str_ncpy(s->key, k, sizeof(s->key));
	s->al = al;
	++al->n;
	hash_append(al->keys, hash_joaat_str(s->key), &s->he, s);

	if (!tmr_isrunning(&al->tmr))
		tmr_start(&al->tmr, al->interval_ms, tmr_handler, al);

	return audit_write(rec);
}
