/*
 * sched.c — choosing an entry for each attempt, and acting on outcomes.
 *
 * Every decision reads the shared store (mlm_store) inside one transaction,
 * so processes that share a store behave as one careful client: a cooldown
 * one of them learns is honoured by all. The action for each error kind is
 * the table in design.md; limits are charged to the quota owner, per model
 * where the provider meters per model.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mlm.h"

#define LEASE_TTL_MS   (10 * 60 * 1000)
#define PROBE_DEAD_MS  (60 * 60 * 1000)      /* half-open probe of dead entries */
#define PARK_CREDIT_MS (6 * 60 * 60 * 1000)  /* no credit: park the key long */
/* outlier detection: an entry that fails this many times in a row is
 * ejected, first for EJECT_BASE_MS, twice as long after each failed
 * half-open probe; a success ends it. */
#define EJECT_AFTER    2
#define EJECT_BASE_MS  5000
#define EJECT_MAX_MS   (5 * 60 * 1000)
#define PROBE_HOLD_MS  30000                 /* others wait while a probe runs */
/* a model cools as a whole only on evidence from two owners this close
 * together (or on the provider's own wait hint), first for a second,
 * doubling to 16 s while the evidence goes on; a success ends it */
#define MODEL_EVIDENCE_MS 10000
#define MODEL_COOL_MS  1000
#define MODEL_HINT_MAX_MS 60000

struct mlm_sched {
	mlm_pool *pool;
	mlm_store *store;
	int strategy;
	unsigned rr;                    /* round-robin cursor */
	unsigned *unsupported;          /* per entry: features found unsupported */
	unsigned seed;
	int depth;                      /* nested transactions (batches) */
	struct scopes { char s[4][256]; int done, key_tried; } *scopes;   /* per entry */
	char block_kind[24];            /* why the last fruitless pick found nothing */
	int block_idx;                  /* and the entry it would wait for, -1 none */
	const char *bk;                 /* check()'s reason for the entry it refused */
	char bkbuf[24];
	int bslot;                      /* and it waits for a request in flight to end */
	int block_slot;                 /* so does the pick's soonest wait */
};

/* One store transaction however deeply picks and outcomes nest: the engine
 * wraps a burst of them in a batch, so a busy process commits once per
 * burst instead of twice per call. */
static void keys_before_tx(mlm_sched *s);

static void
tx_begin(mlm_sched *s)
{
	if (s->depth == 0)
		keys_before_tx(s);
	if (s->depth++ == 0)
		s->store->ops->begin(s->store);
}

static void
tx_end(mlm_sched *s)
{
	if (s->depth > 0 && --s->depth == 0)
		s->store->ops->commit(s->store);
}

void
mlm_sched_batch(mlm_sched *s, int on)
{
	if (on)
		tx_begin(s);
	else
		tx_end(s);
}

static const char *const strat_names[MLM_STRAT__N] = {
	"smart", "sequential", "random", "round-robin", "weighted", "least-busy",
	"latency", "headroom",
};

const char *
mlm_strategy_name(int s)
{
	return s >= 0 && s < MLM_STRAT__N ? strat_names[s] : "?";
}

/* Any case, '_' for '-', and the seed's class names: SequentialStrategy,
 * RandomStrategy, RoundRobinStrategy... */
int
mlm_strategy_parse(const char *s)
{
	char n[32];
	size_t k = 0;
	for (; s && *s && k + 1 < sizeof n; s++)
		if (*s != '-' && *s != '_')
			n[k++] = (char)tolower((unsigned char)*s);
	n[k] = 0;
	if (!s || *s)
		return -1;
	if (k > 8 && !strcmp(n + k - 8, "strategy"))
		n[k - 8] = 0;
	for (int i = 0; i < MLM_STRAT__N; i++) {
		char w[32];
		size_t j = 0;
		for (const char *c = strat_names[i]; *c; c++)
			if (*c != '-')
				w[j++] = *c;
		w[j] = 0;
		if (!strcmp(n, w))
			return i;
	}
	if (!strcmp(n, "priority"))
		return MLM_STRAT_SEQUENTIAL;
	return -1;
}

mlm_sched *
mlm_sched_new(mlm_pool *pool, mlm_store *store, int strategy)
{
	mlm_sched *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->pool = pool;
	s->store = store;
	s->strategy = strategy;
	s->unsupported = calloc(pool->n + 1, sizeof *s->unsupported);
	s->scopes = calloc(pool->n + 1, sizeof *s->scopes);
	s->seed = (unsigned)(getpid() ^ mlm_now_ms());
	s->block_idx = -1;
	return s;
}

void
mlm_sched_free(mlm_sched *s)
{
	if (!s)
		return;
	free(s->unsupported);
	free(s->scopes);
	free(s);
}

void
mlm_sched_set_strategy(mlm_sched *s, int strategy)
{
	s->strategy = strategy;
}

const mlm_entry *
mlm_sched_entry(const mlm_sched *s, int idx)
{
	return &s->pool->v[idx];
}

mlm_store *
mlm_sched_store(mlm_sched *s)
{
	return s->store;
}

const char *
mlm_sched_block_kind(const mlm_sched *s)
{
	return s->block_kind;
}

int
mlm_sched_block_entry(const mlm_sched *s)
{
	return s->block_idx;
}

int
mlm_sched_block_slot(const mlm_sched *s)
{
	return s->block_slot;
}

int
mlm_sched_is_unsupported(const mlm_sched *s, int idx, unsigned feature)
{
	return idx >= 0 && (size_t)idx < s->pool->n && (s->unsupported[idx] & feature);
}

void
mlm_sched_unsupported(mlm_sched *s, int idx, unsigned feature)
{
	if (idx >= 0 && (size_t)idx < s->pool->n)
		s->unsupported[idx] |= feature;
}

/* How the state names a key: its variable, else "cmd" (a command is never
 * shown) or the entry id for an inline key. The value is never part of it. */
static const char *
keyref(const mlm_entry *e)
{
	return e->key_env ? e->key_env : e->key_cmd ? "cmd" : e->id;
}

void
mlm_sched_scopes(const mlm_sched *s, int idx, char es[256], char ks[256], char os[256],
    char ms[256])
{
	/* computed once per entry, once its key is known */
	struct scopes *c = s->scopes ? &s->scopes[idx] : NULL;
	if (c && c->done) {
		memcpy(es, c->s[0], 256), memcpy(ks, c->s[1], 256);
		memcpy(os, c->s[2], 256), memcpy(ms, c->s[3], 256);
		return;
	}
	mlm_entry *e = &s->pool->v[idx];
	/* a key is known by its reference, never its value; a keyed digest of
	 * the value (the store's secret) tells a replaced key from the one
	 * that failed, and cannot confirm a guessed key without the secret */
	char dg[17] = "";
	/* inside a transaction, keys were resolved before it began (a key_cmd
	 * never runs while the shared store's write lock is held) */
	if (!e->key && s->pool->env && !s->depth)
		mlm_entry_key(e, s->pool->env, NULL, 0);
	if (e->key)
		mlm_store_key_digest(s->store, e->key, dg);
	/* what the entry learns depends on where it goes and what it asks
	 * for (what depends on the key is the key's scope, and the owner's
	 * when the key is its own owner): a changed configuration starts
	 * afresh */
	char cfg[17];
	mlm_buf b = { 0 };
	/* refused only when memory runs out (a URL and a model name are far
	 * under the cap): the digest is then of nothing, the scopes still the
	 * entry's own (they name its id), and not kept: computed again */
	int whole = mlm_buf_printf(&b, "%s\n%s\n%d", e->base_url ? e->base_url : "",
	    e->model ? e->model : "", e->wire) == 0;
	mlm_hash_hex(b.p ? b.p : "", b.len, cfg);
	mlm_buf_free(&b);
	snprintf(es, 256, "e:%s#%.8s", e->id, cfg);
	snprintf(ks, 256, "k:%s/%s%s%s", e->provider, keyref(e), *dg ? "#" : "", dg);
	char owner[200];
	if (e->quota_auto && *dg)
		snprintf(owner, sizeof owner, "%s/key#%s", e->provider, dg);
	else
		snprintf(owner, sizeof owner, "%s", e->quota ? e->quota : e->id);
	if (e->lim.per_model)
		snprintf(os, 256, "o:%s|%s", owner, e->model);
	else
		snprintf(os, 256, "o:%s", owner);
	snprintf(ms, 256, "m:%s/%s", e->provider, e->model);
	if (c && e->key && whole) {
		memcpy(c->s[0], es, 256), memcpy(c->s[1], ks, 256);
		memcpy(c->s[2], os, 256), memcpy(c->s[3], ms, 256);
		c->done = 1;
	}
}

/* Rolls the minute and day windows of r forward to now. */
static void
roll(mlm_srec *r, const mlm_entry *e, int64_t now)
{
	int64_t ws = now - now % 60000;
	if (r->win_start != ws) {
		if (ws - r->win_start == 60000) {
			r->win_prev = r->win_count;
			r->tok_prev = r->tok_count;
		} else {
			r->win_prev = r->tok_prev = 0;
		}
		r->win_count = r->tok_count = 0;
		r->win_start = ws;
	}
	/* quota day: UTC midnight, or US Pacific midnight (UTC-8, DST ignored:
	 * the provider resets at 07:00 or 08:00 UTC; we wait for the later) */
	int64_t off = e && e->lim.reset == MLM_RESET_PACIFIC ? 8 * 3600000LL : 0;
	int64_t ds = (now - off) - (now - off) % 86400000 + off;
	if (r->day_start != ds) {
		r->day_start = ds;
		r->day_count = 0;
	}
}

/* Sliding-window estimate of requests in the last minute. */
static double
rate_est(const mlm_srec *r, int64_t now, int tokens)
{
	double frac = (double)(now - r->win_start) / 60000.0;
	if (frac > 1)
		frac = 1;
	return tokens ? r->tok_count + r->tok_prev * (1 - frac)
	    : r->win_count + r->win_prev * (1 - frac);
}

static int64_t
next_reset(const mlm_entry *e, int64_t now)
{
	int64_t off = e->lim.reset == MLM_RESET_PACIFIC ? 8 * 3600000LL : 0;
	if (!e->lim.reset)
		return now + 3600000;   /* unknown reset: look again in an hour */
	int64_t ds = (now - off) - (now - off) % 86400000 + off;
	return ds + 86400000;
}

static unsigned
rnd(mlm_sched *s)
{
	s->seed = s->seed * 1103515245u + 12345u;
	return (s->seed >> 8) & 0xffffff;
}

/* jitter: ms ± 20 % */
static int64_t
jitter(mlm_sched *s, int64_t ms)
{
	return ms + (int64_t)((double)ms * ((double)(rnd(s) % 401) - 200.0) / 1000.0);
}

typedef struct cand {
	int idx;
	double score;       /* lower is better */
	double headroom;    /* 0..1 */
	double lat;
	long inflight;
	int probe;          /* a half-open probe of a dead/parked entry */
	int untried_busy;   /* never answered, and a request to its owner is in flight */
	int fails;          /* the entry's consecutive failures */
} cand;

static int
long_park(const char *kind)
{
	return !strcmp(kind, "quota_exhausted") || !strcmp(kind, "no_credit") ||
	    !strcmp(kind, "auth") || !strcmp(kind, "not_found");
}

/* A half-open probe of the scope is in flight: mlm_sched_pick marks the
 * hold with the negated time it began. */
static int
probing(const mlm_srec *r)
{
	return r->since_ms < 0;
}

/* Scope i (0 entry ... 3 model) of a record was dead, parked or ejected and
 * its time is up (or nearly): the next attempt is a half-open probe. */
static int
probe_due(const mlm_srec *r, int i)
{
	return r->until_ms && (r->dead || long_park(r->kind) || (i == 0 && r->fails >= EJECT_AFTER));
}

/* What a pick of e counts against its per-minute window: one, or for a
 * provider that meters an embedding batch per input (Gemini) its inputs,
 * at most a whole window (so that a batch over rpm still goes, alone). */
static double
charge(const mlm_entry *e, const mlm_pick *q, double rpm)
{
	double n = q->items > 1 && e->wire == MLM_WIRE_GEMINI ? (double)q->items : 1;
	return rpm > 0 && n > rpm ? rpm : n;
}

/* Tokens a request to owner o will use: the caller's estimate, else the
 * owner's average so far (tokens are counted when answers come, requests
 * when they go: the average is over the answered ones), 0 before any. */
static double
tokens_per_request(const mlm_srec *o, const mlm_pick *q)
{
	if (q->need_tokens)
		return (double)q->need_tokens;
	double answered = o->win_count + o->win_prev - (double)o->inflight;
	return answered >= 1 ? (o->tok_count + o->tok_prev) / answered : 0;
}

/* How long a request must wait for the owner's tokens-per-minute limit,
 * 0 none: the tokens of the last minute (sliding), those of the requests
 * still in flight, and this one's, against the limit; the wait is until
 * the previous minute's share has decayed enough, or the next window. */
static int64_t
tpm_wait(const mlm_srec *o, const mlm_pick *q, double tpm, int64_t now)
{
	double per = tokens_per_request(o, q);
	if (per <= 0)
		return 0;
	double pending = q->need_tokens ? 0 : (double)o->inflight * per;
	double over = rate_est(o, now, 1) + pending + per - tpm;
	if (over <= 0)
		return 0;
	int64_t to_next = 60000 - (now - o->win_start);
	int64_t w = o->tok_prev > 0 ? (int64_t)(over / o->tok_prev * 60000) : 0;
	if (w <= 0 || w > to_next)
		w = to_next;
	return w > 10 ? w : 10;
}

/* Checks one entry; returns 1 eligible, else 0 with *wait the time it frees up
 * and, when why is not NULL, a line saying why (a why-list for people:
 * capped, it may end with "..." rather than fail the pick; mlm_buf_why). */
static int
check(mlm_sched *s, int idx, const mlm_pick *q, int64_t now, cand *c, int64_t *wait,
    mlm_buf *why)
{
	mlm_entry *e = &s->pool->v[idx];
	char sc[4][256];
	mlm_srec r[4];
	mlm_sched_scopes(s, idx, sc[0], sc[1], sc[2], sc[3]);
	for (int i = 0; i < 4; i++)
		s->store->ops->load(s->store, sc[i], &r[i]);
	memset(c, 0, sizeof *c);
	s->bk = NULL;
	s->bslot = 0;
	c->idx = idx;
	*wait = 0;
	for (int i = 0; i < 4 && !q->ignore_state; i++) {
		if (r[i].until_ms > now) {
			/* a dead scope is not waited for: its probe time is a guess;
			 * while a probe runs, others look again soon */
			*wait = r[i].dead && !q->wait_dead ? -2 : r[i].until_ms - now;
			if (*wait > 200 && probing(&r[i]))
				*wait = 200;
			/* copied: r is this function's */
			snprintf(s->bkbuf, sizeof s->bkbuf, "%s", r[i].kind[0] ? r[i].kind : "rate_limited");
			s->bk = s->bkbuf;
			mlm_buf_why(why, "%s: %s %.1fs (%s%s%s)\n", e->id,
			    r[i].dead ? "dead, probe in" : "cooling",
			    (double)(r[i].until_ms - now) / 1000,
			    r[i].kind, *r[i].why ? ": " : "", r[i].why);
			return 0;
		}
		/* a dead, parked or ejected scope whose time is up: this attempt
		 * is its half-open probe (short cooldowns simply end) */
		if (probe_due(&r[i], i))
			c->probe = 1;
	}
	mlm_srec *o = &r[2];
	roll(o, e, now);
	long conc = e->lim.conc;
	if (o->learned_conc >= 1 && (conc == 0 || (long)o->learned_conc < conc))
		conc = (long)o->learned_conc;
	if (conc && o->inflight >= conc) {
		*wait = 50;     /* or sooner: a slot freed here wakes it (engine.c) */
		s->bslot = 1;
		s->bk = "rate_limited";
		mlm_buf_why(why, "%s: %ld in flight, limit %ld\n", e->id, o->inflight, conc);
		return 0;
	}
	/* slow start: an entry that has never answered while its owner has a
	 * request in flight (in any process sharing the store; the hold lapses
	 * 30 s after the owner's last pick, should that process have died) is
	 * used only when nothing else can go; see mlm_sched_pick */
	c->untried_busy = r[0].n_ok == 0 && o->inflight > 0 && now - o->updated_ms < 30000;
	double rpm = (double)e->lim.rpm;
	if (o->learned_rpm > 0 && (rpm == 0 || o->learned_rpm < rpm))
		rpm = o->learned_rpm;
	double est = rate_est(o, now, 0);
	double n = charge(e, q, rpm);
	if (rpm > 0 && est + n > rpm) {
		/* when will the estimate drop below rpm - n? */
		double over = est + n - rpm;
		int64_t w = o->win_prev > 0 ? (int64_t)(over / o->win_prev * 60000) : 0;
		int64_t to_next = 60000 - (now - o->win_start);
		if (w <= 0 || w > to_next)
			w = to_next + (o->win_count + n > rpm ? (int64_t)(60000 * (o->win_count + n - rpm) / (o->win_count + n)) : 0);
		*wait = w > 0 ? w : 10;
		s->bk = "rate_limited";
		mlm_buf_why(why, "%s: at %.1f of %.0f requests/minute\n", e->id, est, rpm);
		return 0;
	}
	if (e->lim.rpd && o->day_count >= (double)e->lim.rpd) {
		*wait = next_reset(e, now) - now;
		s->bk = "quota_exhausted";
		mlm_buf_why(why, "%s: %ld of %ld requests today\n", e->id,
		    (long)o->day_count, e->lim.rpd);
		return 0;
	}
	/* requests per hour and month, tokens per day and month, neurons */
	char wwhy[160];
	const char *wk = NULL;
	if (mlm_win_check(o, &e->lim, q->need_tokens, o->inflight, now, wait, &wk, wwhy, sizeof wwhy) < 0) {
		s->bk = wk;
		mlm_buf_why(why, "%s: %s\n", e->id, wwhy);
		return 0;
	}
	if (e->lim.tpm && (*wait = tpm_wait(o, q, (double)e->lim.tpm, now)) > 0) {
		s->bk = "rate_limited";
		mlm_buf_why(why, "%s: tokens/minute at limit\n", e->id);
		return 0;
	}
	double h = 1;
	if (rpm > 0)
		h = fmin(h, 1 - est / rpm);
	if (e->lim.rpd)
		h = fmin(h, 1 - o->day_count / (double)e->lim.rpd);
	c->headroom = h;
	c->lat = r[0].n_ok > 0 ? r[0].lat_ms : -1;       /* -1: not measured */
	c->fails = r[0].fails;
	c->inflight = o->inflight;
	return 1;
}

/* ---- picking: the steps of mlm_sched_pick ---- */

/* An entry the pick does not consider at all: tried already in this call,
 * not matching the globs, too small a window, a capability it lacks, or
 * the owner to avoid. Returns 1 to skip it. */
static int
pick_skips(mlm_sched *s, const mlm_pick *q, size_t i, mlm_buf *why)
{
	mlm_entry *e = &s->pool->v[i];
	if (q->tried && q->tried[i])
		return 1;
	if (!mlm_glob(q->model, e->model) || !mlm_glob(q->provider, e->provider) ||
	    !mlm_glob(q->entry, e->id))
		return 1;
	if (q->need_tokens && e->window && q->need_tokens > e->window) {
		mlm_buf_why(why, "%s: window %ld < %ld tokens\n", e->id, e->window,
		    q->need_tokens);
		return 1;
	}
	if ((q->need_caps || q->need_tokens) && mlm_caps_skip(s, (int)i, q, why))
		return 1;       /* caps.c: images, tools, tokens/minute */
	if (q->avoid_owner && !strcmp(q->avoid_owner, e->quota))
		return 1;
	return 0;
}

/* Gathers the entries that can go now into cs (returns how many); for the
 * others, keeps the soonest time one frees up in *soonest and why in
 * s->block_kind, s->block_idx and s->block_slot. */
static int
pick_gather(mlm_sched *s, const mlm_pick *q, int64_t now, cand *cs, int64_t *soonest,
    mlm_buf *why)
{
	mlm_pool *p = s->pool;
	int nc = 0, nblocked = 0;
	for (size_t i = 0; i < p->n; i++) {
		mlm_entry *e = &p->v[i];
		if (pick_skips(s, q, i, why))
			continue;
		int64_t w;
		if (check(s, (int)i, q, now, &cs[nc], &w, why)) {
			if (q->need_schema && ((s->unsupported[i] & MLM_FEAT_SCHEMA) ||
			    !(e->features & MLM_FEAT_SCHEMA)))
				cs[nc].score += 1000;   /* prefer native schema support */
			nc++;
		} else {
			/* the kind keeping the soonest away (a dead one only when
			 * nothing else is kept away) */
			int first = nblocked++ == 0;
			if (w >= 0 && (*soonest < 0 || w < *soonest)) {
				*soonest = w;
				s->block_slot = s->bslot;
				first = 1;
			}
			if (first) {
				snprintf(s->block_kind, sizeof s->block_kind, "%s", s->bk ? s->bk : "rate_limited");
				s->block_idx = (int)i;
			}
		}
	}
	return nc;
}

/* slow start: while the first request to an untried owner is out,
 * other calls go elsewhere if they can, so processes starting together
 * learn a 429 or a dead key from one request, not from one each.
 * Returns how many candidates are left in cs. */
static int
pick_slow_start(mlm_sched *s, cand *cs, int nc, int64_t *soonest, mlm_buf *why)
{
	int nfresh = 0;
	for (int i = 0; i < nc; i++)
		nfresh += cs[i].untried_busy;
	if (nfresh && nfresh == nc && nc >= 2) {
		/* every candidate awaits its first answer: wait a little for one
		 * rather than pile onto them all (a lone candidate goes ahead) */
		mlm_buf_why(why, "%d entries: first requests still in flight\n", nc);
		if (*soonest < 0 || *soonest > 50)
			*soonest = 50;
		nc = 0;
	} else if (nfresh && nfresh < nc) {
		int w = 0;
		for (int i = 0; i < nc; i++) {
			if (cs[i].untried_busy) {
				mlm_buf_why(why, "%s: first request still in flight\n",
				    s->pool->v[cs[i].idx].id);
				continue;
			}
			cs[w++] = cs[i];
		}
		nc = w;
	}
	return nc;
}

/* Scores the nc (>= 1) candidates by the strategy; returns the index in cs
 * of the best (the lowest score). */
static int
pick_rank(mlm_sched *s, cand *cs, int nc)
{
	mlm_pool *p = s->pool;
	int pick = 0;
	switch (s->strategy) {
	case MLM_STRAT_SEQUENTIAL:
		for (int i = 0; i < nc; i++)
			cs[i].score += (double)p->v[cs[i].idx].priority * 1e6 + cs[i].idx;
		break;
	case MLM_STRAT_RANDOM:
	case MLM_STRAT_WEIGHTED: {
		double tot = 0;
		for (int i = 0; i < nc; i++)
			tot += p->v[cs[i].idx].weight;
		double x = tot * (double)rnd(s) / (double)0x1000000;
		for (int i = 0; i < nc; i++) {
			x -= p->v[cs[i].idx].weight;
			cs[i].score += (x < 0 && pick == 0) ? 0 : 1;
			if (x < 0 && pick == 0)
				pick = 1;
		}
		break;
	}
	case MLM_STRAT_ROUND_ROBIN: {
		unsigned start = s->rr++ % (unsigned)p->n;
		for (int i = 0; i < nc; i++)
			cs[i].score += (double)(((unsigned)cs[i].idx + p->n - start) % p->n);
		break;
	}
	case MLM_STRAT_LEAST_BUSY:
		for (int i = 0; i < nc; i++) {
			long conc = p->v[cs[i].idx].lim.conc;
			cs[i].score += conc ? (double)cs[i].inflight / (double)conc : (double)cs[i].inflight / 64.0;
			cs[i].score += cs[i].idx * 1e-6;
		}
		break;
	case MLM_STRAT_LATENCY:
		for (int i = 0; i < nc; i++)
			cs[i].score += cs[i].lat >= 0 ? cs[i].lat : 1.0 + (double)(rnd(s) % 100) / 1000;
		break;
	case MLM_STRAT_HEADROOM:
		for (int i = 0; i < nc; i++)
			cs[i].score += (1 - cs[i].headroom) + (double)(rnd(s) % 100) * 1e-5;
		break;
	default: /* smart: priority tiers, then headroom and latency, spread by load */
		for (int i = 0; i < nc; i++) {
			const mlm_entry *e = &p->v[cs[i].idx];
			/* an entry not measured yet ranks as fast: its capacity
			 * is probed early (slow start sends it one request
			 * until it answers), not found when the rest are spent */
			double lat = cs[i].lat >= 0 ? cs[i].lat : 0;
			cs[i].score += (double)e->priority * 1e6 + (1 - cs[i].headroom) * 2 +
			    lat / 2000.0 + (double)cs[i].inflight * 0.25 +
			    (double)(rnd(s) % 1000) * 1e-4;
			if (cs[i].probe)
				cs[i].score += 0.5;
			/* an entry failing lately goes after its healthy siblings */
			cs[i].score += (double)cs[i].fails;
		}
	}
	int bi = 0;
	for (int i = 1; i < nc; i++)
		if (cs[i].score < cs[bi].score)
			bi = i;
	return bi;
}

/* The chosen candidate: charge the request to the owner's windows, hold
 * others off while a half-open probe runs, and take a lease. */
static void
pick_lease(mlm_sched *s, const mlm_pick *q, const cand *c, int64_t now, uint64_t *lease)
{
	mlm_pool *p = s->pool;
	int best = c->idx;
	char sc[4][256];
	mlm_srec o;
	mlm_sched_scopes(s, best, sc[0], sc[1], sc[2], sc[3]);
	s->store->ops->load(s->store, sc[2], &o);
	roll(&o, &p->v[best], now);
	double lr = o.learned_rpm > 0 && (!p->v[best].lim.rpm || o.learned_rpm < p->v[best].lim.rpm) ?
	    o.learned_rpm : (double)p->v[best].lim.rpm;
	o.win_count += charge(&p->v[best], q, lr);
	o.day_count += 1;
	mlm_win_charge_pick(&o, &p->v[best].lim, now);
	o.tok_count += (double)q->need_tokens;
	o.updated_ms = now;
	s->store->ops->save(s->store, &o);
	if (c->probe) {
		/* half-open: hold other processes off while this probe runs */
		for (int i = 0; i < 4; i++) {
			mlm_srec r;
			s->store->ops->load(s->store, sc[i], &r);
			if (probe_due(&r, i) && r.until_ms <= now) {
				r.until_ms = now + PROBE_HOLD_MS;
				r.since_ms = -now;     /* a probe's hold */
				s->store->ops->save(s->store, &r);
			}
		}
	}
	uint64_t id = 0;
	s->store->ops->lease(s->store, sc[2], LEASE_TTL_MS, &id);
	*lease = id;
}

int
mlm_sched_pick(mlm_sched *s, const mlm_pick *q, int64_t *wait_ms, uint64_t *lease,
    mlm_buf *why)
{
	mlm_pool *p = s->pool;
	int64_t now = mlm_now_ms(), soonest = -1;
	cand *cs = calloc(p->n + 1, sizeof *cs);
	s->block_kind[0] = 0;
	s->block_idx = -1;
	s->block_slot = 0;
	if (!cs) {
		*wait_ms = -1;
		return -1;
	}
	tx_begin(s);
	int nc = pick_gather(s, q, now, cs, &soonest, why);
	nc = pick_slow_start(s, cs, nc, &soonest, why);
	int best = -1;
	if (nc) {
		int bi = pick_rank(s, cs, nc);
		best = cs[bi].idx;
		pick_lease(s, q, &cs[bi], now, lease);
	}
	tx_end(s);
	free(cs);
	*wait_ms = best >= 0 ? 0 : soonest;
	return best;
}

void
mlm_sched_explain(mlm_sched *s, const mlm_pick *q, mlm_buf *why)
{
	int64_t now = mlm_now_ms();
	tx_begin(s);
	for (size_t i = 0; i < s->pool->n; i++) {
		mlm_entry *e = &s->pool->v[i];
		if (!mlm_glob(q->model, e->model) || !mlm_glob(q->provider, e->provider) ||
		    !mlm_glob(q->entry, e->id))
			continue;
		cand c;
		int64_t w;
		check(s, (int)i, q, now, &c, &w, why);
	}
	tx_end(s);
}

static void
set_until(mlm_sched *s, const char *scope, int64_t until, const mlm_outcome *o, int dead)
{
	mlm_srec r;
	s->store->ops->load(s->store, scope, &r);
	if (until > r.until_ms || dead) {
		r.until_ms = until;
		snprintf(r.kind, sizeof r.kind, "%s", mlm_kind_name(o->kind));
		snprintf(r.why, sizeof r.why, "%.150s", o->msg);
	}
	if (dead)
		r.dead = 1;
	r.updated_ms = mlm_now_ms();
	r.since_ms = r.updated_ms;
	s->store->ops->save(s->store, &r);
}

/* Outlier detection: after EJECT_AFTER failures in a row the entry is out
 * for a time that doubles with each failure after (a failed half-open
 * probe); nothing answering at its address makes it dead for that time (a
 * call does not wait for it). Its siblings go on meanwhile. */
static void
eject(mlm_sched *s, const char *es, int fails, const mlm_outcome *o, int64_t now)
{
	if (fails < EJECT_AFTER)
		return;
	int sh = fails - EJECT_AFTER;
	int64_t w = jitter(s, (int64_t)EJECT_BASE_MS << (sh > 10 ? 10 : sh));
	if (w > EJECT_MAX_MS)
		w = EJECT_MAX_MS;
	mlm_srec r;
	s->store->ops->load(s->store, es, &r);
	r.until_ms = now + w;
	r.since_ms = now;
	r.dead = o->refused;
	snprintf(r.kind, sizeof r.kind, "%s", mlm_kind_name(o->kind));
	snprintf(r.why, sizeof r.why, "%d failures in a row, out %.0fs: %.100s", fails,
	    (double)w / 1000, o->msg);
	r.updated_ms = now;
	s->store->ops->save(s->store, &r);
}

/* An overload cools the whole model only on evidence from two owners
 * within MODEL_EVIDENCE_MS, or on the provider's own wait hint; one sick
 * key is its entry's matter (eject). The record keeps the last owner that
 * reported in why ("seen at OWNER") while the model is not cooling. */
static void
model_evidence(mlm_sched *s, const char *ms, const char *os, const mlm_outcome *o, int64_t now)
{
	mlm_srec m;
	s->store->ops->load(s->store, ms, &m);
	if (m.until_ms > now)
		return;     /* cooling already: this one was in flight */
	char seen[160];
	snprintf(seen, sizeof seen, "seen at %.140s", os);
	int other = !strncmp(m.why, "seen at ", 8) && strcmp(m.why, seen) &&
	    now - m.updated_ms < MODEL_EVIDENCE_MS;
	if (!other && o->retry_ms < 0) {
		snprintf(m.kind, sizeof m.kind, "overloaded");
		snprintf(m.why, sizeof m.why, "%s", seen);
		m.updated_ms = now;
		s->store->ops->save(s->store, &m);
		return;
	}
	int64_t w = o->retry_ms >= 0 ? (o->retry_ms < MODEL_HINT_MAX_MS ? o->retry_ms : MODEL_HINT_MAX_MS)
	    : jitter(s, (int64_t)MODEL_COOL_MS << (m.fails > 4 ? 4 : m.fails));
	m.fails++;
	m.until_ms = now + w;
	m.since_ms = now;
	snprintf(m.kind, sizeof m.kind, "overloaded");
	snprintf(m.why, sizeof m.why, "%s%.140s", o->retry_ms >= 0 ? "" : "two owners: ", o->msg);
	m.updated_ms = now;
	s->store->ops->save(s->store, &m);
}

/* clears a scope's cooldown after a success (a probe that worked) */
static void
heal(mlm_sched *s, const char *scope)
{
	mlm_srec r;
	s->store->ops->load(s->store, scope, &r);
	if (r.until_ms || r.dead || r.fails || r.kind[0]) {
		r.until_ms = 0;
		r.dead = 0;
		r.fails = 0;
		r.since_ms = 0;
		r.kind[0] = r.why[0] = 0;
		s->store->ops->save(s->store, &r);
	}
}

/* A 429 that says too many requests are in flight, while others of the
 * owner still are: the limit is at most those others. Each 429 of a burst
 * sees fewer (they come back at once, the answers later), so the least
 * seen is learned; no cooldown: the learned limit holds calls back until a
 * slot frees, and successes add back (additive increase). 0 when nothing
 * else is in flight (the caller cools the owner as for any 429). */
static int
learn_conc(mlm_sched *s, const char *os, int64_t now)
{
	mlm_srec orc;
	s->store->ops->load(s->store, os, &orc);
	if (orc.inflight < 1)
		return 0;
	double c = (double)orc.inflight;
	if (orc.learned_conc <= 0 || c < orc.learned_conc) {
		orc.learned_conc = c;
		orc.updated_ms = now;
		s->store->ops->save(s->store, &orc);
	}
	return 1;
}

double
mlm_sched_p95(mlm_sched *s, int idx)
{
	char sc[4][256];
	mlm_srec r;
	mlm_sched_scopes(s, idx, sc[0], sc[1], sc[2], sc[3]);
	s->store->ops->load(s->store, sc[0], &r);
	return r.n_ok > 0 ? r.lat_ms + 2 * r.lat_dev : -1;
}

/* ---- outcomes: the steps of mlm_sched_done ---- */

/* Updates the entry's own record with the outcome: its latency average on
 * a success, its failures in a row on a failure that is the entry's (not
 * the request's). Returns the failures in a row. */
static int
done_entry(mlm_sched *s, const char *es, const mlm_outcome *o, int64_t latency_ms, int64_t now)
{
	mlm_srec er;
	s->store->ops->load(s->store, es, &er);
	if (o->kind == MLM_OK) {
		double l = (double)latency_ms;
		/* the first answer starts the average: a latency of 0 (below the
		 * clock's millisecond) is a measure too, so n_ok tells, not lat_ms */
		if (er.n_ok == 0) {
			er.lat_ms = l;
			er.lat_dev = l / 4;
		} else {
			er.lat_dev += 0.25 * (fabs(l - er.lat_ms) - er.lat_dev);
			er.lat_ms += 0.2 * (l - er.lat_ms);
		}
		er.n_ok++;
		er.fails = 0;
	} else if (o->kind != MLM_INVALID_REQUEST && o->kind != MLM_BLOCKED &&
	    o->kind != MLM_UNSUPPORTED && o->kind != MLM_TOO_LARGE) {
		er.n_err++;
		/* while the entry is out no attempt starts on it but its probe:
		 * another failure now was in flight when it went out, the same
		 * event (a restart, an outage), not one more to back off from */
		if (!(er.until_ms > now) || probing(&er))
			er.fails++;
		if (o->refused && er.fails < EJECT_AFTER)
			er.fails = EJECT_AFTER;
	}
	er.updated_ms = now;
	s->store->ops->save(s->store, &er);
	return er.fails;
}

/* A success: heal the entry, key and model, end the owner's probe hold or
 * expired cooldown (else count its tokens and grow learned limits back),
 * and park the owner when the answer's headers say it is spent. */
static void
done_ok(mlm_sched *s, const char *es, const char *ks, const char *os, const char *ms,
    const mlm_outcome *o, long tokens, const mlm_headers *h, int64_t now)
{
	heal(s, es);
	heal(s, ks);
	heal(s, ms);
	mlm_srec orc;
	s->store->ops->load(s->store, os, &orc);
	/* an answer proves the owner works: end a probe hold or an expired
	 * cooldown (a cooldown still running is another request's news) */
	if (orc.kind[0] && (orc.until_ms <= now || long_park(orc.kind)))
		heal(s, os);
	else {
		orc.tok_count += (double)(tokens > 0 ? tokens : 0);
		/* learned limits grow back slowly (additive increase) */
		if (orc.learned_rpm > 0)
			orc.learned_rpm += 0.05;
		if (orc.learned_conc > 0)
			orc.learned_conc += 0.05;
		s->store->ops->save(s->store, &orc);
	}
	/* x-ratelimit-remaining-requests 0: the owner is spent until reset */
	const char *rem = mlm_headers_get(h, "x-ratelimit-remaining-requests");
	const char *rst = mlm_headers_get(h, "x-ratelimit-reset-requests");
	if (rem && rst && atol(rem) == 0) {
		int64_t w = mlm_parse_duration_ms(rst, now);
		if (w > 0) {
			mlm_outcome t = *o;
			t.kind = MLM_RATE_LIMITED;
			snprintf(t.msg, sizeof t.msg, "x-ratelimit-remaining-requests: 0");
			set_until(s, os, now + w, &t, 0);
		}
	}
}

/* learn (multiplicative decrease; successes add back): with others
 * in flight the limit was on concurrency (Zhipu's 1302), else on
 * the rate over the last minute */
static void
learn_limits(mlm_sched *s, const mlm_entry *e, const char *os, int64_t now)
{
	mlm_srec orc;
	s->store->ops->load(s->store, os, &orc);
	roll(&orc, e, now);
	long flying = orc.inflight + 1;
	if (flying >= 2) {
		double c = (double)flying - 1;
		if (orc.learned_conc <= 0 || c < orc.learned_conc)
			orc.learned_conc = c;
		else if (orc.learned_conc > 1)
			orc.learned_conc = fmax(1, orc.learned_conc * 0.7);
	} else {
		double seen = rate_est(&orc, now, 0);
		if (seen >= 2 && (orc.learned_rpm <= 0 || seen < orc.learned_rpm))
			orc.learned_rpm = seen * 0.9;
		else if (orc.learned_rpm > 1)
			orc.learned_rpm = fmax(1, orc.learned_rpm * 0.7);
	}
	s->store->ops->save(s->store, &orc);
}

/* A 429: learn a concurrency limit when others are in flight, else cool
 * the owner (its hint, or backing off with its failures) and, unless it
 * was cooling for a 429 already, learn its limits. */
static void
done_rate_limited(mlm_sched *s, const mlm_entry *e, const char *os, const mlm_outcome *o,
    int fails, int64_t now)
{
	if (o->conc && o->retry_ms < 0 && learn_conc(s, os, now))
		return;
	int64_t w = o->retry_ms >= 0 ? o->retry_ms : jitter(s, 1000LL << (fails > 6 ? 6 : fails));
	if (w > 3600000)
		w = 3600000;
	mlm_srec orc;
	s->store->ops->load(s->store, os, &orc);
	/* the owner cooling already: this 429 was in flight when the
	 * first came, the same event, not one more cut (a burst of 30
	 * refused at once cut a learned limit to 0.7^30 of itself) */
	int again = orc.until_ms > now && !strcmp(orc.kind, "rate_limited") &&
	    strncmp(orc.why, "x-ratelimit-remaining", 21);   /* not a 429: a header */
	set_until(s, os, now + w, o, 0);
	if (again)
		return;
	learn_limits(s, e, os, now);
}

void
mlm_sched_done(mlm_sched *s, int idx, uint64_t lease, const mlm_outcome *o,
    int64_t latency_ms, long tokens, const mlm_headers *h)
{
	const mlm_entry *e = &s->pool->v[idx];
	char es[256], ks[256], os[256], ms[256];
	int64_t now = mlm_now_ms();
	mlm_sched_scopes(s, idx, es, ks, os, ms);
	tx_begin(s);
	s->store->ops->unlease(s->store, os, lease);
	int fails = done_entry(s, es, o, latency_ms, now);

	switch (o->kind) {
	case MLM_OK:
		done_ok(s, es, ks, os, ms, o, tokens, h, now);
		break;
	case MLM_RATE_LIMITED:
		done_rate_limited(s, e, os, o, fails, now);
		break;
	case MLM_QUOTA_EXHAUSTED:
		set_until(s, os, o->per_day || o->retry_ms < 0 ? next_reset(e, now) : now + o->retry_ms, o, 0);
		break;
	case MLM_NO_CREDIT:
		set_until(s, ks, now + PARK_CREDIT_MS, o, 0);
		break;
	case MLM_AUTH:
		set_until(s, ks, now + PROBE_DEAD_MS, o, 1);
		break;
	case MLM_NOT_FOUND:
		set_until(s, es, now + PROBE_DEAD_MS, o, 1);
		break;
	case MLM_OVERLOADED:
		model_evidence(s, ms, os, o, now);
		eject(s, es, fails, o, now);
		break;
	case MLM_SERVER:
	case MLM_TIMEOUT:
	case MLM_NETWORK:
	case MLM_BAD_RESPONSE:
		eject(s, es, fails, o, now);
		break;
	case MLM_UNSUPPORTED:   /* the schema, images or tools (caps.c) */
		mlm_sched_unsupported(s, idx, mlm_caps_learn(o->msg));
		break;
	default:
		break;   /* too_large, blocked, invalid_request: nobody is penalised */
	}
	tx_end(s);
}

/* ---- before a transaction: keys ---- */

/* Resolves every entry's key once (a key_cmd such as `pass show` may be
 * slow or ask for a passphrase), before the store's write transaction
 * begins: other processes sharing the store are never held up by it.
 * A key that cannot be had is tried again when the engine sends (which
 * reports why), not at every transaction. */
static void
keys_before_tx(mlm_sched *s)
{
	if (!s->scopes || !s->pool->env)
		return;
	for (size_t i = 0; i < s->pool->n; i++) {
		mlm_entry *e = &s->pool->v[i];
		if (e->key || s->scopes[i].key_tried)
			continue;
		s->scopes[i].key_tried = 1;
		mlm_entry_key(e, s->pool->env, NULL, 0);
	}
}

/* ---- queries for the tools (see mlm.h): bin/ never touches a store ---- */

long
mlm_sched_cooling(mlm_sched *s, int64_t now)
{
	long n = 0;
	for (size_t i = 0; i < s->pool->n; i++) {
		char sc[4][256];
		mlm_sched_scopes(s, (int)i, sc[0], sc[1], sc[2], sc[3]);
		for (int k = 0; k < 4; k++) {
			mlm_srec r;
			s->store->ops->load(s->store, sc[k], &r);
			if (r.until_ms > now) {
				n++;
				break;
			}
		}
	}
	return n;
}

int64_t
mlm_sched_soonest_free(mlm_sched *s, const char *model_glob, long need_tokens, int64_t now,
    int *limited)
{
	int64_t best = -1;
	*limited = 0;
	mlm_pick q = { .model = model_glob, .need_tokens = need_tokens };
	tx_begin(s);
	for (size_t i = 0; i < s->pool->n; i++) {
		if (model_glob && !mlm_glob(model_glob, s->pool->v[i].model))
			continue;
		mlm_entry_status st;
		mlm_sched_entry_status(s, (int)i, now, &st);
		const mlm_srec *w = st.which >= 0 ? &st.r[st.which] : NULL;
		int64_t until = w ? w->until_ms : now;
		int lim = w && (!strcmp(w->kind, "rate_limited") ||
		    !strcmp(w->kind, "quota_exhausted") || !strcmp(w->kind, "no_credit"));
		/* what a pick would wait for besides the records' cooldowns: the
		 * windows, tokens per minute, requests in flight */
		cand c;
		int64_t cw = 0;
		if (!check(s, (int)i, &q, now, &c, &cw, NULL) && cw > 0 && now + cw > until) {
			until = now + cw;
			lim = s->bk && (!strcmp(s->bk, "rate_limited") ||
			    !strcmp(s->bk, "quota_exhausted") || !strcmp(s->bk, "no_credit"));
		}
		if (best < 0 || until < best) {
			best = until;
			*limited = lim;
		}
	}
	tx_end(s);
	return best;
}

long
mlm_sched_reset(mlm_sched *s, const char *id_glob)
{
	if (!id_glob) {
		s->store->ops->reset(s->store, NULL);
		return (long)s->pool->n;
	}
	long found = 0;
	for (size_t i = 0; i < s->pool->n; i++) {
		if (!mlm_glob(id_glob, s->pool->v[i].id))
			continue;
		char sc[4][256];
		mlm_sched_scopes(s, (int)i, sc[0], sc[1], sc[2], sc[3]);
		for (int k = 0; k < 4; k++)
			s->store->ops->reset(s->store, sc[k]);
		found++;
	}
	return found;
}

const char *
mlm_sched_store_name(const mlm_sched *s)
{
	return s->store->ops->name;
}

int
mlm_sched_store_degraded(const mlm_sched *s)
{
	return s->store->degraded;
}

const char *
mlm_sched_store_warning(mlm_sched *s)
{
	if (!s->store->warn[0] || s->store->warned)
		return NULL;
	s->store->warned = 1;
	return s->store->warn;
}
