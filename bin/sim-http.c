/*
 * sim-http.c — llm-sim's HTTP side: routing a path to a flavor and an API,
 * the key from its header, the request log and the /_sim/ routes, the
 * answer turned into a response (whole, slow, hung or streamed through a
 * content reader that suspends itself until the next chunk is due), and
 * the libmicrohttpd callbacks that read request bodies.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sim.h"
#include "sim-embed.h"
#include "sim-windows.h"

int log_fd = -1;
atomic_int g_stopping;
static atomic_int log_warned;
static atomic_ullong g_seq;

/* ---------- routing ---------- */

static int
ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && strcmp(s + a - b, suf) == 0;
}

static int
starts_with(const char *s, const char *pre)
{
	return strncmp(s, pre, strlen(pre)) == 0;
}

/* /client/v4/accounts/{ID}/ai/REST: returns REST or NULL. */
static const char *
cf_rest(const char *path)
{
	const char *p = "/client/v4/accounts/", *q;
	if (!starts_with(path, p))
		return NULL;
	q = strchr(path + strlen(p), '/');
	if (!q || q == path + strlen(p) || !starts_with(q, "/ai/"))
		return NULL;
	return q + 4;
}

static void
route(struct ctx *x)
{
	const char *p = x->path, *rest;
	int post = strcmp(x->method, "POST") == 0, get = strcmp(x->method, "GET") == 0;

	x->api = API_NOTFOUND;
	if (starts_with(p, "/v1beta/") || starts_with(p, "/v1alpha/"))
		x->fl = FL_GEMINI;
	else if (starts_with(p, "/api/paas/"))
		x->fl = FL_ZHIPU;
	else if (starts_with(p, "/client/v4/"))
		x->fl = FL_CLOUDFLARE;
	else
		x->fl = FL_OPENAI;
	if (post && sim_embed_route(p, (int)x->fl, &x->model)) {
		x->api = API_EMBED;     /* sim-embed.c */
		return;
	}

	if (x->fl == FL_GEMINI) {
		const char *m = strstr(p, "/models/"), *colon;
		if (get && (strcmp(p, "/v1beta/models") == 0 || strcmp(p, "/v1alpha/models") == 0)) {
			x->api = API_GMODELS;
			return;
		}
		if (post && m && m == strchr(p + 1, '/') && (colon = strrchr(m, ':')) != NULL) {
			const char *act = colon + 1;
			if (strcmp(act, "generateContent") == 0 || strcmp(act, "streamGenerateContent") == 0) {
				x->api = API_GEMINI;
				x->stream = act[0] == 's';
				x->model = xstrndup(m + 8, (size_t)(colon - m - 8));
				return;
			}
		}
		/* Gemini's OpenAI-compatible endpoint falls through to the OpenAI paths */
		if (!starts_with(p, "/v1beta/openai/"))
			return;
	}
	if (post && ends_with(p, "/chat/completions")) {
		x->api = API_CHAT;
		rest = cf_rest(p);
		if (x->fl == FL_CLOUDFLARE && (!rest || strcmp(rest, "v1/chat/completions") != 0))
			x->api = API_NOTFOUND;
		return;
	}
	if (get && ends_with(p, "/models")) {
		x->api = API_MODELS;
		return;
	}
	if (get && x->fl == FL_CLOUDFLARE && (rest = cf_rest(p)) != NULL &&
	    strcmp(rest, "models/search") == 0) {
		x->api = API_CFMODELS;
		return;
	}
	if (post && x->fl == FL_CLOUDFLARE && (rest = cf_rest(p)) != NULL && starts_with(rest, "run/")
	    && rest[4]) {
		x->api = API_CFRUN;
		x->model = xstrdup(rest + 4);
	}
}

/* ---------- the request log and stats ---------- */

static void
log_and_count(struct ctx *x, const struct answer *a, const char *raw, size_t rawlen, int too_large)
{
	jv o = jv_object(), body;
	char *line;
	size_t n;
	int ok = a->status >= 200 && a->status < 300;

	o = jset(o, "seq", jv_number((double)x->seq));
	o = jset(o, "t", jv_number((double)x->now));
	o = jset(o, "method", jv_string(x->method));
	o = jset(o, "path", jv_string(x->path));
	o = jset(o, "query", x->query ? jv_string(x->query) : jv_null());
	o = jset(o, "flavor", jv_string(flavor_names[x->fl]));
	o = jset(o, "key", x->key ? jv_string(x->key) : jv_null());
	o = jset(o, "auth", x->auth ? jv_string(x->auth) : jv_null());
	o = jset(o, "accept_encoding", x->accept_encoding ? jv_string(x->accept_encoding) : jv_null());
	o = jset(o, "model", x->model ? jv_string(x->model) : jv_null());
	o = jset(o, "stream", x->stream ? jv_true() : jv_false());
	o = jset(o, "status", jv_number(a->status));
	o = jset(o, "fault", a->fault ? jv_string(a->fault) : jv_null());
	if (too_large || rawlen == 0)
		body = jv_null();
	else if (jv_is_valid(x->req))
		body = jv_copy(x->req);
	else
		body = jv_string_sized(raw, rawlen > INT_MAX ? INT_MAX : (int)rawlen);
	o = jset(o, "body", body);
	line = jdump(o, &n);
	line = xrealloc(line, n + 2);
	line[n++] = '\n';
	line[n] = 0;
	if (log_fd >= 0) {
		ssize_t w = write(log_fd, line, n);
		if (w != (ssize_t)n && !atomic_exchange(&log_warned, 1))
			fprintf(stderr, PROG ": cannot write the log: %s\n", w < 0 ? strerror(errno) : "short write");
	}
	pthread_mutex_lock(&g_mu);
	if (ring_n == SIM_LOG_KEEP) {
		free(ring[ring_start]);
		ring[ring_start] = line;
		ring_start = (ring_start + 1) % SIM_LOG_KEEP;
	} else
		ring[(ring_start + ring_n++) % SIM_LOG_KEEP] = line;
	st_requests++;
	if (ok)
		st_ok++;
	else
		st_errors++;
	if (x->key) {
		char name[256];
		struct bucket *s;
		snprintf(name, sizeof name, "%.*s", (int)strcspn(x->key, "+ "), x->key);
		s = table_get(st_tab, name, 1);
		s->requests++;
		if (ok)
			s->ok++;
		else
			s->errors++;
	}
	pthread_mutex_unlock(&g_mu);
}

/* ---------- introspection endpoints ---------- */

static struct MHD_Response *
resp_buf(char *p, size_t n, const char *ctype)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(n, p, MHD_RESPMEM_MUST_FREE);
	if (r)
		MHD_add_response_header(r, "Content-Type", ctype);
	return r;
}

static enum MHD_Result
queue_free(struct MHD_Connection *c, unsigned status, struct MHD_Response *r)
{
	enum MHD_Result ret;
	if (!r)
		return MHD_NO;
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result
sim_endpoint(struct MHD_Connection *c, enum api api)
{
	struct sb b = { 0 };
	size_t i;

	if (api == API_SIM_REQUESTS) {
		pthread_mutex_lock(&g_mu);
		for (i = 0; i < ring_n; i++)
			sb_puts(&b, ring[(ring_start + i) % SIM_LOG_KEEP]);
		pthread_mutex_unlock(&g_mu);
		if (!b.p)
			b.p = xstrdup("");
		return queue_free(c, 200, resp_buf(b.p, b.len, "application/x-ndjson"));
	}
	if (api == API_SIM_STATS) {
		jv o = jv_object(), by = jv_object();
		struct bucket *s;
		char *p;
		size_t n;
		pthread_mutex_lock(&g_mu);
		o = jset(o, "requests", jv_number(st_requests));
		o = jset(o, "ok", jv_number(st_ok));
		o = jset(o, "errors", jv_number(st_errors));
		for (s = st_head; s; s = s->order) {
			jv k;
			if (!s->requests)
				continue;
			k = jv_object();
			k = jset(k, "requests", jv_number(s->requests));
			k = jset(k, "ok", jv_number(s->ok));
			k = jset(k, "errors", jv_number(s->errors));
			by = jset(by, s->name, k);
		}
		pthread_mutex_unlock(&g_mu);
		o = jset(o, "by_key", by);
		p = jdump(o, &n);
		p = xrealloc(p, n + 2);
		p[n++] = '\n';
		return queue_free(c, 200, resp_buf(p, n, "application/json"));
	}
	/* reset: zero everything but the in-flight counts of live requests */
	pthread_mutex_lock(&g_mu);
	for (i = 0; i < SIM_HASH; i++) {
		struct bucket *bk;
		for (bk = bk_tab[i]; bk; bk = bk->next) {
			bk->ts_n = bk->ts_start = 0;
			bk->track_rpm = 0;
			bk->day = 0;
			bk->day_n = bk->admitted = 0;
			sim_win_reset(bk->win);
		}
		for (bk = st_tab[i]; bk; bk = bk->next)
			bk->requests = bk->ok = bk->errors = 0;
	}
	st_requests = st_ok = st_errors = 0;
	for (i = 0; i < ring_n; i++)
		free(ring[(ring_start + i) % SIM_LOG_KEEP]);
	ring_start = ring_n = 0;
	atomic_store(&g_seq, 0);
	pthread_mutex_unlock(&g_mu);
	return queue_free(c, 200, resp_buf(xstrdup("{\"reset\":true}\n"), 15, "application/json"));
}

/* ---------- stream reader ---------- */

static ssize_t
stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	size_t done = 0;

	if (atomic_load(&g_stopping))
		return MHD_CONTENT_READER_END_WITH_ERROR;
	while (done < max && s->i < s->nseg) {
		size_t n;
		if (s->seg[s->i].due > mono_ms()) {
			if (done)
				return (ssize_t)done;
			MHD_suspend_connection(s->c);
			timer_add(s->c, s->seg[s->i].due);
			return 0;
		}
		n = s->seg[s->i].len - s->off;
		if (n > max - done)
			n = max - done;
		memcpy(buf + done, s->seg[s->i].p + s->off, n);
		done += n;
		s->off += n;
		if (s->off == s->seg[s->i].len) {
			s->i++;
			s->off = 0;
		}
	}
	if (done)
		return (ssize_t)done;
	return MHD_CONTENT_READER_END_OF_STREAM;
}

static void
stream_free(void *cls)
{
	struct stream *s = cls;
	size_t i;
	for (i = 0; i < s->nseg; i++)
		free(s->seg[i].p);
	free(s);
}

/* ---------- the key ---------- */

static const char *
header(struct MHD_Connection *c, const char *name)
{
	return MHD_lookup_connection_value(c, MHD_HEADER_KIND, name);
}

static void
get_key(struct ctx *x, struct MHD_Connection *c)
{
	const char *k = NULL;

	if (x->api == API_GEMINI || x->api == API_GMODELS ||
	    (x->fl == FL_GEMINI && (x->api == API_NOTFOUND || x->api == API_EMBED))) {
		k = header(c, "x-goog-api-key");
		if (k && *k)
			x->auth = "x-goog-api-key";
		else {
			k = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "key");
			if (k && *k)
				x->auth = "query";
		}
	} else {
		const char *h = header(c, "Authorization");
		if (h && strncasecmp(h, "Bearer ", 7) == 0) {
			k = h + 7;
			while (*k == ' ')
				k++;
			if (*k)
				x->auth = "bearer";
		}
	}
	x->key = x->auth ? k : NULL;
}

/* ---------- answering ---------- */

/* The response of a stream answer: its events as segments, spread over
 * a->slow ms, cut in the middle of an event for truncate; NULL if it
 * cannot be made. */
static struct MHD_Response *
stream_response(struct MHD_Connection *c, struct answer *a)
{
	struct MHD_Response *resp;
	struct stream *s = xmalloc(sizeof *s);
	int64_t t0 = mono_ms();
	size_t k, total = 0;

	memset(s, 0, sizeof *s);
	s->c = c;
	for (k = 0; k < a->nsegs; k++) {
		s->seg[k].p = a->sse_segs[k].p;
		s->seg[k].len = a->sse_segs[k].len;
		s->seg[k].due = a->slow > 0 ? t0 + a->slow * (int64_t)(k + 1) / (int64_t)a->nsegs : 0;
		a->sse_segs[k].p = NULL;
		total += s->seg[k].len;
	}
	s->nseg = a->nsegs;
	if (a->fault && strcmp(a->fault, "truncate") == 0 && total > 1) {
		/* cut the event stream in the middle of an event */
		size_t keep = total / 2;
		for (k = 0; k < s->nseg; k++) {
			if (keep < s->seg[k].len) {
				s->seg[k].len = keep;
				k++;
				break;
			}
			keep -= s->seg[k].len;
		}
		for (size_t j = k; j < s->nseg; j++)
			free(s->seg[j].p);
		s->nseg = k;
	}
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, stream_read, s, stream_free);
	if (!resp) {
		stream_free(s);
		return NULL;
	}
	MHD_add_response_header(resp, "Content-Type", a->ctype);
	MHD_add_response_header(resp, "Cache-Control", "no-cache");
	return resp;
}

static enum MHD_Result
answer_request(struct req *r, struct MHD_Connection *c, const char *url, const char *method)
{
	struct ctx x;
	struct answer *a;
	struct MHD_Response *resp = NULL;
	enum MHD_Result ret;
	int i;

	memset(&x, 0, sizeof x);
	x.path = url;
	x.method = method;
	route(&x);
	if (starts_with(url, "/_sim/")) {
		if (strcmp(method, "GET") == 0 && strcmp(url, "/_sim/requests") == 0)
			return sim_endpoint(c, API_SIM_REQUESTS);
		if (strcmp(method, "GET") == 0 && strcmp(url, "/_sim/stats") == 0)
			return sim_endpoint(c, API_SIM_STATS);
		if (strcmp(method, "POST") == 0 && strcmp(url, "/_sim/reset") == 0)
			return sim_endpoint(c, API_SIM_RESET);
		return queue_free(c, 404, resp_buf(xstrdup("{\"error\":\"no such llm-sim endpoint\"}\n"), 38,
		    "application/json"));
	}
	a = xmalloc(sizeof *a);
	memset(a, 0, sizeof *a);
	a->body = jv_invalid();
	x.seq = atomic_fetch_add(&g_seq, 1) + 1;
	x.now = now_ms();
	x.req = jv_invalid();
	if (r->body.len && !r->too_large) {
		x.req = jv_parse_sized(r->body.p, r->body.len > INT_MAX ? INT_MAX : (int)r->body.len);
		if (!jv_is_valid(x.req)) {
			jv_free(x.req);
			x.req = jv_invalid();
		}
	}
	x.query = r->query;
	if (x.api == API_CHAT || (x.api == API_EMBED && !x.model)) {
		jv m = jget(x.req, "model");
		if (jv_get_kind(m) == JV_KIND_STRING)
			x.model = xstrdup(jv_string_value(m));
		jv_free(m);
	}
	get_key(&x, c);
	x.accept_encoding = header(c, "Accept-Encoding");
	decide(&x, r, c, a);
	/* Gemini's OpenAI-compatible endpoint wraps its Google errors in an array */
	if (x.fl == FL_GEMINI && (x.api == API_CHAT || x.api == API_MODELS) && a->status >= 400
	    && jv_is_valid(a->body))
		a->body = jv_array_append(jv_array(), a->body);
	log_and_count(&x, a, r->body.p, r->body.len, r->too_large);

	if (a->reset) {
		ret = MHD_NO;
		goto out;
	}
	if (a->hang) {
		r->phase = PH_HANG;
		MHD_suspend_connection(c);
		timer_add(c, mono_ms() + SIM_HANG_CHECK_MS);
		ret = MHD_YES;
		goto out;
	}
	if (a->sse) {
		resp = stream_response(c, a);
		if (!resp) {
			ret = MHD_NO;
			goto out;
		}
	} else {
		char *p;
		size_t n;
		if (a->raw) {
			p = a->raw;
			n = a->rawlen;
			a->raw = NULL;
		} else {
			p = jdump(a->body, &n);
			a->body = jv_invalid();
		}
		resp = resp_buf(p, n, a->ctype ? a->ctype : "application/json");
		if (!resp) {
			ret = MHD_NO;
			goto out;
		}
	}
	for (i = 0; i < a->nhdr; i++)
		MHD_add_response_header(resp, a->hdr[i].name, a->hdr[i].val);
	if (x.fl == FL_OPENAI) {
		char id[40];
		snprintf(id, sizeof id, "req_sim%016llx", x.seq);
		MHD_add_response_header(resp, "x-request-id", id);
	}
	if (a->slow > 0 && !a->sse) {
		r->resp = resp;
		r->status = a->status;
		r->phase = PH_SLOW;
		MHD_suspend_connection(c);
		timer_add(c, mono_ms() + a->slow);
		ret = MHD_YES;
		goto out;
	}
	r->phase = PH_DONE;
	ret = queue_free(c, a->status, resp);
out:
	jv_free(a->body);
	free(a->raw);
	for (size_t k = 0; k < sizeof a->sse_segs / sizeof a->sse_segs[0]; k++)
		free(a->sse_segs[k].p);
	free(a);
	jv_free(x.req);
	free(x.model);
	free(x.f.buf);
	free(x.all.p);
	free(x.last.p);
	free(x.reply);
	return ret;
}

/* ---------- MHD callbacks ---------- */

void *
on_uri(void *cls, const char *uri, struct MHD_Connection *c)
{
	struct req *r = xmalloc(sizeof *r);
	const char *q = strchr(uri, '?');

	memset(r, 0, sizeof *r);
	r->query = q ? xstrdup(q + 1) : NULL;
	return r;
}

/* A hung request's client has not closed its end (EOF not yet seen). */
static int
client_alive(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	char ch;
	ssize_t n;

	if (!ci)
		return 0;
	n = recv(ci->connect_fd, &ch, 1, MSG_PEEK | MSG_DONTWAIT);
	return n > 0 || (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR));
}

enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
	struct req *r = *con_cls;

	if (!r) {
		r = on_uri(NULL, url, c);
		*con_cls = r;
	}
	switch (r->phase) {
	case PH_NEW:
		r->phase = PH_BODY;
		return MHD_YES;
	case PH_BODY:
		if (*upload_data_size) {
			r->body_total += *upload_data_size;
			if (r->too_large || r->body.len + *upload_data_size > SIM_MAX_BODY) {
				r->too_large = 1;
				free(r->body.p);
				memset(&r->body, 0, sizeof r->body);
			} else
				sb_add(&r->body, upload_data, *upload_data_size);
			*upload_data_size = 0;
			return MHD_YES;
		}
		if (atomic_load(&g_stopping))
			return MHD_NO;
		return answer_request(r, c, url, method);
	case PH_SLOW:
		if (atomic_load(&g_stopping))
			return MHD_NO;
		{
			struct MHD_Response *resp = r->resp;
			r->resp = NULL;
			r->phase = PH_DONE;
			return queue_free(c, r->status, resp);
		}
	case PH_HANG:
		/* woken up to see whether the client is still there */
		if (!atomic_load(&g_stopping) && client_alive(c)) {
			MHD_suspend_connection(c);
			timer_add(c, mono_ms() + SIM_HANG_CHECK_MS);
			return MHD_YES;
		}
		break;
	case PH_DONE:
		break;
	}
	return MHD_NO;
}

void
on_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;

	if (!r)
		return;
	if (r->conc_b) {
		pthread_mutex_lock(&g_mu);
		r->conc_b->inflight--;
		pthread_mutex_unlock(&g_mu);
	}
	if (r->resp)
		MHD_destroy_response(r->resp);
	free(r->query);
	free(r->body.p);
	free(r);
	*con_cls = NULL;
}
