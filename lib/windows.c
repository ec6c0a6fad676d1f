/*
 * windows.c — the limit windows beyond requests per minute and per day,
 * tokens per minute and requests in flight (sched.c keeps those): requests
 * per hour and per month, tokens per day and per month, and Cloudflare's
 * daily neuron budget, each with its reset rule.
 *
 * Each window keeps, in the owner's record, the start of its current
 * period, the count of this period and that of the last. A window that
 * resets at fixed times (UTC midnight, Pacific midnight, the 1st of the
 * month) counts this period and frees at its end. A rolling one (an hour,
 * or a day without a reset rule) counts this period and the last, the
 * last until its last request has left the window: never less than the
 * provider's exact count, so never a request it refuses. (sched.c's
 * minute weighs the last period by how much of it is still inside, which
 * may count short when requests came at its end; a refused request there
 * costs seconds, here an hour.)
 *
 * Requests are charged when a pick is made (so requests in flight count);
 * tokens and neurons when the answer tells them. Before an answer is in, a
 * token window is held back by its requests in flight times what one
 * request costs: the caller's estimate, else the average answer so far.
 *
 * Everything here is a function of the time it is given: tests fix it.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "mlm.h"

#define MIN_MS  60000LL
#define HOUR_MS 3600000LL
#define DAY_MS  86400000LL
#define PACIFIC_OFF (8 * HOUR_MS)   /* midnight US Pacific, taken as 08:00 UTC */

static const int wx_kinds[MLM_WX__N] = {
	MLM_WIN_RPH, MLM_WIN_RPMO, MLM_WIN_TPD, MLM_WIN_TPMO, MLM_WIN_NPD,
};

int
mlm_wx_kind(int wx)
{
	return wx >= 0 && wx < MLM_WX__N ? wx_kinds[wx] : -1;
}

enum { P_MINUTE, P_HOUR, P_DAY, P_MONTH, P_NONE };

static int
period_of(int kind)
{
	switch (kind) {
	case MLM_WIN_RPM: case MLM_WIN_TPM: return P_MINUTE;
	case MLM_WIN_RPH: return P_HOUR;
	case MLM_WIN_RPD: case MLM_WIN_TPD: case MLM_WIN_NPD: return P_DAY;
	case MLM_WIN_RPMO: case MLM_WIN_TPMO: return P_MONTH;
	default: return P_NONE;
	}
}

/* Days since 1970-01-01 of a civil date, and back (H. Hinnant's algorithms). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static void
civil_from_days(int64_t z, int64_t *y, int *m)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int64_t
floor_div(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int64_t
mlm_win_period(int kind, int reset, int64_t now)
{
	int64_t off = reset == MLM_WRESET_PACIFIC ? PACIFIC_OFF : 0;
	switch (period_of(kind)) {
	case P_MINUTE: return floor_div(now, MIN_MS) * MIN_MS;
	case P_HOUR: return floor_div(now, HOUR_MS) * HOUR_MS;
	case P_DAY: return floor_div(now - off, DAY_MS) * DAY_MS + off;
	case P_MONTH: {
		int64_t y;
		int m;
		civil_from_days(floor_div(now - off, DAY_MS), &y, &m);
		return days_from_civil(y, m, 1) * DAY_MS + off;
	}
	default: return now;
	}
}

int64_t
mlm_win_period_end(int kind, int reset, int64_t start)
{
	int64_t off = reset == MLM_WRESET_PACIFIC ? PACIFIC_OFF : 0;
	switch (period_of(kind)) {
	case P_MINUTE: return start + MIN_MS;
	case P_HOUR: return start + HOUR_MS;
	case P_DAY: return start + DAY_MS;
	case P_MONTH: {
		int64_t y;
		int m;
		civil_from_days(floor_div(start - off, DAY_MS), &y, &m);
		if (++m > 12)
			m = 1, y++;
		return days_from_civil(y, m, 1) * DAY_MS + off;
	}
	default: return start;
	}
}

int
mlm_win_reset(const mlm_limits *l, int kind)
{
	int r = l->wreset[kind];
	switch (period_of(kind)) {
	case P_DAY:
		/* declared with the window, else the entry's daily reset, else
		 * rolling (24 hours) */
		return r == MLM_WRESET_UTC || r == MLM_WRESET_PACIFIC ? r : l->reset;
	case P_MONTH:
		return r == MLM_WRESET_PACIFIC ? r : MLM_WRESET_MONTH;
	case P_HOUR:
		return r == MLM_WRESET_ROLLING ? r : MLM_WRESET_UTC;
	default:
		return MLM_WRESET_ROLLING;
	}
}

void
mlm_win_roll(mlm_srec *r, const mlm_limits *l, int64_t now)
{
	for (int wx = 0; wx < MLM_WX__N; wx++) {
		int k = wx_kinds[wx], rs = mlm_win_reset(l, k);
		int64_t ps = mlm_win_period(k, rs, now);
		if (r->wx_start[wx] == ps)
			continue;
		int64_t span = mlm_win_period_end(k, rs, ps) - ps;
		int adjacent = r->wx_start[wx] && mlm_win_period_end(k, rs, r->wx_start[wx]) == ps;
		r->wx_prev[wx] = adjacent ? r->wx_cur[wx] : 0;
		r->wx_pexp[wx] = adjacent ? r->wx_last[wx] + span : 0;
		r->wx_cur[wx] = 0;
		r->wx_last[wx] = 0;
		r->wx_start[wx] = ps;
	}
}

double
mlm_win_used(const mlm_srec *r0, const mlm_limits *l, int wx, int64_t now)
{
	mlm_srec r = *r0;
	mlm_win_roll(&r, l, now);
	int rs = mlm_win_reset(l, wx_kinds[wx]);
	if (rs != MLM_WRESET_ROLLING)
		return r.wx_cur[wx];
	return r.wx_cur[wx] + (now < r.wx_pexp[wx] ? r.wx_prev[wx] : 0);
}

/* When window wx of rolled r has room for n more: its period's end for a
 * fixed reset; for a rolling one, when the last period's requests have
 * left it, or (this period's alone are too many) this period's. */
static int64_t
wait_for(const mlm_srec *r, const mlm_limits *l, int wx, double n, double max, int64_t now)
{
	int k = wx_kinds[wx], rs = mlm_win_reset(l, k);
	int64_t start = r->wx_start[wx], end = mlm_win_period_end(k, rs, start);
	int64_t w = end - now;
	if (rs == MLM_WRESET_ROLLING)
		w = r->wx_cur[wx] + n > max ? r->wx_last[wx] + (end - start) - now : r->wx_pexp[wx] - now;
	return w > 0 ? w : 10;
}

static const char *const what[MLM_WX__N] = {
	"requests this hour", "requests this month", "tokens today", "tokens this month",
	"neurons today",
};

void
mlm_neuron_rates(const mlm_limits *l, long *in, long *out)
{
	*in = l && l->neu_in > 0 ? l->neu_in : MLM_NEURONS_IN;
	*out = l && l->neu_out > 0 ? l->neu_out : l && l->neu_in > 0 ? l->neu_in : MLM_NEURONS_OUT;
}

double
mlm_neurons(long neu_in, long neu_out, long in_tok, long out_tok)
{
	return ((double)(in_tok > 0 ? in_tok : 0) * (double)neu_in +
	    (double)(out_tok > 0 ? out_tok : 0) * (double)neu_out) / 1e6;
}

/* What one more request costs window wx before its answer: a request, or
 * the tokens (neurons) of the estimate, else of the average answer. */
static double
cost_of(const mlm_srec *r, const mlm_limits *l, int wx, long need_tokens)
{
	if (wx == MLM_WX_RPH || wx == MLM_WX_RPMO)
		return 1;
	if (wx == MLM_WX_NPD) {
		long in, out;
		mlm_neuron_rates(l, &in, &out);
		long dear = out > in ? out : in;    /* the estimate does not split in and out */
		return need_tokens > 0 ? mlm_neurons(dear, dear, need_tokens, 0) : r->neu_avg;
	}
	return need_tokens > 0 ? (double)need_tokens : r->tok_avg;
}

/* Whether l declares any of these windows. */
static int
any_window(const mlm_limits *l)
{
	for (int wx = 0; wx < MLM_WX__N; wx++)
		if (l->wmax[wx_kinds[wx]] > 0)
			return 1;
	return 0;
}

int
mlm_win_check(mlm_srec *r, const mlm_limits *l, long need_tokens, long inflight,
    int64_t now, int64_t *wait, const char **kind, char *why, size_t wl)
{
	if (!any_window(l))
		return 0;
	mlm_win_roll(r, l, now);
	for (int wx = 0; wx < MLM_WX__N; wx++) {
		double max = (double)l->wmax[wx_kinds[wx]];
		if (max <= 0)
			continue;
		double used = mlm_win_used(r, l, wx, now), one = cost_of(r, l, wx, need_tokens);
		int reqs = wx == MLM_WX_RPH || wx == MLM_WX_RPMO;
		/* requests are charged at the pick: those in flight are counted */
		double pending = reqs ? one : one * (double)(inflight + 1);
		if (used + pending <= max && (reqs || used < max))
			continue;
		if (!reqs && used + one <= max && used < max) {
			/* room for this one, not for those in flight: look again
			 * when an answer is in */
			*wait = 50;
			*kind = "rate_limited";
			snprintf(why, wl, "%.0f of %.0f %s, %ld in flight", ceil(used - 1e-9), max,
			    what[wx], inflight);
			return -1;
		}
		*wait = wait_for(r, l, wx, one > 0 ? one : 1, max, now);
		*kind = "quota_exhausted";
		snprintf(why, wl, "%.0f of %.0f %s, frees in %.0fs", ceil(used - 1e-9), max, what[wx],
		    ceil((double)*wait / 1000));
		return -1;
	}
	return 0;
}

int
mlm_win_full(const mlm_srec *r0, const mlm_limits *l, int64_t now, int64_t *until,
    char *why, size_t wl)
{
	if (!any_window(l))
		return 0;
	mlm_srec r = *r0;
	mlm_win_roll(&r, l, now);
	for (int wx = 0; wx < MLM_WX__N; wx++) {
		double max = (double)l->wmax[wx_kinds[wx]];
		if (max <= 0)
			continue;
		double used = mlm_win_used(&r, l, wx, now), one = cost_of(&r, l, wx, 0);
		if (used + (one > 0 ? one : 1) <= max && used < max)
			continue;
		*until = now + wait_for(&r, l, wx, one > 0 ? one : 1, max, now);
		snprintf(why, wl, "%.0f of %.0f %s", ceil(used - 1e-9), max, what[wx]);
		return 1;
	}
	return 0;
}

void
mlm_win_charge_pick(mlm_srec *r, const mlm_limits *l, int64_t now)
{
	mlm_win_roll(r, l, now);
	r->wx_cur[MLM_WX_RPH] += 1;
	r->wx_cur[MLM_WX_RPMO] += 1;
	r->wx_last[MLM_WX_RPH] = r->wx_last[MLM_WX_RPMO] = now;
}

void
mlm_win_charge_answer(mlm_srec *r, const mlm_limits *l, long in_tok, long out_tok, int64_t now)
{
	if (in_tok <= 0 && out_tok <= 0)
		return;
	mlm_win_roll(r, l, now);
	long in, out;
	mlm_neuron_rates(l, &in, &out);
	double t = (double)(in_tok > 0 ? in_tok : 0) + (double)(out_tok > 0 ? out_tok : 0);
	double n = mlm_neurons(in, out, in_tok, out_tok);
	r->wx_cur[MLM_WX_TPD] += t;
	r->wx_cur[MLM_WX_TPMO] += t;
	r->wx_cur[MLM_WX_NPD] += n;
	r->wx_last[MLM_WX_TPD] = r->wx_last[MLM_WX_TPMO] = r->wx_last[MLM_WX_NPD] = now;
	/* what an answer costs, for the requests in flight: an average that
	 * follows change, never below the last answer's half */
	r->tok_avg = r->tok_avg > 0 ? fmax(r->tok_avg + 0.3 * (t - r->tok_avg), t / 2) : t;
	r->neu_avg = r->neu_avg > 0 ? fmax(r->neu_avg + 0.3 * (n - r->neu_avg), n / 2) : n;
}

/* one window's usage object */
static jv
win_obj(int kind, double used, double limit, int64_t reset_at)
{
	jv o = jv_object();
	o = jv_object_set(o, jv_string("window"), jv_string(mlm_window_name(kind)));
	o = jv_object_set(o, jv_string("used"), jv_number(ceil(used - 1e-9)));
	o = jv_object_set(o, jv_string("limit"), jv_number(limit));
	if (reset_at > 0)
		o = jv_object_set(o, jv_string("reset"), jv_number((double)reset_at));
	return o;
}

jv
mlm_win_status_json(const mlm_srec *r0, const mlm_limits *l, int64_t now)
{
	mlm_srec r = *r0;
	mlm_win_roll(&r, l, now);
	jv a = jv_array();
	if (l->rpm)
		a = jv_array_append(a, win_obj(MLM_WIN_RPM, mlm_srec_minute(&r, now), (double)l->rpm, 0));
	if (l->rpd) {
		int rs = l->reset;
		int64_t ds = mlm_win_period(MLM_WIN_RPD, rs, now);
		double day = now - r.day_start < DAY_MS ? r.day_count : 0;
		a = jv_array_append(a, win_obj(MLM_WIN_RPD, day, (double)l->rpd,
		    rs ? mlm_win_period_end(MLM_WIN_RPD, rs, ds) : 0));
	}
	if (l->tpm) {
		int64_t ws = mlm_win_period(MLM_WIN_TPM, 0, now);
		double frac = (double)(now - ws) / (double)MIN_MS;
		double t = r.win_start == ws ? r.tok_count + r.tok_prev * (1 - frac) :
		    ws - r.win_start == MIN_MS ? r.tok_count * (1 - frac) : 0;
		a = jv_array_append(a, win_obj(MLM_WIN_TPM, t, (double)l->tpm, 0));
	}
	if (l->conc)
		a = jv_array_append(a, win_obj(MLM_WIN_CONC, (double)r.inflight, (double)l->conc, 0));
	for (int wx = 0; wx < MLM_WX__N; wx++) {
		int k = wx_kinds[wx], rs = mlm_win_reset(l, k);
		if (l->wmax[k] <= 0)
			continue;
		a = jv_array_append(a, win_obj(k, mlm_win_used(&r, l, wx, now), (double)l->wmax[k],
		    rs == MLM_WRESET_ROLLING ? 0 : mlm_win_period_end(k, rs, r.wx_start[wx])));
	}
	return a;
}

void
mlm_sched_usage(mlm_sched *s, int idx, long in_tok, long out_tok)
{
	const mlm_entry *e = mlm_sched_entry(s, idx);
	if ((in_tok <= 0 && out_tok <= 0) || (!e->lim.wmax[MLM_WIN_TPD] &&
	    !e->lim.wmax[MLM_WIN_TPMO] && !e->lim.wmax[MLM_WIN_NPD]))
		return;     /* nothing counts them */
	char sc[4][256];
	mlm_srec o;
	mlm_store *st = mlm_sched_store(s);
	mlm_sched_scopes(s, idx, sc[0], sc[1], sc[2], sc[3]);
	mlm_sched_batch(s, 1);
	st->ops->load(st, sc[2], &o);
	mlm_win_charge_answer(&o, &e->lim, in_tok, out_tok, mlm_now_ms());
	st->ops->save(st, &o);
	mlm_sched_batch(s, 0);
}
