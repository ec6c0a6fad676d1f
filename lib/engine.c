/*
 * engine.c — calls with failover, many at once, on libcurl's multi interface.
 *
 * A call is a small state machine: pick an entry (sched.c), build the HTTP
 * request (adapter), run it, classify the answer, report the outcome to the
 * scheduler, and either finish or pick again. A call that finds every
 * candidate cooling waits (without blocking other calls) up to max_wait_ms.
 * One process keeps any number of calls in flight with connection reuse; a
 * blocking call (mlm_call) is the same machine run for one call.
 *
 * The engine owns calls until their done callback returns. Keys are only
 * ever in request headers; every message is redacted before it leaves.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "mlm.h"
#include "fmt.h"

#define BODY_MAX (16u << 20)
#define FREE_HANDLES 256
#define ORIGINS 8

enum { C_WAIT = 0, C_RUN, C_DONE };

typedef struct call {
	struct call *next;
	long id;
	mlm_engine *g;
	jv req;
	mlm_call_opts o;
	mlm_done_fn done;
	mlm_delta_fn delta;
	void *u, *du;           /* done's and delta's user pointers */
	unsigned char *tried;   /* 1 retryable failure in this call, 2 permanent */
	int nattempts;
	jv attempts;
	mlm_buf errs;           /* "entry: kind (HTTP n): msg" lines, newest last */
	int64_t t0;             /* mono ms at submit */
	int state;
	int64_t wake_at;        /* C_WAIT: mono ms */
	int slot_wait;          /* C_WAIT for a request in flight to end */
	int cancelled;
	int restarted;
	int stop;               /* do not try again (invalid request, blocked...) */
	char berr[MLM_ERRLEN];  /* why the adapter could not build the request */
	int caps_kind;          /* no entry can take it (caps.c): the kind to fail with */
	int embed;              /* an embeddings request */
	/* the attempt in progress */
	CURL *h;
	struct curl_slist *hl;
	int idx;
	uint64_t lease;
	mlm_httpreq hr;
	mlm_buf body;
	mlm_headers hdrs;
	long status;
	int stream;
	mlm_sse sse;
	mlm_answer ans;
	int64_t att_t0;
	int got_bytes;
	size_t delivered;
	int ev_fail;            /* an in-stream error event */
	int ev_complete;
	mlm_outcome ev_out;
	int aborted_first_byte;
	/* structured output */
	jv orig_req;            /* the request before re-asks (schema calls) */
	int reasked;            /* re-asks spent on the current entry */
	int force_idx;          /* >= 0: the next attempt goes to this entry */
	jv data;                /* the validated value */
} call;

struct mlm_engine {
	mlm_pool *pool;
	mlm_sched *sched;
	CURLM *m;
	call *calls;
	long next_id;
	int active;
	mlm_trace_fn trace;
	void *trace_u;
	const char **keys;
	size_t nkeys;
	CURL *free_h[FREE_HANDLES];     /* easy handles to reuse */
	int nfree;
	struct curl_waitfd watch[4];    /* mlm_engine_watch */
	unsigned nwatch;
	unsigned long ncb;              /* done/delta callbacks run so far */
	struct origin {                 /* the plain-HTTP guard's verdicts */
		char s[256];
		size_t n;
		int plain;
	} origin[ORIGINS];
	unsigned norigin;
};

static int curl_inited;

void
mlm_call_opts_init(mlm_call_opts *o)
{
	memset(o, 0, sizeof *o);
	o->max_attempts = 10;
	o->connect_ms = 10000;
	o->first_byte_ms = 60000;
	o->total_ms = 300000;
	o->max_wait_ms = 120000;
	o->reask = 1;
}

void
mlm_result_free(mlm_result *r)
{
	free(r->text);
	r->text = NULL;
	jv_free(r->attempts);
	r->attempts = jv_null();
	jv_free(r->data);
	r->data = jv_invalid();
	jv_free(r->tool_calls);
	r->tool_calls = jv_invalid();
}

jv
mlm_result_json(const mlm_result *r)
{
	return mlm_result_json_to(jv_object(), r);
}

/* The record has one writer, mlm_result_write (llm-map's fast path, text
 * straight into a buffer); the jv form is that text read back. */
jv
mlm_result_json_to(jv o, const mlm_result *r)
{
	mlm_buf b = { 0 };
	if (mlm_buf_puts(&b, "{") < 0 || mlm_result_write(&b, r) < 0 || mlm_buf_puts(&b, "}") < 0) {
		mlm_buf_free(&b);
		jv_free(o);
		return jv_invalid_with_msg(jv_string("result record: larger than the buffer cap"));
	}
	b.p[1] = ' ';       /* the first field's leading comma */
	jv fields = jv_parse_sized(b.p, (int)b.len);
	mlm_buf_free(&b);
	if (!jv_is_valid(fields)) {
		jv_free(o);
		return fields;
	}
	return jv_object_merge(o, fields);
}

static int
put_field(mlm_buf *b, const char *name, const char *s)
{
	int r = mlm_buf_puts(b, name);
	return r | mlm_json_str(b, s, strlen(s));
}

int
mlm_result_write(mlm_buf *b, const mlm_result *r)
{
	int e = mlm_buf_puts(b, r->ok ? ",\"ok\":true" : ",\"ok\":false");
	if (r->ok) {
		e |= put_field(b, ",\"text\":", r->text ? r->text : "");
		if (jv_is_valid(r->data)) {
			e |= mlm_buf_puts(b, ",\"data\":");
			e |= mlm_json_dump(b, r->data);
		}
		if (jv_is_valid(r->tool_calls)) {
			jv tc = mlm_tools_calls_json(r->tool_calls);
			e |= mlm_buf_puts(b, ",\"tool_calls\":");
			e |= mlm_json_dump(b, tc);
			jv_free(tc);
		}
	} else {
		e |= put_field(b, ",\"error\":{\"kind\":", mlm_kind_name(r->kind));
		e |= put_field(b, ",\"message\":", r->msg);
		e |= mlm_buf_puts(b, "}");
	}
	if (r->entry) {
		e |= put_field(b, ",\"provider\":", r->entry->provider);
		e |= put_field(b, ",\"model\":", r->entry->model);
		e |= put_field(b, ",\"entry\":", r->entry->id);
	}
	e |= mlm_buf_puts(b, ",\"attempts\":");
	e |= mlm_json_dump(b, r->attempts);
	e |= mlm_buf_puts(b, ",\"usage\":{");
	if (r->in_tok >= 0) {
		e |= mlm_buf_puts(b, "\"in\":");
		e |= mlm_json_num(b, (double)r->in_tok);
	}
	if (r->out_tok >= 0) {
		e |= mlm_buf_puts(b, r->in_tok >= 0 ? ",\"out\":" : "\"out\":");
		e |= mlm_json_num(b, (double)r->out_tok);
	}
	e |= mlm_buf_puts(b, "},\"ms\":");
	e |= mlm_json_num(b, (double)r->ms);
	return e ? -1 : 0;
}

mlm_engine *
mlm_engine_new(mlm_pool *pool, mlm_sched *sched, char *err, size_t errlen)
{
	if (!curl_inited) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			mlm_err(err, errlen, "libcurl failed to initialise");
			return NULL;
		}
		curl_inited = 1;
	}
	mlm_engine *g = calloc(1, sizeof *g);
	if (!g) {
		mlm_err(err, errlen, "out of memory");
		return NULL;
	}
	g->pool = pool;
	g->sched = sched;
	g->m = curl_multi_init();
	curl_multi_setopt(g->m, CURLMOPT_MAX_HOST_CONNECTIONS, 0L);
	curl_multi_setopt(g->m, CURLMOPT_MAXCONNECTS, 256L);
	return g;
}

void
mlm_engine_trace(mlm_engine *g, mlm_trace_fn fn, void *u)
{
	g->trace = fn;
	g->trace_u = u;
}

static void
refresh_keys(mlm_engine *g)
{
	free(g->keys);
	g->keys = mlm_pool_keys(g->pool, &g->nkeys);
}

/* A transfer handle with the options every call shares; the call's own
 * are set in start_attempt, each time, so a reused handle needs no reset. */
static size_t on_write(char *p, size_t sz, size_t n, void *u);
static size_t on_header(char *p, size_t sz, size_t n, void *u);

static CURL *
new_handle(void)
{
	CURL *h = curl_easy_init();
	if (!h)
		return NULL;
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "many-llm/0.1");
	return h;
}

/* The plain-HTTP guard's verdict depends only on the URL's scheme and
 * authority: kept for the last few origins, so a batch parses each once. */
static int
plain_remote(mlm_engine *g, const char *url)
{
	const char *p = strstr(url, "://");
	size_t n = p ? (size_t)(p + 3 - url) + strcspn(p + 3, "/?#") : 0;
	if (!n || n >= sizeof g->origin[0].s)
		return mlm_url_plain_remote(url);
	for (unsigned i = 0; i < ORIGINS && i < g->norigin; i++)
		if (g->origin[i].n == n && !memcmp(g->origin[i].s, url, n))
			return g->origin[i].plain;
	struct origin *o = &g->origin[g->norigin++ % ORIGINS];     /* wraps cleanly: 8 divides 2^32 */
	memcpy(o->s, url, n);
	o->n = n;
	o->plain = mlm_url_plain_remote(url);
	return o->plain;
}

static void
redact(mlm_engine *g, char *s)
{
	mlm_redact(s, g->keys, g->nkeys);
}

static void
attempt_clear(call *c)
{
	if (c->h) {
		mlm_engine *g = c->g;
		curl_multi_remove_handle(g->m, c->h);
		/* kept for the next attempt (a new handle costs its buffers), not
		 * reset: start_attempt sets a call's own options each time, the
		 * others (new_handle) are the same for every call */
		if (g->nfree < FREE_HANDLES) {
			g->free_h[g->nfree++] = c->h;
		} else {
			curl_easy_cleanup(c->h);
		}
		c->h = NULL;
	}
	curl_slist_free_all(c->hl);
	c->hl = NULL;
	mlm_httpreq_free(&c->hr);
	mlm_buf_free(&c->body);
	mlm_headers_free(&c->hdrs);
	mlm_sse_free(&c->sse);
	mlm_answer_free(&c->ans);
	c->status = 0;
	c->got_bytes = 0;
	c->delivered = 0;
	c->ev_fail = c->ev_complete = 0;
	c->aborted_first_byte = 0;
}

static void
call_free(call *c)
{
	attempt_clear(c);
	jv_free(c->req);
	jv_free(c->orig_req);
	jv_free(c->data);
	jv_free(c->attempts);
	mlm_buf_free(&c->errs);
	free(c->tried);
	free(c);
}

void
mlm_engine_free(mlm_engine *g)
{
	if (!g)
		return;
	while (g->calls) {
		call *c = g->calls;
		g->calls = c->next;
		call_free(c);
	}
	while (g->nfree)
		curl_easy_cleanup(g->free_h[--g->nfree]);
	curl_multi_cleanup(g->m);
	free(g->keys);
	free(g);
}

int
mlm_engine_active(const mlm_engine *g)
{
	return g->active;
}

int
mlm_engine_call_attempt(const mlm_engine *g, long id, int *idx, int64_t *start_ms)
{
	for (const call *c = g->calls; c; c = c->next)
		if (c->id == id && c->state == C_RUN && c->h) {
			*idx = c->idx;
			*start_ms = c->att_t0;
			return 0;
		}
	return -1;
}

void
mlm_engine_wakeup(mlm_engine *g)
{
	curl_multi_wakeup(g->m);
}

int
mlm_engine_watch(mlm_engine *g, const int *fds, unsigned n)
{
	if (n > sizeof g->watch / sizeof g->watch[0])
		return -1;
	for (unsigned i = 0; i < n; i++)
		g->watch[i] = (struct curl_waitfd){ .fd = fds[i], .events = CURL_WAIT_POLLIN };
	g->nwatch = n;
	return 0;
}

unsigned
mlm_engine_watched(const mlm_engine *g)
{
	unsigned m = 0;
	for (unsigned i = 0; i < g->nwatch; i++)
		if (g->watch[i].revents)
			m |= 1u << i;
	return m;
}

/* ---- stream events ---- */

static int
on_event(void *u, const char *event, const char *data, size_t len)
{
	call *c = u;
	const mlm_adapter *ad = mlm_adapter_get(c->g->pool->v[c->idx].wire);
	size_t before = c->ans.text.len;
	int r = ad->event(&c->g->pool->v[c->idx], event, data, len, &c->ans, &c->ev_out);
	if (c->delta && c->ans.text.len > before) {
		c->g->ncb++;
		c->delta(c->du, &c->g->pool->v[c->idx], c->ans.text.p + before, c->ans.text.len - before);
		c->delivered += c->ans.text.len - before;
	}
	if (r < 0) {
		c->ev_fail = 1;
		return 1;
	}
	if (r > 0) {
		c->ev_complete = 1;
		return 2;
	}
	return 0;
}

static size_t
on_write(char *p, size_t sz, size_t n, void *u)
{
	call *c = u;
	size_t len = sz * n;
	c->got_bytes = 1;
	if (!c->status)
		curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &c->status);
	if (c->stream && c->status >= 200 && c->status < 300) {
		if (c->ev_fail || c->ev_complete)
			return len;     /* drain */
		int r = mlm_sse_feed(&c->sse, p, len, on_event, c);
		if (r < 0) {
			c->ev_fail = 1;
			c->ev_out.kind = MLM_BAD_RESPONSE;
			snprintf(c->ev_out.msg, sizeof c->ev_out.msg, "stream event too large");
		}
		/* keep a copy of the start for error bodies without data: framing
		 * (a sample, cut at 64 KiB by design; refused only when memory
		 * runs out, then the sample ends there: over says so) */
		if (c->body.len < 65536 && mlm_buf_add(&c->body, p, len < 65536 ? len : 65536) < 0)
			c->body.over = 1;
		return len;
	}
	if (mlm_buf_add(&c->body, p, len) < 0)
		return 0;   /* too large: curl fails the transfer */
	return len;
}

static size_t
on_header(char *p, size_t sz, size_t n, void *u)
{
	call *c = u;
	size_t len = sz * n;
	if (len >= 5 && !memcmp(p, "HTTP/", 5))
		mlm_headers_reset(&c->hdrs);
	else
		mlm_headers_add_line(&c->hdrs, p, len);
	return len;
}

/* ---- attempts ---- */

static void finish(call *c, int ok, int kind);

/* The entry cannot take a schema natively: JSON mode where it has one, and
 * the schema in the system prompt. */
static jv
schema_in_prompt(jv req, const mlm_entry *e)
{
	jv schema = mlm_jfield(req, "schema");
	req = jv_object_delete(req, jv_string("schema"));
	if (e->features & MLM_FEAT_JSON)
		req = jv_object_set(req, jv_string("json"), jv_true());
	jv sys = mlm_jfield(req, "system");
	jv d = jv_dump_string(schema, 0);
	/* jq's strings grow without a cap, as the request they go into */
	jv text = jv_string_fmt("Reply with only a JSON value that matches this JSON Schema, "
	    "with no other text:\n%s", jv_string_value(d));
	if (jv_get_kind(sys) == JV_KIND_STRING)
		text = jv_string_concat(jv_string_fmt("%s\n\n", jv_string_value(sys)), text);
	req = jv_object_set(req, jv_string("system"), text);
	jv_free(d);
	jv_free(sys);
	return req;
}

static int
start_attempt(call *c, int idx)
{
	mlm_engine *g = c->g;
	mlm_entry *e = &g->pool->v[idx];
	char err[MLM_ERRLEN];
	c->idx = idx;
	c->att_t0 = mlm_mono_ms();
	mlm_answer_init(&c->ans);
	c->body.max = BODY_MAX;
	int had_key = e->key != NULL;
	if (mlm_entry_key(e, g->pool->env, err, sizeof err) < 0)
		return mlm_err(NULL, 0, "%s", err), -2;
	if (!had_key || !g->keys)
		refresh_keys(g);    /* a key newly known: redact it from now on */
	const mlm_adapter *ad = mlm_adapter_for(e->wire, c->req);
	jv req = jv_copy(c->req);
	if (c->o.schema && (!(e->features & MLM_FEAT_SCHEMA) ||
	    mlm_sched_is_unsupported(g->sched, idx, MLM_FEAT_SCHEMA)))
		req = schema_in_prompt(req, e);
	int stream = c->o.stream;
	if (ad->build(e, e->key, req, stream, &c->hr, err, sizeof err) < 0) {
		jv_free(req);
		snprintf(c->berr, sizeof c->berr, "%s", err);
		return -4;      /* the entry cannot take this request */
	}
	jv_free(req);
	if (plain_remote(g, c->hr.url) && !getenv("LLM_INSECURE_HTTP"))
		return -3;
	c->stream = c->hr.stream;
	mlm_sse_init(&c->sse, 0);
	CURL *h = g->nfree ? g->free_h[--g->nfree] : new_handle();
	if (!h)
		return -1;
	c->h = h;
	for (int i = 0; i < 8 && c->hr.hdr[i]; i++)
		c->hl = curl_slist_append(c->hl, c->hr.hdr[i]);
	c->hl = curl_slist_append(c->hl, "Expect:");
	curl_easy_setopt(h, CURLOPT_URL, c->hr.url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, c->hl);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, c->hr.body);
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(c->hr.body));
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, c);
	curl_easy_setopt(h, CURLOPT_PRIVATE, c);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->o.connect_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->o.total_ms);
	/* vectors are long and compress well; a chat answer is short, and
	 * libcurl's decoders cost it a twentieth of its CPU on loopback */
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, c->embed ? "" : NULL);
	if (curl_multi_add_handle(g->m, h) != CURLM_OK)
		return -1;
	c->state = C_RUN;
	c->nattempts++;
	return 0;
}

static void
trace(mlm_engine *g, jv a)
{
	if (g->trace)
		g->trace(g->trace_u, a);
	else
		jv_free(a);
}

static void
record_attempt(call *c, const mlm_outcome *o, int64_t ms, long tokens)
{
	mlm_engine *g = c->g;
	const mlm_entry *e = &g->pool->v[c->idx];
	jv a = jv_object();
	a = jv_object_set(a, mlm_jkey("entry"), jv_string(e->id));
	a = jv_object_set(a, mlm_jkey("kind"), jv_string(mlm_kind_name(o->kind)));
	a = jv_object_set(a, mlm_jkey("status"), jv_number((double)o->status));
	a = jv_object_set(a, mlm_jkey("ms"), jv_number((double)ms));
	c->attempts = jv_array_append(c->attempts, jv_copy(a));
	if (!g->trace) {
		jv_free(a);
		goto errs;
	}
	jv t = a;
	t = jv_object_set(t, mlm_jkey("t"), jv_number((double)mlm_now_ms()));
	t = jv_object_set(t, mlm_jkey("quota"), jv_string(e->quota));
	t = jv_object_set(t, mlm_jkey("provider"), jv_string(e->provider));
	t = jv_object_set(t, mlm_jkey("model"), jv_string(e->model));
	if (tokens >= 0)
		t = jv_object_set(t, mlm_jkey("tokens"), jv_number((double)tokens));
	if (o->retry_ms >= 0)
		t = jv_object_set(t, mlm_jkey("retry_ms"), jv_number((double)o->retry_ms));
	if (o->kind != MLM_OK)
		t = jv_object_set(t, mlm_jkey("message"), jv_string(o->msg));
	t = jv_object_set(t, mlm_jkey("call"), jv_number((double)c->id));
	trace(g, t);
errs:
	/* the attempts' errors are a why-list for the call's message (cut to
	 * its size in finish): capped, it ends with "..." (mlm_buf_why) */
	if (o->kind != MLM_OK) {
		if (o->status)
			mlm_buf_why(&c->errs, "%s: %s (HTTP %ld): %s\n", e->id, mlm_kind_name(o->kind),
			    o->status, o->msg);
		else
			mlm_buf_why(&c->errs, "%s: %s: %s\n", e->id, mlm_kind_name(o->kind), o->msg);
	}
}

static void next_attempt(call *c);

/* An attempt ended: a concurrency slot it held is free. Calls waiting
 * for one look again at once rather than at the
 * end of their poll interval (50 ms, which left a concurrency-limited
 * key's slots idle a few percent of the time); a wait on another process's
 * request still ends by its interval. */
static void
wake_slot_waiters(mlm_engine *g)
{
	for (call *w = g->calls; w; w = w->next)
		if (w->state == C_WAIT && w->slot_wait && w->wake_at > 0) {
			w->wake_at = 0;
			w->slot_wait = 0;
		}
}

static int
permanent(int kind)
{
	return kind == MLM_AUTH || kind == MLM_NOT_FOUND || kind == MLM_NO_CREDIT ||
	    kind == MLM_QUOTA_EXHAUSTED || kind == MLM_TOO_LARGE || kind == MLM_UNSUPPORTED;
}

/* Nothing answers at the entry's address: a fast, clear failure that names
 * host:port, and the entry is out at once (o->refused). */
static void
no_answer_at(call *c, CURLcode cc, mlm_outcome *o)
{
	char where[300] = "";
	CURLU *u = curl_url();
	char *host = NULL, *port = NULL;
	if (u && curl_url_set(u, CURLUPART_URL, c->hr.url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
		snprintf(where, sizeof where, "%s:%s", host, port);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	long oserr = 0;
	curl_easy_getinfo(c->h, CURLINFO_OS_ERRNO, &oserr);
	o->refused = cc == CURLE_COULDNT_RESOLVE_HOST ? 2 : 1;
	if (cc == CURLE_COULDNT_RESOLVE_HOST)
		snprintf(o->msg, sizeof o->msg, "could not resolve the host of %s", where);
	else if (oserr == ECONNREFUSED)
		snprintf(o->msg, sizeof o->msg, "connection refused by %s", where);
	else
		snprintf(o->msg, sizeof o->msg, "cannot connect to %s: %s", where,
		    oserr ? strerror((int)oserr) : curl_easy_strerror(cc));
}

/* The outcome of an attempt that ended: a timeout before the first byte,
 * a failed event of a stream, a transport error, an HTTP error the
 * adapter classifies, a stream cut short, or the answer parsed. */
static mlm_outcome
attempt_outcome(call *c, CURLcode cc)
{
	mlm_engine *g = c->g;
	mlm_entry *e = &g->pool->v[c->idx];
	const mlm_adapter *ad = mlm_adapter_for(e->wire, c->req);
	mlm_outcome o;
	memset(&o, 0, sizeof o);
	o.retry_ms = -1;
	if (!c->status)
		curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &c->status);
	o.status = c->status;

	if (c->aborted_first_byte) {
		o.kind = MLM_TIMEOUT;
		snprintf(o.msg, sizeof o.msg, "no answer within %ld ms", c->o.first_byte_ms);
	} else if (c->ev_fail) {
		o = c->ev_out;
		o.status = c->status;
		if (!o.kind)
			o.kind = MLM_BAD_RESPONSE;
	} else if (cc != CURLE_OK && !(c->stream && c->ev_complete)) {
		o.kind = cc == CURLE_OPERATION_TIMEDOUT ? MLM_TIMEOUT : MLM_NETWORK;
		if (cc == CURLE_WRITE_ERROR) {
			o.kind = MLM_BAD_RESPONSE;
			snprintf(o.msg, sizeof o.msg, "answer larger than %u bytes", BODY_MAX);
		} else if (cc == CURLE_PARTIAL_FILE) {
			snprintf(o.msg, sizeof o.msg, "answer cut short (%s)", curl_easy_strerror(cc));
		} else if (cc == CURLE_COULDNT_CONNECT || cc == CURLE_COULDNT_RESOLVE_HOST) {
			no_answer_at(c, cc, &o);
		} else {
			snprintf(o.msg, sizeof o.msg, "%s", curl_easy_strerror(cc));
		}
	} else if (c->status < 200 || c->status >= 300) {
		ad->classify(e, c->status, &c->hdrs, c->body.p ? c->body.p : "", c->body.len, &o);
		o.status = c->status;
	} else if (c->stream) {
		if (!c->ev_complete)
			mlm_sse_finish(&c->sse, on_event, c);
		if (c->ev_fail) {
			o = c->ev_out;
			o.status = c->status;
		} else if (!c->ev_complete && !c->ans.done) {
			/* no terminator, no finish reason: a cut stream is a failure */
			if (c->ans.text.len == 0 && c->body.len && c->body.p[0] == '{') {
				/* a plain JSON error where a stream was expected */
				ad->classify(e, c->status, &c->hdrs, c->body.p, c->body.len, &o);
				if (o.kind == MLM_OK)
					o.kind = MLM_BAD_RESPONSE;
			} else {
				o.kind = MLM_NETWORK;
				snprintf(o.msg, sizeof o.msg, "stream ended without a finish (%zu bytes of text)",
				    c->ans.text.len);
			}
		} else {
			o.kind = MLM_OK;
		}
	} else {
		if (ad->parse(e, c->body.p ? c->body.p : "", c->body.len, &c->ans, &o) == 0)
			o.kind = mlm_embed_check(c->req, &c->ans, &o) < 0 ? o.kind : MLM_OK;
		else if (!o.kind)
			o.kind = MLM_BAD_RESPONSE;
	}
	if (o.kind != MLM_OK && o.retry_ms < 0 && (o.kind == MLM_RATE_LIMITED || o.kind == MLM_OVERLOADED))
		o.retry_ms = mlm_retry_hint(&c->hdrs, jv_null(), o.msg);
	return o;
}

/* An answer that should match the call's schema: extracts it with
 * llm-fmt's code into c->data. Returns 1 when it does not match (why in
 * verr), else 0. */
static int
schema_miss(call *c, char *verr, size_t verrsz)
{
	int miss = 0;
	mlm_fmt_opts fo = { .level = MLM_FMT_SAFE, .repair = MLM_FMT_REPAIR_SAFE,
	    .multi = c->o.multi };
	jv out, diag;
	const char *t = c->ans.text.p ? c->ans.text.p : "";
	if (mlm_fmt_extract(c->o.schema, t, c->ans.text.len, &fo, &out, &diag, verr,
	    verrsz) == 0) {
		jv_free(c->data);
		c->data = out;
	} else {
		jv_free(out);
		miss = 1;
	}
	jv_free(diag);
	return miss;
}

/* it answered, but not in the schema: not the key's fault. Re-ask
 * the same entry with the errors (its answer and what was wrong with it
 * appended to the messages) while re-asks are left, else not again. */
static void
reask(call *c, const char *verr)
{
	if (c->reasked < c->o.reask && c->nattempts < c->o.max_attempts) {
		const char *t = c->ans.text.p ? c->ans.text.p : "";
		c->reasked++;
		jv msgs = mlm_jfield(c->req, "messages");
		msgs = jv_array_append(msgs, jv_object_set(jv_object_set(jv_object(),
		    jv_string("role"), jv_string("assistant")), jv_string("content"),
		    jv_string(t)));
		char fix[700];
		snprintf(fix, sizeof fix, "Your reply did not match the required JSON schema: %.500s. "
		    "Reply again with only the corrected JSON.", verr);
		msgs = jv_array_append(msgs, jv_object_set(jv_object_set(jv_object(),
		    jv_string("role"), jv_string("user")), jv_string("content"), jv_string(fix)));
		c->req = jv_object_set(c->req, jv_string("messages"), msgs);
		c->force_idx = c->idx;
	} else {
		c->tried[c->idx] = 2;   /* it will answer the same: not again */
	}
}

/* A failed attempt: whether the entry may be tried again in this call, and
 * whether the call stops (the request's fault, or text already shown that
 * must not be restarted); text shown by a stream is declared void. */
static void
after_failure(call *c, const mlm_outcome *o)
{
	mlm_entry *e = &c->g->pool->v[c->idx];
	/* nothing at the address: not again in this call, unless it is a batch
	 * that waits out an outage (a host that does not resolve is no outage) */
	c->tried[c->idx] = permanent(o->kind) || o->refused == 2 || (o->refused && !c->o.pick.wait_dead)
	    ? 2 : 1;
	if (o->kind == MLM_UNSUPPORTED && c->o.schema)
		c->tried[c->idx] = 0;   /* asked again with the schema in the prompt */
	if (o->kind == MLM_RATE_LIMITED && o->conc)
		c->tried[c->idx] = 0;   /* too many in flight: the entry may take it when a slot frees */
	if (o->kind == MLM_TOO_LARGE) {
		/* only entries with a larger window than this one */
		if (e->window && c->o.pick.need_tokens <= e->window)
			c->o.pick.need_tokens = e->window + 1;
	}
	if (o->kind == MLM_INVALID_REQUEST || o->kind == MLM_BLOCKED)
		c->stop = 1;
	if (o->kind == MLM_TOO_LARGE && c->embed)
		c->stop = 1;    /* too long for the model: for every key of it too (embed.c) */
	if (c->delivered && c->o.no_restart)
		c->stop = 1;
	else if (c->delivered && c->delta) {
		c->g->ncb++;
		c->delta(c->du, e, NULL, 0);     /* what was shown is void */
		c->restarted = 1;
	}
}

/* An attempt ended: classify, tell the scheduler, go on. */
static void
attempt_done(call *c, CURLcode cc)
{
	mlm_engine *g = c->g;
	int64_t ms = mlm_mono_ms() - c->att_t0;
	mlm_outcome o = attempt_outcome(c, cc);
	redact(g, o.msg);
	/* structured output: validate the answer with llm-fmt's code */
	char verr[MLM_ERRLEN] = "";
	int miss = o.kind == MLM_OK && c->o.schema && schema_miss(c, verr, sizeof verr);
	long tokens = (c->ans.in_tok >= 0 ? c->ans.in_tok : 0) + (c->ans.out_tok >= 0 ? c->ans.out_tok : 0);
	if (o.kind == MLM_OK)   /* tokens and neurons against their windows */
		mlm_sched_usage(g->sched, c->idx, c->ans.in_tok, c->ans.out_tok);
	mlm_sched_done(g->sched, c->idx, c->lease, &o, ms, tokens, &c->hdrs);
	wake_slot_waiters(g);
	if (miss) {
		o.kind = MLM_BAD_RESPONSE;
		snprintf(o.msg, sizeof o.msg, "answer does not match the schema: %.300s", verr);
		redact(g, o.msg);
	}
	record_attempt(c, &o, ms, o.kind == MLM_OK ? tokens : -1);
	if (miss)
		reask(c, verr);
	else if (o.kind == MLM_OK) {
		finish(c, 1, MLM_OK);
		return;
	} else
		after_failure(c, &o);
	attempt_clear(c);
	next_attempt(c);
}

/* Nothing can be picked within the wait allowed: the message names each
 * entry kept away, its reason and time left, and the way to forget. */
static void
unavailable(call *c, const mlm_pick *q, int64_t wait)
{
	mlm_engine *g = c->g;
	char cm[MLM_ERRLEN];
	int ck = mlm_caps_unservable(g->sched, g->pool, q, cm, sizeof cm);
	if (ck) {       /* nobody can take it at all: say what was missing */
		if (mlm_buf_printf(&c->errs, "%s\n", cm) < 0)
			mlm_buf_reset(&c->errs);
		c->caps_kind = ck;
		return;
	}
	mlm_buf why = { 0 };
	mlm_sched_explain(g->sched, q, &why);
	if (!why.len) {
		if (!c->nattempts)
			mlm_buf_why(&c->errs, "no entry matches\n");
		mlm_buf_free(&why);
		return;
	}
	/* why-lists for people, all of them (mlm_buf_why): the first three
	 * reasons, each cut at 150 bytes, and how many more */
	mlm_buf m = { 0 };
	int n = 0;
	for (char *p = why.p; p && *p; n++) {
		char *nl = strchr(p, '\n');
		size_t l = nl ? (size_t)(nl - p) : strlen(p);
		if (n < 3)
			mlm_buf_why(&m, "%s%.*s", n ? "; " : "", (int)(l > 150 ? 150 : l), p);
		p = nl ? nl + 1 : NULL;
	}
	if (n > 3)
		mlm_buf_why(&m, "; and %d more", n - 3);
	mlm_buf_why(&c->errs, "%s%s (waits up to %.0f s; llm-pool --reset forgets them)\n",
	    c->nattempts ? "the rest cannot answer now: " : "no entry can answer now: ",
	    m.p ? m.p : "", (double)c->o.max_wait_ms / 1000);
	mlm_buf_free(&m);
	mlm_buf_free(&why);
	(void)wait;
}

static void
next_attempt(call *c)
{
	mlm_engine *g = c->g;
	if (c->cancelled) {
		finish(c, 0, MLM_TIMEOUT);
		return;
	}
	if (c->stop || c->nattempts >= c->o.max_attempts) {
		finish(c, 0, -1);
		return;
	}
	int forced = c->force_idx;
	c->force_idx = -1;
	if (forced < 0 && jv_is_valid(c->orig_req) && c->reasked) {
		/* a new entry starts from the original request */
		jv_free(c->req);
		c->req = jv_copy(c->orig_req);
		c->reasked = 0;
	}
	for (;;) {
		int64_t wait = -1;
		mlm_pick q = c->o.pick;
		q.tried = c->tried;
		q.items = mlm_embed_items(c->req);
		if (forced >= 0)
			q.entry = g->pool->v[forced].id;
		mlm_buf why = { 0 };
		int idx = mlm_sched_pick(g->sched, &q, &wait, &c->lease, c->o.verbose ? &why : NULL);
		if (idx < 0 && wait < 0) {
			/* every candidate failed in this call: let retryable ones be
			 * tried again once the scheduler frees them */
			int any = 0;
			for (size_t i = 0; i < g->pool->n; i++)
				if (c->tried[i] == 1)
					c->tried[i] = 0, any = 1;
			if (any) {
				mlm_buf_reset(&why);
				idx = mlm_sched_pick(g->sched, &q, &wait, &c->lease, c->o.verbose ? &why : NULL);
			}
		}
		if (c->o.verbose && why.len) {
			jv t = jv_object_set(jv_object(), jv_string("event"), jv_string("skip"));
			t = jv_object_set(t, jv_string("why"), jv_string(why.p));
			t = jv_object_set(t, jv_string("call"), jv_number((double)c->id));
			trace(g, t);
		}
		mlm_buf_free(&why);
		if (idx >= 0) {
			int r = start_attempt(c, idx);
			if (r == 0)
				return;
			mlm_outcome o;
			memset(&o, 0, sizeof o);
			o.retry_ms = -1;
			/* a key that cannot be had is the key's problem; an address
			 * refused before connecting is a network matter, not the key's */
			o.kind = r == -3 ? MLM_NETWORK : r == -4 ? MLM_UNSUPPORTED : MLM_AUTH;
			if (r == -4)
				snprintf(o.msg, sizeof o.msg, "%.300s", c->berr);
			else if (r == -3)
				snprintf(o.msg, sizeof o.msg, "plain http to a non-loopback host refused (LLM_INSECURE_HTTP=1 allows it)");
			else
				snprintf(o.msg, sizeof o.msg, "no key or request could be made");
			c->idx = idx;
			mlm_sched_done(g->sched, idx, c->lease, &(mlm_outcome){ .kind = MLM_INVALID_REQUEST, .retry_ms = -1 }, 0, 0, NULL);
			c->nattempts++;
			record_attempt(c, &o, 0, -1);
			c->tried[idx] = 2;
			attempt_clear(c);
			if (c->nattempts >= c->o.max_attempts) {
				finish(c, 0, -1);
				return;
			}
			continue;
		}
		int64_t waited = mlm_mono_ms() - c->t0;
		if (wait >= 0 && waited + wait <= c->o.max_wait_ms) {
			c->state = C_WAIT;
			c->wake_at = mlm_mono_ms() + (wait < 5 ? 5 : wait);
			c->slot_wait = mlm_sched_block_slot(g->sched);
			if (g->trace) {
				/* what it waits for and how long: -v prints it, and a
				 * tool on a terminal says so on a long wait */
				int bi = mlm_sched_block_entry(g->sched);
				jv t = jv_object_set(jv_object(), jv_string("event"), jv_string("wait"));
				t = jv_object_set(t, jv_string("ms"), jv_number((double)wait));
				if (bi >= 0)
					t = jv_object_set(t, jv_string("entry"), jv_string(g->pool->v[bi].id));
				t = jv_object_set(t, jv_string("kind"), jv_string(mlm_sched_block_kind(g->sched)));
				t = jv_object_set(t, jv_string("call"), jv_number((double)c->id));
				trace(g, t);
			}
			return;
		}
		unavailable(c, &q, wait);
		/* nothing tried because everything is cooling: say so by kind */
		int bk = mlm_kind_parse(mlm_sched_block_kind(g->sched));
		finish(c, 0, c->caps_kind ? c->caps_kind : !c->nattempts && bk > 0 ? bk : -1);
		return;
	}
}

static void
finish(call *c, int ok, int kind)
{
	mlm_engine *g = c->g;
	mlm_result r;
	memset(&r, 0, sizeof r);
	r.ok = ok;
	r.entry = c->nattempts ? &g->pool->v[c->idx] : NULL;
	r.in_tok = c->ans.in_tok;
	r.out_tok = c->ans.out_tok;
	r.nattempts = c->nattempts;
	r.attempts = c->attempts;
	c->attempts = jv_array();
	r.ms = mlm_mono_ms() - c->t0;
	r.restarted = c->restarted;
	r.data = jv_invalid();
	r.tool_calls = jv_invalid();
	if (ok) {
		r.kind = MLM_OK;
		r.text = mlm_strdup(c->ans.text.p ? c->ans.text.p : "");
		r.tool_calls = jv_copy(c->ans.tool_calls);
		r.data = c->data;
		c->data = jv_invalid();
	} else {
		/* the last attempt's kind; every attempt named, the last first */
		r.kind = kind >= 0 ? kind : MLM_SERVER;
		int n = jv_array_length(jv_copy(r.attempts));
		if (kind < 0 && n > 0) {
			jv last = jv_array_get(jv_copy(r.attempts), n - 1);
			jv k = jv_object_get(last, jv_string("kind"));
			r.kind = mlm_kind_parse(jv_string_value(k));
			jv_free(k);
		} else if (kind < 0) {
			r.kind = MLM_NOT_FOUND;
		}
		if (c->cancelled)
			snprintf(r.msg, sizeof r.msg, "cancelled");
		else {
			/* the message is cut to r.msg's size: m is a why-list too
			 * (mlm_buf_why), its cap far past what is kept */
			mlm_buf m = { 0 };
			if (n)
				mlm_buf_why(&m, "%d attempt%s failed: ", n, n == 1 ? "" : "s");
			/* lines newest last → join newest first */
			char *s = c->errs.p ? c->errs.p : "";
			size_t len = c->errs.len;
			while (len > 0 && s[len - 1] == '\n')
				len--;
			size_t end = len;
			int first = 1;
			while (end > 0) {
				size_t st = end;
				while (st > 0 && s[st - 1] != '\n')
					st--;
				if (!first)
					mlm_buf_why(&m, "; ");
				mlm_buf_why(&m, "%.*s", (int)(end - st), s + st);
				first = 0;
				end = st ? st - 1 : 0;
			}
			snprintf(r.msg, sizeof r.msg, "%s", m.p ? m.p : "failed");
			mlm_buf_free(&m);
			redact(g, r.msg);
		}
	}
	c->state = C_DONE;
	g->active--;
	g->ncb++;
	if (c->done)
		c->done(c->u, &r);
	mlm_result_free(&r);
}

static long
submit(mlm_engine *g, jv req, const mlm_call_opts *o, mlm_done_fn done, void *u,
    mlm_delta_fn delta, void *du)
{
	call *c = calloc(1, sizeof *c);
	if (!c) {
		jv_free(req);
		return -1;
	}
	c->g = g;
	c->id = ++g->next_id;
	c->req = req;
	c->o = *o;
	if (c->o.max_attempts <= 0)
		c->o.max_attempts = 10;
	c->done = done;
	c->delta = delta;
	c->u = u;
	c->du = du;
	c->tried = calloc(g->pool->n + 1, 1);
	c->attempts = jv_array();
	c->force_idx = -1;
	c->data = jv_invalid();
	c->orig_req = jv_invalid();
	if (o->schema) {
		/* the schema travels in the request; adapters put it in each
		 * provider's own form */
		jv js = mlm_schema_jsonschema(o->schema);
		if (o->multi)
			js = jv_object_set(jv_object_set(jv_object(), jv_string("type"), jv_string("array")),
			    jv_string("items"), js);
		c->req = jv_object_set(c->req, jv_string("schema"), js);
		c->orig_req = jv_copy(c->req);
		c->o.pick.need_schema = 1;
	}
	/* what it needs of an entry: images, tools, room (caps.c) */
	long tokens;
	c->o.pick.need_caps |= mlm_caps_need_tokens(c->req, &tokens);
	c->embed = mlm_req_is_embed(c->req);
	if (!c->o.pick.need_tokens && !c->embed)
		c->o.pick.need_tokens = tokens + mlm_caps_out_tokens(c->req);
	/* a batch may wait out an outage; one call says so at once */
	c->o.pick.wait_dead = c->o.max_wait_ms > 120000;
	c->t0 = mlm_mono_ms();
	c->state = C_WAIT;
	c->wake_at = 0;     /* start at the next run */
	c->next = g->calls;
	g->calls = c;
	g->active++;
	return c->id;
}

long
mlm_engine_submit(mlm_engine *g, jv req, const mlm_call_opts *o, mlm_done_fn done,
    mlm_delta_fn delta, void *u)
{
	return submit(g, req, o, done, u, delta, u);
}

void
mlm_engine_cancel(mlm_engine *g, long id)
{
	for (call *c = g->calls; c; c = c->next)
		if (c->id == id && c->state != C_DONE) {
			c->cancelled = 1;
			if (c->state == C_RUN) {
				mlm_outcome o = { .kind = MLM_TIMEOUT, .retry_ms = -1 };
				snprintf(o.msg, sizeof o.msg, "cancelled");
				mlm_sched_done(g->sched, c->idx, c->lease, &(mlm_outcome){ .kind = MLM_INVALID_REQUEST, .retry_ms = -1 }, 0, 0, NULL);
				attempt_clear(c);
			}
			finish(c, 0, MLM_TIMEOUT);
		}
}

static void
reap(mlm_engine *g)
{
	call **pp = &g->calls;
	while (*pp) {
		call *c = *pp;
		if (c->state == C_DONE) {
			*pp = c->next;
			call_free(c);
		} else {
			pp = &c->next;
		}
	}
}

/* Finished transfers → attempt_done. */
static void
drain_msgs(mlm_engine *g)
{
	CURLMsg *msg;
	int left;
	while ((msg = curl_multi_info_read(g->m, &left))) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		call *c = NULL;
		curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&c);
		if (c && c->state == C_RUN && c->h == msg->easy_handle)
			attempt_done(c, msg->data.result);
	}
}

int
mlm_engine_run(mlm_engine *g, int timeout_ms)
{
	int64_t now = mlm_mono_ms();
	unsigned long ncb0 = g->ncb;
	/* timers: waiting calls, first-byte deadlines */
	int64_t next = now + timeout_ms;
	mlm_sched_batch(g->sched, 1);
	for (call *c = g->calls; c; c = c->next) {
		if (c->state == C_WAIT && c->wake_at <= now) {
			c->state = C_RUN;   /* next_attempt sets it again */
			next_attempt(c);
		}
		if (c->state == C_WAIT && c->wake_at < next)
			next = c->wake_at;
		if (c->state == C_RUN && c->h && !c->got_bytes) {
			int64_t dl = c->att_t0 + c->o.first_byte_ms;
			if (dl <= now) {
				c->aborted_first_byte = 1;
				attempt_done(c, CURLE_OPERATION_TIMEDOUT);
			} else if (dl < next) {
				next = dl;
			}
		}
	}
	mlm_sched_batch(g->sched, 0);
	reap(g);
	int running = 0;
	curl_multi_perform(g->m, &running);
	/* transfers that completed in this perform: handle them before polling,
	 * or the poll (with no socket left to watch) sleeps its whole timeout */
	mlm_sched_batch(g->sched, 1);
	drain_msgs(g);
	mlm_sched_batch(g->sched, 0);
	for (call *c = g->calls; c; c = c->next)
		if (c->state == C_WAIT && c->wake_at < next)
			next = c->wake_at;
	int wait = (int)(next - mlm_mono_ms());
	if (wait < 0)
		wait = 0;
	if (wait > timeout_ms)
		wait = timeout_ms;
	/* a callback ran: return to the caller, which may have work to add
	 * (or, with watched descriptors, a response to send) before sleeping */
	if (g->ncb != ncb0)
		wait = 0;
	for (unsigned i = 0; i < g->nwatch; i++)
		g->watch[i].revents = 0;
	/* idle too: a caller with nothing in flight (llm-map waiting for its
	 * input) sleeps here until mlm_engine_wakeup, not in a busy loop */
	curl_multi_poll(g->m, g->nwatch ? g->watch : NULL, g->nwatch, wait, NULL);
	curl_multi_perform(g->m, &running);
	mlm_sched_batch(g->sched, 1);
	drain_msgs(g);
	mlm_sched_batch(g->sched, 0);
	reap(g);
	return g->active;
}

struct blocking { mlm_result *out; int done; };

static void
blocking_done(void *u, mlm_result *r)
{
	struct blocking *b = u;
	*b->out = *r;
	b->out->text = mlm_strdup(r->text);
	b->out->attempts = jv_copy(r->attempts);
	b->out->data = jv_copy(r->data);
	b->out->tool_calls = jv_copy(r->tool_calls);
	b->done = 1;
}

int
mlm_call(mlm_engine *g, jv req, const mlm_call_opts *o, mlm_delta_fn delta, void *u,
    mlm_result *out)
{
	struct blocking b = { out, 0 };
	memset(out, 0, sizeof *out);
	out->attempts = jv_null();
	out->data = jv_invalid();
	out->tool_calls = jv_invalid();
	if (submit(g, req, o, blocking_done, &b, delta, u) < 0)
		return -1;
	while (!b.done)
		mlm_engine_run(g, 1000);
	return out->ok ? 0 : -1;
}
