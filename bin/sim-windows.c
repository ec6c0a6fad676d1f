/*
 * sim-windows.c — llm-sim's limit windows beyond rpm, rpd and tpm: see
 * sim-windows.h. Called with llm-sim's state mutex held.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mlm.h"
#include "sim-windows.h"

#define HOUR_MS 3600000LL
#define DAY_MS 86400000LL
#define PAC_MS (8 * HOUR_MS)

struct sim_win {
	int64_t *hr;            /* admitted request times of the last hour (ring) */
	size_t hr_start, hr_n, hr_cap;
	int64_t day;            /* the day of the daily counts */
	double day_tok, day_neu;
	long month;             /* year * 12 + month of the monthly counts */
	double mo_req, mo_tok;
	int64_t mo_end;         /* when that month ends (ms) */
};

int64_t
sim_win_day(int64_t now, int pacific)
{
	return (now - (pacific ? PAC_MS : 0)) / DAY_MS;
}

int64_t
sim_win_day_left(int64_t now, int pacific)
{
	int64_t off = pacific ? PAC_MS : 0;
	return (sim_win_day(now, pacific) + 1) * DAY_MS + off - now;
}

/* the month of now (its days begin as the daily counts' do) and its end */
static long
month_of(int64_t now, int pacific, int64_t *end)
{
	int64_t off = pacific ? PAC_MS : 0;
	time_t t = (time_t)((now - off) / 1000);
	struct tm tm;
	gmtime_r(&t, &tm);
	struct tm nx = { 0 };
	nx.tm_year = tm.tm_mon == 11 ? tm.tm_year + 1 : tm.tm_year;
	nx.tm_mon = (tm.tm_mon + 1) % 12;
	nx.tm_mday = 1;
	*end = (int64_t)timegm(&nx) * 1000 + off;
	return (long)tm.tm_year * 12 + tm.tm_mon;
}

static struct sim_win *
get(struct sim_win **w)
{
	if (!*w) {
		*w = calloc(1, sizeof **w);
		if (!*w)
			abort();
	}
	return *w;
}

/* rolls the counts to now */
static void
roll(struct sim_win *w, const struct sim_win_faults *f, int64_t now)
{
	while (w->hr_n && w->hr[w->hr_start] <= now - HOUR_MS) {
		w->hr_start = (w->hr_start + 1) % w->hr_cap;
		w->hr_n--;
	}
	int64_t d = sim_win_day(now, f->pacific);
	if (w->day != d) {
		w->day = d;
		w->day_tok = w->day_neu = 0;
	}
	int64_t end;
	long m = month_of(now, f->pacific, &end);
	if (w->month != m) {
		w->month = m;
		w->mo_req = w->mo_tok = 0;
	}
	w->mo_end = end;
}

double
sim_win_neurons(const char *model, long ptok, long ctok)
{
	const mlm_catalog_model *m = model ?
	    mlm_catalog_model_find(mlm_provider_find("cloudflare"), model) : NULL;
	double in = m && m->lim.neu_in > 0 ? (double)m->lim.neu_in : MLM_NEURONS_IN;
	double out = m && m->lim.neu_out > 0 ? (double)m->lim.neu_out :
	    m && m->lim.neu_in > 0 ? in : MLM_NEURONS_OUT;
	return ((double)ptok * in + (double)ctok * out) / 1e6;
}

const char *
sim_win_check(struct sim_win **wp, const struct sim_win_faults *f, const char *model,
    long ptok, long ctok, int64_t now, long *limit, int64_t *wait_ms)
{
	if (f->rph < 0 && f->rpmo < 0 && f->tpd < 0 && f->tpmo < 0 && f->npd < 0)
		return NULL;
	struct sim_win *w = get(wp);
	roll(w, f, now);
	double tok = (double)(ptok + ctok);
	if (f->rph >= 0 && (long)w->hr_n + 1 > f->rph) {
		*limit = f->rph;
		*wait_ms = w->hr_n ? w->hr[w->hr_start] + HOUR_MS - now : HOUR_MS;
		return "rph";
	}
	const char *full = NULL;
	if (f->rpmo >= 0 && w->mo_req + 1 > (double)f->rpmo)
		full = "rpmo", *limit = f->rpmo;
	else if (f->tpmo >= 0 && w->mo_tok + tok > (double)f->tpmo)
		full = "tpmo", *limit = f->tpmo;
	if (full) {
		*wait_ms = w->mo_end - now;
		return full;
	}
	if (f->tpd >= 0 && w->day_tok + tok > (double)f->tpd)
		full = "tpd", *limit = f->tpd;
	else if (f->npd >= 0 && w->day_neu + sim_win_neurons(model, ptok, ctok) > (double)f->npd)
		full = "npd", *limit = f->npd;
	if (full)
		*wait_ms = sim_win_day_left(now, f->pacific);
	return full;
}

void
sim_win_charge(struct sim_win **wp, const struct sim_win_faults *f, const char *model,
    long ptok, long ctok, int64_t now)
{
	if (f->rph < 0 && f->rpmo < 0 && f->tpd < 0 && f->tpmo < 0 && f->npd < 0)
		return;
	struct sim_win *w = get(wp);
	roll(w, f, now);
	if (w->hr_n == w->hr_cap) {
		size_t nc = w->hr_cap ? w->hr_cap * 2 : 16;
		int64_t *nt = malloc(nc * sizeof *nt);
		if (!nt)
			abort();
		for (size_t i = 0; i < w->hr_n; i++)
			nt[i] = w->hr[(w->hr_start + i) % w->hr_cap];
		free(w->hr);
		w->hr = nt;
		w->hr_cap = nc;
		w->hr_start = 0;
	}
	w->hr[(w->hr_start + w->hr_n++) % w->hr_cap] = now;
	w->mo_req += 1;
	w->mo_tok += (double)(ptok + ctok);
	w->day_tok += (double)(ptok + ctok);
	w->day_neu += sim_win_neurons(model, ptok, ctok);
}

void
sim_win_reset(struct sim_win *w)
{
	if (!w)
		return;
	w->hr_start = w->hr_n = 0;
	w->day = w->month = 0;
	w->day_tok = w->day_neu = w->mo_req = w->mo_tok = 0;
}
