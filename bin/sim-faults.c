/*
 * sim-faults.c — llm-sim's fault model: the faults a key carries
 * ("k1+rpm=2+owner=acme"), the quota buckets they count against (requests
 * and tokens per minute, per day, the windows of sim-windows.c, in-flight
 * requests), and decide(), which turns one request into its answer in
 * stages: the request itself, its admission against the counters, the
 * faults that fail an admitted request, and the success.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim.h"
#include "sim-embed.h"
#include "sim-images.h"
#include "sim-strict.h"
#include "sim-tools.h"
#include "sim-windows.h"

/* ---------- the counters: quota buckets, stats, the request log ---------- */

pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
struct bucket *bk_tab[SIM_HASH], *st_tab[SIM_HASH];
struct bucket *st_head, *st_tail;
long st_requests, st_ok, st_errors;
char **ring;
size_t ring_start, ring_n;

static unsigned
hash_str(const char *s)
{
	uint32_t h = 2166136261u;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h % SIM_HASH;
}

/* Call with g_mu held. */
struct bucket *
table_get(struct bucket **tab, const char *name, int stats)
{
	unsigned h = hash_str(name);
	struct bucket *b;

	for (b = tab[h]; b; b = b->next)
		if (strcmp(b->name, name) == 0)
			return b;
	b = xmalloc(sizeof *b);
	memset(b, 0, sizeof *b);
	b->name = xstrdup(name);
	b->next = tab[h];
	tab[h] = b;
	if (stats) {
		if (st_tail)
			st_tail->order = b;
		else
			st_head = b;
		st_tail = b;
	}
	return b;
}

/* rpm window: drop entries older than 60 s. g_mu held. */
static void
rpm_prune(struct bucket *b, int64_t now)
{
	while (b->ts_n && b->ts[b->ts_start] <= now - 60000) {
		b->ts_start = (b->ts_start + 1) % b->ts_cap;
		b->ts_n--;
	}
}

static void
rpm_push(struct bucket *b, int64_t now)
{
	if (b->ts_n == b->ts_cap) {
		if (b->ts_cap >= SIM_RPM_CAP) {
			b->ts_start = (b->ts_start + 1) % b->ts_cap;
			b->ts_n--;
		} else {
			size_t nc = b->ts_cap ? b->ts_cap * 2 : 16, i;
			int64_t *nt = xmalloc(nc * sizeof *nt);
			for (i = 0; i < b->ts_n; i++)
				nt[i] = b->ts[(b->ts_start + i) % b->ts_cap];
			free(b->ts);
			b->ts = nt;
			b->ts_cap = nc;
			b->ts_start = 0;
		}
	}
	b->ts[(b->ts_start + b->ts_n) % b->ts_cap] = now;
	b->ts_n++;
}

/* tpm window: (time, tokens) of the requests admitted in the last 60 s.
 * g_mu held. */
static void
tok_prune(struct tokring *k, int64_t now)
{
	while (k->n && k->t[k->start] <= now - 60000) {
		k->sum -= k->v[k->start];
		k->start = (k->start + 1) % k->cap;
		k->n--;
	}
}

static void
tok_push(struct tokring *k, int64_t now, long v)
{
	if (k->n == k->cap && k->cap < SIM_RPM_CAP) {
		size_t nc = k->cap ? k->cap * 2 : 16, i;
		int64_t *nt = xmalloc(nc * sizeof *nt);
		long *nv = xmalloc(nc * sizeof *nv);
		for (i = 0; i < k->n; i++) {
			nt[i] = k->t[(k->start + i) % k->cap];
			nv[i] = k->v[(k->start + i) % k->cap];
		}
		free(k->t);
		free(k->v);
		k->t = nt;
		k->v = nv;
		k->cap = nc;
		k->start = 0;
	} else if (k->n == k->cap) {   /* full: the oldest goes */
		k->sum -= k->v[k->start];
		k->start = (k->start + 1) % k->cap;
		k->n--;
	}
	k->t[(k->start + k->n) % k->cap] = now;
	k->v[(k->start + k->n) % k->cap] = v;
	k->sum += v;
	k->n++;
}

/* ---------- faults encoded in the key ---------- */

int
num_arg(const char *v, long lo, long hi, long *out)
{
	char *end;
	long n;

	if (!v || !*v)
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < lo || n > hi)
		return -1;
	*out = n;
	return 0;
}

/* Parses "NAME+fault+fault=arg..."; on error writes a message and returns -1. */
static int
parse_faults(const char *key, struct faults *f, char *err, size_t errlen)
{
	static const struct {
		const char *name;
		size_t off;     /* offset of the int flag or long value */
		int has_arg;
		long lo, hi;
	} tab[] = {
#define FLAG(n) { #n, offsetof(struct faults, n), 0, 0, 0 }
#define NUM(n, lo, hi) { #n, offsetof(struct faults, n), 1, lo, hi }
		FLAG(invalid), FLAG(quota), FLAG(credit), FLAG(overload),
		FLAG(model404), FLAG(block), FLAG(noschema), FLAG(truncate),
		FLAG(garbage), FLAG(cut), FLAG(reset), FLAG(hang),
		NUM(rpm, 0, 100000000), NUM(rpd, 0, 1000000000),
		NUM(retry, 0, 86400), NUM(conc, 0, 1000000),
		NUM(status, 100, 599), NUM(context, 0, 1000000000),
		NUM(slow, 0, 3600000), NUM(flaky, 1, 1000000000),
		NUM(failafter, 0, 1000000000), NUM(tpm, 1, 1000000000),
		NUM(burst, 1, 86400),
		NUM(rph, 0, 1000000000), NUM(rpmo, 0, 1000000000), NUM(tpd, 0, 1000000000),
		NUM(tpmo, 0, 1000000000), NUM(npd, 0, 1000000000), FLAG(pacific),
#undef FLAG
#undef NUM
	};
	char *p, *item;
	size_t i;

	memset(f, 0, sizeof *f);
	f->rpm = f->rpd = f->retry = f->conc = f->status = f->context = -1;
	f->slow = f->flaky = f->failafter = f->tpm = f->burst = -1;
	f->rph = f->rpmo = f->tpd = f->tpmo = f->npd = -1;
	f->buf = xstrdup(key);
	p = f->buf;
	/* '+' may arrive as ' ' when the key came in a query string */
	item = p + strcspn(p, "+ ");
	f->name = p;
	if (!*item)
		return 0;
	*item++ = 0;
	while (item) {
		char *next = item + strcspn(item, "+ "), *eq;
		if (*next)
			*next++ = 0;
		else
			next = NULL;
		eq = strchr(item, '=');
		if (eq)
			*eq++ = 0;
		if (*item == 0) {
			item = next;
			continue;
		}
		if (strcmp(item, "owner") == 0) {
			if (!eq || !*eq) {
				snprintf(err, errlen, "fault 'owner' needs a value");
				return -1;
			}
			f->owner = eq;
			item = next;
			continue;
		}
		for (i = 0; i < sizeof tab / sizeof tab[0]; i++)
			if (strcmp(item, tab[i].name) == 0)
				break;
		if (i == sizeof tab / sizeof tab[0]) {
			snprintf(err, errlen, "unknown fault '%.40s' in the key", item);
			return -1;
		}
		if (tab[i].has_arg) {
			long v;
			if (num_arg(eq, tab[i].lo, tab[i].hi, &v) < 0) {
				snprintf(err, errlen, "fault '%s' needs a number in %ld..%ld",
				    tab[i].name, tab[i].lo, tab[i].hi);
				return -1;
			}
			*(long *)(void *)((char *)f + tab[i].off) = v;
		} else {
			if (eq) {
				snprintf(err, errlen, "fault '%s' takes no value", tab[i].name);
				return -1;
			}
			*(int *)(void *)((char *)f + tab[i].off) = 1;
		}
		item = next;
	}
	return 0;
}

/* ---------- deciding the answer ---------- */

/* Milliseconds until the daily counts start again (midnight UTC). */
static int64_t
day_left(int64_t now)
{
	return (now / 86400000 + 1) * 86400000 - now;
}

/* The provider's documented request rules (sim-strict.c): structured
 * output in each one's own dialect. 0, or -1 with ei->msg and ei->param. */
static int
check_rules(struct ctx *x, struct einfo *ei)
{
	static _Thread_local char m[1024];
	enum sim_rules k = x->api == API_GEMINI ? SIM_RULES_GEMINI :
	    x->api == API_CFRUN ? SIM_RULES_CFRUN : SIM_RULES_CHAT;
	if (x->api == API_CHAT && x->fl == FL_ZHIPU)
		return 0;       /* Zhipu is held to no OpenAI rules here */
	if ((x->api == API_CHAT && sim_chat_args_check(x->req, m, sizeof m, &ei->param) < 0) ||
	    sim_rules_check(k, x->req, m, sizeof m, &ei->param) < 0) {
		ei->msg = m;
		return -1;
	}
	return 0;
}

/* What admission leaves for the answer: the key's counts as it was admitted. */
struct admission {
	long admitted, used_m, used_d;
	int64_t since, reset_m;
};

/* Stage 1: the request itself (size, path, key, the faults that need no
 * count, its shape, the provider's rules, images) and the reply it gets.
 * 1 when a holds the answer. */
static int
decide_request(struct ctx *x, struct req *r, struct answer *a, struct einfo *ei)
{
	struct faults *f = &x->f;
	char errmsg[200];
	const char *msg = NULL;


	if (r->too_large) {
		make_error(x, "toolarge", E_TOOLARGE, ei, a);
		return 1;
	}
	if (x->api == API_NOTFOUND) {
		make_error(x, "notfound", E_NOTFOUND, ei, a);
		return 1;
	}
	if (!x->key) {
		make_error(x, "nokey", E_NOKEY, ei, a);
		return 1;
	}
	if (parse_faults(x->key, f, errmsg, sizeof errmsg) < 0) {
		char m[300];
		snprintf(m, sizeof m, "llm-sim: %s", errmsg);
		ei->msg = m;
		make_error(x, "badkey", E_BADKEY, ei, a);
		return 1;
	}
	/* stage 1: reset, hang, invalid */
	if (f->reset) {
		a->fault = "reset";
		a->reset = 1;
		return 1;
	}
	if (f->hang) {
		a->fault = "hang";
		a->hang = 1;
		return 1;
	}
	if (f->invalid) {
		make_error(x, "invalid", E_INVALID, ei, a);
		return 1;
	}
	if (x->api == API_MODELS || x->api == API_GMODELS || x->api == API_CFMODELS) {
		a->status = 200;
		a->ctype = "application/json";
		a->body = list_models(x);
		return 1;
	}
	if (!jv_is_valid(x->req)) {
		make_error(x, "badjson", E_BADJSON, ei, a);
		return 1;
	}
	if (x->api == API_EMBED) {      /* shape and token limits: sim-embed.c */
		int ec = sim_embed_check((int)x->fl, x->path, x->model, x->req, errmsg, sizeof errmsg,
		    &x->ptok, &ei->max_tokens);
		if (ec == -2) {
			ei->tokens = x->ptok;
			make_error(x, "context", E_CONTEXT, ei, a);
			return 1;
		}
		msg = ec < 0 ? errmsg : NULL;
	}
	if (!msg && tool_fmt(x) >= 0) {       /* CALL of an undeclared tool: 400 */
		jv calls;
		if (sim_tool_calls(tool_fmt(x), x->req, &calls, errmsg, sizeof errmsg) < 0 ||
		    (x->api == API_GEMINI && sim_tool_signed(x->model, x->req, errmsg, sizeof errmsg) < 0))
			msg = errmsg;
		jv_free(calls);
	}
	if (msg || (x->api != API_EMBED && read_conversation(x, &msg) < 0)) {
		ei->msg = msg;
		make_error(x, "badrequest", E_BADREQ, ei, a);
		return 1;
	}
	if (check_rules(x, ei) < 0) {
		make_error(x, "rules", E_RULES, ei, a);
		return 1;
	}
	char *imgs = NULL, ip[64];      /* image parts: their digest (sim-images.c) */
	if ((x->api == API_CHAT || x->api == API_GEMINI || x->api == API_CFRUN) &&
	    sim_images_scan(x->api == API_GEMINI, x->req, x->model, &imgs, errmsg, sizeof errmsg,
	    ip, sizeof ip) < 0) {
		ei->msg = errmsg;
		ei->param = ip[0] ? ip : NULL;
		make_error(x, "images", E_BADREQ, ei, a);
		return 1;
	}
	if (x->api != API_GEMINI)
		x->stream = jbool(x->req, "stream");
	if (x->api == API_CHAT) {
		jv so = jget(x->req, "stream_options");
		x->include_usage = jbool(so, "include_usage");
		jv_free(so);
	}
	if (x->api != API_EMBED)
		make_reply(x);
	if (imgs) {     /* the digest of the images, then the reply */
		char *r = xmalloc(strlen(imgs) + strlen(x->reply) + 2);
		sprintf(r, "%s\n%s", imgs, x->reply);
		free(x->reply), free(imgs);
		x->reply = r;
	}
	return 0;
}

/* Stage 2: conc, rpd, rpm, the windows and tpm counted under g_mu; the
 * request is admitted (counted) unless one is full. 1 when a holds the
 * answer. */
static int
admit(struct ctx *x, struct req *r, struct answer *a, struct einfo *ei, struct admission *ad)
{
	struct faults *f = &x->f;
	struct bucket *b;
	int64_t now = x->now;


	pthread_mutex_lock(&g_mu);
	b = table_get(bk_tab, f->owner ? f->owner : f->name, 0);
	if (f->conc >= 0 && b->inflight >= f->conc) {
		pthread_mutex_unlock(&g_mu);
		ei->limit = f->conc;
		ei->wait_ms = 1000;
		make_error(x, "conc", E_CONC, ei, a);
		return 1;
	}
	b->inflight++;
	r->conc_b = b;
	if (b->day != sim_win_day(now, f->pacific)) {
		b->day = sim_win_day(now, f->pacific);
		b->day_n = 0;
	}
	if (f->rpm >= 0)
		b->track_rpm = 1;
	if (b->track_rpm)
		rpm_prune(b, now);
	if (f->rpd >= 0 && b->day_n >= f->rpd) {
		pthread_mutex_unlock(&g_mu);
		ei->limit = f->rpd;
		ei->wait_ms = sim_win_day_left(now, f->pacific);
		make_error(x, "rpd", E_RPD, ei, a);
		return 1;
	}
	/* a Gemini embedding batch counts once per input (at most a window) */
	long cost = x->api == API_EMBED ? sim_embed_cost((int)x->fl, x->path, x->req) : 1;
	if (f->rpm >= 0 && cost > f->rpm)
		cost = f->rpm > 0 ? f->rpm : 1;
	if (f->rpm >= 0 && (long)b->ts_n + cost > f->rpm) {
		int64_t wait = b->ts_n ? b->ts[b->ts_start] + 60000 - now : 60000;
		pthread_mutex_unlock(&g_mu);
		ei->limit = f->rpm;
		ei->wait_ms = wait > 0 ? wait : 1;
		make_error(x, "rpm", E_RPM, ei, a);
		return 1;
	}
	struct sim_win_faults wf = { f->rph, f->rpmo, f->tpd, f->tpmo, f->npd, f->pacific };
	const char *wfull = sim_win_check(&b->win, &wf, x->model, x->ptok, x->ctok, now, &ei->limit,
	    &ei->wait_ms);
	if (wfull) {    /* an hour as the minute is answered, the others as the day */
		pthread_mutex_unlock(&g_mu);
		make_error(x, wfull, strcmp(wfull, "rph") ? E_RPD : E_RPM, ei, a);
		return 1;
	}
	if (f->tpm >= 0) {
		tok_prune(&b->tk, now);
		if (b->tk.sum + x->ptok + x->ctok > f->tpm) {
			int64_t wait = b->tk.n ? b->tk.t[b->tk.start] + 60000 - now : 60000;
			pthread_mutex_unlock(&g_mu);
			ei->limit = f->tpm;
			ei->wait_ms = wait > 0 ? wait : 1;
			make_error(x, "tpm", E_RPM, ei, a);
			return 1;
		}
		tok_push(&b->tk, now, x->ptok + x->ctok);
	}
	b->day_n++;
	sim_win_charge(&b->win, &wf, x->model, x->ptok, x->ctok, now);
	for (long k = 0; b->track_rpm && k < cost; k++)
		rpm_push(b, now);
	if (!b->admitted)
		b->first_ms = now;
	b->admitted++;
	ad->admitted = b->admitted;
	ad->used_m = (long)b->ts_n;
	ad->used_d = b->day_n;
	ad->since = now - b->first_ms;
	ad->reset_m = b->ts_n ? b->ts[b->ts_start] + 60000 - now : 60000;
	pthread_mutex_unlock(&g_mu);
	return 0;
}

/* Stage 3: the faults that fail an admitted request (quota, credit,
 * retry, overload, status, flaky, failafter, burst, model404, context,
 * noschema, Zhipu's block). 1 when a holds the answer. */
static int
decide_faults(struct ctx *x, struct answer *a, struct einfo *ei, const struct admission *ad)
{
	struct faults *f = &x->f;
	int64_t now = x->now;


	if (f->quota || f->credit) {
		ei->limit = f->rpd >= 0 ? f->rpd : 200;
		ei->wait_ms = day_left(now);
		make_error(x, f->quota ? "quota" : "credit", f->quota ? E_RPD : E_CREDIT, ei, a);
		return 1;
	}
	if (f->retry >= 0) {
		ei->limit = f->rpm >= 0 ? f->rpm : 1;
		ei->wait_ms = f->retry * 1000;
		make_error(x, "retry", E_RPM, ei, a);
		return 1;
	}
	/* stage 3 */
	if (f->overload) {
		make_error(x, "overload", E_OVERLOAD, ei, a);
		return 1;
	}
	if (f->status >= 0) {
		ei->status = (int)f->status;
		make_error(x, "status", E_STATUS, ei, a);
		return 1;
	}
	if (f->flaky > 0 && ad->admitted % f->flaky == 0) {
		ei->status = 500;
		make_error(x, "flaky", E_STATUS, ei, a);
		return 1;
	}
	/* burst=S: the first fifth of every S seconds is an outage */
	const char *down = f->failafter >= 0 && ad->admitted > f->failafter ? "failafter" :
	    f->burst > 0 && ad->since % (f->burst * 1000) < f->burst * 200 ? "burst" : NULL;
	if (down) {
		if (x->fl == FL_OPENAI || x->fl == FL_GEMINI)
			make_error(x, down, E_OVERLOAD, ei, a);
		else {
			ei->status = 503;
			make_error(x, down, E_STATUS, ei, a);
		}
		return 1;
	}
	if (f->model404) {
		make_error(x, "model404", E_MODEL404, ei, a);
		return 1;
	}
	if (f->context >= 0 && x->ptok > f->context) {
		ei->tokens = x->ptok;
		ei->max_tokens = f->context;
		make_error(x, "context", E_CONTEXT, ei, a);
		return 1;
	}
	if (f->noschema && has_schema(x)) {
		make_error(x, "noschema", E_NOSCHEMA, ei, a);
		return 1;
	}
	if (f->block && x->fl == FL_ZHIPU) {
		make_error(x, "block", E_BLOCK, ei, a);
		return 1;
	}
	if (f->block)
		a->fault = "block";
	return 0;
}

/* The success (or a 200 block), then what the faults do to it: OpenAI's
 * rate-limit headers, slow, truncate, cut, garbage. */
static void
answer_success(struct ctx *x, struct answer *a, struct einfo *ei, const struct admission *ad)
{
	struct faults *f = &x->f;
	int64_t now = x->now;


	/* success (or a 200 block) */
	if (x->api == API_EMBED) {
		a->status = 200;
		a->ctype = "application/json";
		a->body = sim_embed_answer((int)x->fl, x->path, x->model, x->req);
	} else if (x->stream && !f->garbage)
		build_stream(x, a, f->block, f->cut);
	else if (build_whole(x, a, f->block) < 0) {
		make_error(x, "jsonmode", E_JSONMODE, ei, a);
		return;
	}
	if (x->fl == FL_OPENAI && (f->rpm >= 0 || f->rpd >= 0)) {
		long lim = f->rpm >= 0 ? f->rpm : f->rpd;
		long used = f->rpm >= 0 ? ad->used_m : ad->used_d;
		oai_ratelimit_headers(a, lim, lim > used ? lim - used : 0,
		    f->rpm >= 0 ? ad->reset_m : day_left(now));
	}
	if (f->slow > 0) {
		a->slow = f->slow;
		if (!a->fault)
			a->fault = "slow";
	}
	if (f->truncate && x->stream) {
		a->fault = "truncate";
	} else if (f->truncate || (f->cut && !x->stream)) {
		size_t n;
		char *s = jdump(a->body, &n);
		a->body = jv_invalid();
		a->raw = s;
		a->rawlen = n / 2;
		a->fault = f->cut ? "cut" : "truncate";
	} else if (f->garbage) {
		jv_free(a->body);
		a->body = jv_invalid();
		a->raw = xstrdup("<html><head><title>502 Bad Gateway</title></head><body>llm-sim: not json</body></html>\n");
		a->rawlen = strlen(a->raw);
		a->ctype = "text/html";
		a->fault = "garbage";
		a->nhdr = 0;
	} else if (f->cut)
		a->fault = "cut";
}

/* The answer for one provider request; fills a and returns. */
void
decide(struct ctx *x, struct req *r, struct MHD_Connection *c, struct answer *a)
{
	struct einfo ei = { 0 };
	struct admission ad;

	if (decide_request(x, r, a, &ei) || admit(x, r, a, &ei, &ad) || decide_faults(x, a, &ei, &ad))
		return;
	answer_success(x, a, &ei, &ad);
}
