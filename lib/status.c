/*
 * status.c — what the scheduler knows of each entry, as one view shared by
 * llm-pool --status, llm-serve's status page and its /metrics: the scope
 * that keeps the entry away (if any), usage against limits, latency.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mlm.h"

double
mlm_srec_minute(const mlm_srec *r, int64_t now)
{
	int64_t ws = now - now % 60000;
	double frac = (double)(now - ws) / 60000.0;
	if (r->win_start == ws)
		return r->win_count + r->win_prev * (1 - frac);
	if (ws - r->win_start == 60000)
		return r->win_count * (1 - frac);
	return 0;
}

void
mlm_sched_entry_status(mlm_sched *s, int idx, int64_t now, mlm_entry_status *st)
{
	mlm_store *store = mlm_sched_store(s);
	mlm_sched_scopes(s, idx, st->scope[0], st->scope[1], st->scope[2], st->scope[3]);
	for (int k = 0; k < 4; k++)
		store->ops->load(store, st->scope[k], &st->r[k]);
	st->state = "ok";
	st->which = -1;
	st->day_full = 0;
	int64_t until = 0;
	for (int k = 0; k < 4; k++)
		if (st->r[k].until_ms > now && st->r[k].until_ms > until) {
			until = st->r[k].until_ms;
			st->which = k;
			st->state = st->r[k].dead ? "dead" :
			    (!strcmp(st->r[k].kind, "quota_exhausted") || !strcmp(st->r[k].kind, "no_credit")) ?
			    "parked" : "cooling";
		}
	/* a declared daily limit reached parks the owner until its reset */
	const mlm_entry *e = mlm_sched_entry(s, idx);
	if (st->which < 0 && e->lim.rpd && now - st->r[2].day_start < 86400000 &&
	    st->r[2].day_count >= (double)e->lim.rpd) {
		st->state = "parked";
		st->day_full = 1;
	}
	st->win_full = 0;
	if (st->which < 0 && !st->day_full &&
	    mlm_win_full(&st->r[2], &e->lim, now, &st->win_until, st->win_why, sizeof st->win_why)) {
		st->state = "parked";
		st->win_full = 1;
	}
}

/* The per-minute limit in force: declared, or learned when lower. */
static double
rpm_of(const mlm_entry *e, const mlm_srec *o)
{
	double rpm = (double)e->lim.rpm;
	if (o->learned_rpm > 0 && (rpm == 0 || o->learned_rpm < rpm))
		rpm = o->learned_rpm;
	return rpm;
}

jv
mlm_sched_status_json(mlm_sched *s, const mlm_entry *e, int idx, int64_t now)
{
	mlm_entry_status st;
	mlm_sched_entry_status(s, idx, now, &st);
	const mlm_srec *r = st.r;
	double minute = mlm_srec_minute(&r[2], now);
	double day = (now - r[2].day_start) < 86400000 ? r[2].day_count : 0;
	double rpm = rpm_of(e, &r[2]);
	jv o = jv_object();
#define SET(k, v) o = jv_object_set(o, jv_string(k), v)
	SET("id", jv_string(e->id));
	/* the owner charged: a key without a declared one is its own */
	char owner[256];
	snprintf(owner, sizeof owner, "%.250s", st.scope[2] + 2);
	if (e->lim.per_model && strchr(owner, '|'))
		*strrchr(owner, '|') = 0;
	SET("quota", jv_string(e->quota));
	SET("owner", jv_string(owner));
	SET("provider", jv_string(e->provider));
	SET("model", jv_string(e->model));
	SET("state", jv_string(st.state));
	if (st.which >= 0) {
		const mlm_srec *w = &r[st.which];
		SET("until", jv_number((double)w->until_ms));
		SET("left_s", jv_number(round((double)(w->until_ms - now) / 100) / 10));
		SET("scope", jv_string(st.scope[st.which]));
		SET("kind", jv_string(w->kind));
		SET("why", jv_string(w->why));
	} else if (st.day_full) {
		int64_t off = e->lim.reset == MLM_RESET_PACIFIC ? 8 * 3600000LL : 0;
		int64_t ds = (now - off) - (now - off) % 86400000 + off;
		int64_t until = e->lim.reset ? ds + 86400000 : now + 3600000;
		SET("until", jv_number((double)until));
		SET("left_s", jv_number(round((double)(until - now) / 100) / 10));
		SET("scope", jv_string(st.scope[2]));
		SET("kind", jv_string("quota_exhausted"));
		SET("why", jv_string("the declared daily limit is reached"));
	} else if (st.win_full) {
		SET("until", jv_number((double)st.win_until));
		SET("left_s", jv_number(round((double)(st.win_until - now) / 100) / 10));
		SET("scope", jv_string(st.scope[2]));
		SET("kind", jv_string("quota_exhausted"));
		SET("why", jv_string(st.win_why));
	}
	/* requests, a whole number: the sliding estimate rounded up, so that
	 * one request is counted until its minute has passed */
	jv m = jv_object_set(jv_object(), jv_string("used"), jv_number(ceil(minute - 1e-9)));
	if (rpm > 0)
		m = jv_object_set(m, jv_string("limit"), jv_number(rpm));
	if (r[2].learned_rpm > 0)
		m = jv_object_set(m, jv_string("learned"), jv_number(round(r[2].learned_rpm * 10) / 10));
	SET("minute", m);
	jv d = jv_object_set(jv_object(), jv_string("used"), jv_number(day));
	if (e->lim.rpd)
		d = jv_object_set(d, jv_string("limit"), jv_number((double)e->lim.rpd));
	if (e->lim.reset) {
		int64_t off = e->lim.reset == MLM_RESET_PACIFIC ? 8 * 3600000LL : 0;
		int64_t ds = (now - off) - (now - off) % 86400000 + off;
		d = jv_object_set(d, jv_string("reset"), jv_number((double)(ds + 86400000)));
	}
	SET("day", d);
	/* usage against every declared window */
	SET("windows", mlm_win_status_json(&r[2], &e->lim, now));
	SET("inflight", jv_number((double)r[2].inflight));
	if (r[2].learned_conc > 0)
		SET("learned_conc", jv_number(round(r[2].learned_conc * 10) / 10));
	if (r[0].n_ok > 0)
		SET("latency_ms", jv_number(round(r[0].lat_ms)));
	SET("ok", jv_number((double)r[0].n_ok));
	SET("errors", jv_number((double)r[0].n_err));
	if (r[0].n_ok + r[0].n_err)
		SET("success", jv_number(round(1000.0 * (double)r[0].n_ok /
		    (double)(r[0].n_ok + r[0].n_err)) / 10));
#undef SET
	return o;
}
