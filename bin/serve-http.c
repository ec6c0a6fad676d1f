/*
 * serve-http.c — llm-serve's HTTP side: the routes, libmicrohttpd's
 * request callbacks (the checks of a request's first call, the body
 * reader, the answers of the fixed routes), the bearer tokens, sending a
 * job's answer (whole, or a stream held until its first byte), and the
 * end of a request (its metrics, cancelling a call whose client left).
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "serve-page.h"
#include "serve-guard.h"
#include "serve-int.h"

/* ---------- routes (their metrics: serve-metrics.c) ---------- */

/* routes 0..NWIRES-1 are the wire formats, in SERVE_WIRES's order */
#define SERVE_LIST(w) &w,
const serve_wire *const wires[] = { SERVE_WIRES(SERVE_LIST) };
#undef SERVE_LIST
_Static_assert(sizeof wires / sizeof wires[0] == NWIRES, "NWIRES counts the wires");
_Static_assert(sizeof wires / sizeof wires[0] <= MAX_WIRES, "more wire formats than routes");

/* ---------- responses ---------- */

atomic_int draining;            /* SIGTERM: answer with Connection: close */

static void
add_common_headers(struct MHD_Response *r, const char *ctype)
{
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	if (atomic_load_explicit(&draining, memory_order_relaxed))
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
}

static enum MHD_Result
send_buf(struct MHD_Connection *c, int route, unsigned status, const char *ctype,
    char *body, size_t len, int must_free, const char *allow)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body,
	    must_free ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	add_common_headers(r, ctype);
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	if (status == 401)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	count_request(route, status);
	return ret;
}

static enum MHD_Result
send_error(struct MHD_Connection *c, int route, unsigned status, const char *msg,
    const char *type, const char *code, const char *allow)
{
	mlm_buf b = { 0 };
	if (route < NWIRES)
		wires[route]->error(&b, status, msg, type, code);
	else
		serve_openai_error(&b, status, msg, type, code);
	return send_buf(c, route, status, "application/json", b.p, b.len, 1, allow);
}

/* ---------- HTTP side ---------- */

static int
authorized(struct MHD_Connection *c)
{
	if (!ntokens)
		return 1;
	/* Bearer, or Anthropic's x-api-key */
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (h && !strncasecmp(h, "Bearer ", 7))
		h += 7;
	else if (!(h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "x-api-key")))
		return 0;
	while (*h == ' ')
		h++;
	size_t n = strlen(h);
	int ok = 0;
	for (size_t i = 0; i < ntokens; i++) {
		size_t tn = strlen(tokens[i]);
		unsigned char d = (unsigned char)(tn != n);
		for (size_t k = 0; k < tn; k++)
			d |= (unsigned char)(tokens[i][k] ^ (k < n ? h[k] : 0));
		ok |= d == 0;
	}
	return ok;
}

static int
route_of(const char *url)
{
	for (int i = 0; i < NWIRES; i++)
		if (!strcmp(url, wires[i]->path) || (wires[i]->alias && !strcmp(url, wires[i]->alias)))
			return i;
	if (!strcmp(url, "/v1/models") || !strcmp(url, "/models"))
		return R_MODELS;
	if (!strcmp(url, "/healthz"))
		return R_HEALTH;
	if (!strcmp(url, "/metrics"))
		return R_METRICS;
	if (!strcmp(url, "/status.json"))
		return R_STATUS;
	if (!strcmp(url, "/") || !strcmp(url, "/index.html"))
		return R_PAGE;
	return R_OTHER;
}

static job *
job_new(struct MHD_Connection *c, int type, int route)
{
	job *j = calloc(1, sizeof *j);
	if (!j)
		return NULL;
	pthread_mutex_init(&j->mu, NULL);
	j->refs = 1;
	j->conn = c;
	j->type = type;
	j->route = route;
	j->t0 = now_us();
	j->sc.req = jv_null();
	j->sc.keep = jv_null();
	j->fd = -1;
	j->body.max = max_body;
	j->out.max = 0;
	return j;
}

static void
set_id(job *j)
{
	static atomic_ulong seq;
	static uint64_t salt;
	if (!salt)
		salt = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^ (uint64_t)now_us();
	uint64_t n = atomic_fetch_add(&seq, 1) + 1;
	uint64_t x = (n * 0x9e3779b97f4a7c15ULL) ^ salt;
	x ^= x >> 31;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 29;
	snprintf(j->sc.id, sizeof j->sc.id, "%s%016llx%06llx", j->wire->id_prefix,
	    (unsigned long long)x, (unsigned long long)(n & 0xffffff));
	j->sc.created = (long)time(NULL);
}

/* Suspends the connection unless the job is ready; 1 when ready now. */
static int
wait_ready(job *j)
{
	pthread_mutex_lock(&j->mu);
	int r = j->ready;
	if (!r) {
		j->suspended = 1;
		MHD_suspend_connection(j->conn);
	}
	pthread_mutex_unlock(&j->mu);
	return r;
}

static ssize_t
stream_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
	job *j = cls;
	(void)pos;
	ssize_t n;
	pthread_mutex_lock(&j->mu);
	size_t avail = j->out.len - j->out_off;
	if (j->out.over) {
		/* a piece of the stream did not fit: end it as broken, never cut */
		n = MHD_CONTENT_READER_END_WITH_ERROR;
	} else if (avail) {
		n = (ssize_t)(avail < max ? avail : max);
		memcpy(buf, j->out.p + j->out_off, (size_t)n);
		j->out_off += (size_t)n;
		if (j->out_off == j->out.len) {
			j->out.len = j->out_off = 0;
			j->out.p[0] = 0;
		}
	} else if (j->finished) {
		n = MHD_CONTENT_READER_END_OF_STREAM;
	} else {
		j->suspended = 1;
		MHD_suspend_connection(j->conn);
		n = 0;
	}
	pthread_mutex_unlock(&j->mu);
	return n;
}

static void
answer_headers(struct MHD_Response *r, job *j)
{
	char n[16];
	if (j->entry[0])
		MHD_add_response_header(r, "X-ManyLLM-Entry", j->entry);
	if (j->sc.model[0])
		MHD_add_response_header(r, "X-ManyLLM-Model", j->sc.model);
	snprintf(n, sizeof n, "%d", j->nattempts);
	MHD_add_response_header(r, "X-ManyLLM-Attempts", n);
	if (j->retry_after) {
		snprintf(n, sizeof n, "%d", j->retry_after);
		MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, n);
	}
}

/* The job is ready: queue its response (called from the handler). */
static enum MHD_Result
send_job(struct MHD_Connection *c, job *j)
{
	struct MHD_Response *r;
	unsigned status;
	pthread_mutex_lock(&j->mu);
	status = j->status;
	if (j->hungup) {
		/* the client closed its connection while it waited: nothing to
		 * send; counted as 499 (client closed request), as nginx does */
		j->status = 499;
		pthread_mutex_unlock(&j->mu);
		j->phase = P_SENDING;
		count_request(j->route, 499);
		return MHD_NO;
	}
	if (j->type == J_CHAT && j->sc.stream && status == 200) {
		pthread_mutex_unlock(&j->mu);
		r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, stream_reader, j, NULL);
		if (!r)
			return MHD_NO;
		add_common_headers(r, "text/event-stream");
		MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-cache");
		MHD_add_response_header(r, "X-Accel-Buffering", "no");
		pthread_mutex_lock(&j->mu);
		answer_headers(r, j);
		pthread_mutex_unlock(&j->mu);
	} else {
		mlm_buf out = j->out;
		memset(&j->out, 0, sizeof j->out);
		pthread_mutex_unlock(&j->mu);
		if (out.over) {
			/* an answer that did not fit is never sent cut: an error instead */
			mlm_buf_reset(&out);
			status = 500;
			if (j->type == J_CHAT)
				j->wire->error(&out, status, "the answer is larger than the server's output "
				    "buffer", "server_error", NULL);
			else
				serve_openai_error(&out, status, "the answer is larger than the server's "
				    "output buffer", "server_error", NULL);
		}
		if (!out.p)
			sv_add(&out, "", 0);
		r = MHD_create_response_from_buffer(out.len, out.p, MHD_RESPMEM_MUST_FREE);
		if (!r) {
			mlm_buf_free(&out);
			return MHD_NO;
		}
		add_common_headers(r, j->type == J_METRICS ? "text/plain; version=0.0.4; charset=utf-8" :
		    "application/json");
		if (j->type == J_CHAT) {
			pthread_mutex_lock(&j->mu);
			answer_headers(r, j);
			pthread_mutex_unlock(&j->mu);
		} else {
			MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
		}
	}
	j->phase = P_SENDING;
	enum MHD_Result ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	count_request(j->route, status);
	return ret;
}

/* GET of a route answered by the server itself (not a wire format). */
static enum MHD_Result
fixed_route(struct MHD_Connection *c, int route, void **con_cls)
{
	job *j;
	switch (route) {
	case R_HEALTH:
		if (atomic_load_explicit(&store_degraded, memory_order_relaxed)) {
			static const char deg[] = "{\"status\":\"degraded\",\"state\":\"the state "
			    "store is unavailable: the scheduler's state is kept in memory, not "
			    "shared\"}\n";
			return send_buf(c, route, 200, "application/json", (char *)deg,
			    sizeof deg - 1, 0, NULL);
		}
		return send_buf(c, route, 200, "application/json", (char *)"{\"status\":\"ok\"}\n",
		    15, 0, NULL);
	case R_PAGE:
		return send_buf(c, route, 200, "text/html; charset=utf-8", (char *)serve_page,
		    sizeof serve_page - 1, 0, NULL);
	case R_MODELS:
		return send_buf(c, route, 200, "application/json", models_json, models_len, 0, NULL);
	case R_STATUS:
	case R_METRICS:
		j = job_new(c, route == R_STATUS ? J_STATUS : J_METRICS, route);
		if (!j)
			return MHD_NO;
		*con_cls = j;
		j->phase = P_WAIT;
		q_push(j);
		if (wait_ready(j))
			return send_job(c, j);
		return MHD_YES;
	default:
		break;
	}
	return MHD_NO;       /* not reached: a fixed route */
}

/* The first call for a request: its checks, then a job when one is needed. */
static enum MHD_Result
request_begins(struct MHD_Connection *c, const char *url, const char *method, void **con_cls)
{
	job *j;
	int route = route_of(url);
	int is_get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	int is_post = !strcmp(method, "POST");
	const char *why, *code;
	guard_request_begins(c);
	if ((why = guard_refusal(c, &code)))
		return send_error(c, route, 403, why, "invalid_request_error", code, NULL);
	if (route == R_OTHER)
		return send_error(c, route, 404, "Unknown request URL. Routes: POST "
		    "/v1/chat/completions, /v1/messages, /v1/messages/count_tokens, "
		    "/v1/responses, /v1/embeddings, GET /v1/models, /healthz, /metrics, /status.json, /",
		    "invalid_request_error", "unknown_url", NULL);
	if (route < NWIRES ? !is_post : !is_get)
		return send_error(c, route, 405, "Method not allowed", "invalid_request_error",
		    "method_not_allowed", route < NWIRES ? "POST" : "GET, HEAD");
	if (route != R_HEALTH && route != R_PAGE && !authorized(c))
		return send_error(c, route, 401, "Invalid or missing bearer token (Authorization: "
		    "Bearer TOKEN, or x-api-key: TOKEN)", "invalid_request_error", "invalid_api_key", NULL);
	if (route >= R_MODELS && route != R_OTHER)
		return fixed_route(c, route, con_cls);
	/* POST to a wire format's path */
	if (!guard_json_type(MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE)))
		return send_error(c, route, 415, "Unsupported Content-Type: the body must be "
		    "sent as Content-Type: application/json", "invalid_request_error",
		    "unsupported_media_type", NULL);
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (cl && strtoull(cl, NULL, 10) > max_body) {
		char m[128];
		snprintf(m, sizeof m, "Request body larger than %zu bytes", max_body);
		return send_error(c, route, 413, m, "invalid_request_error", "request_too_large", NULL);
	}
	j = job_new(c, J_CHAT, route);
	if (!j)
		return MHD_NO;
	j->wire = wires[route];
	j->fd = guard_conn_fd(c);
	atomic_fetch_add_explicit(&m_inflight, 1, memory_order_relaxed);
	*con_cls = j;
	return MHD_YES;
}

/* The whole body is in: parse it in the request's wire format, then
 * answer it here or hand it to the engine. */
static enum MHD_Result
body_complete(struct MHD_Connection *c, job *j)
{
	if (j->too_large) {
		char m[128];
		snprintf(m, sizeof m, "Request body larger than %zu bytes", max_body);
		j->phase = P_SENDING, j->status = 413;
		return send_error(c, j->route, 413, m, "invalid_request_error", "request_too_large", NULL);
	}
	jv body = j->body.len ? jv_parse_sized(j->body.p, (int)j->body.len) :
	    jv_invalid_with_msg(jv_string("empty body"));
	if (!jv_is_valid(body)) {
		jv msg = jv_invalid_get_msg(body);
		char m[400];
		snprintf(m, sizeof m, "Invalid JSON in the request body: %s",
		    jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : "parse error");
		jv_free(msg);
		j->phase = P_SENDING, j->status = 400;
		return send_error(c, j->route, 400, m, "invalid_request_error", "invalid_json", NULL);
	}
	mlm_buf_free(&j->body);
	char err[400];
	int r = j->wire->parse(&j->sc, body, err, sizeof err);
	jv_free(body);
	if (r < 0) {
		j->phase = P_SENDING;
		j->status = r == -2 ? 404 : 400;
		if (r == -2)
			return send_error(c, j->route, 404, err, "invalid_request_error",
			    "model_not_found", NULL);
		return send_error(c, j->route, 400, err, "invalid_request_error", NULL, NULL);
	}
	set_id(j);
	j->phase = P_WAIT;
	if (j->wire->local) {
		/* answered here, without the engine */
		j->wire->local(&j->sc, &j->out);
		j->status = 200;
		j->ready = j->finished = 1;
		return send_job(c, j);
	}
	q_push(j);
	if (wait_ready(j))
		return send_job(c, j);
	return MHD_YES;
}

enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
	(void)cls, (void)version;
	job *j = *con_cls;
	if (!j)
		return request_begins(c, url, method, con_cls);
	if (j->phase == P_BODY) {
		if (*upload_size) {
			if (!j->too_large && mlm_buf_add(&j->body, upload_data, *upload_size) < 0)
				j->too_large = 1;
			*upload_size = 0;
			return MHD_YES;
		}
		return body_complete(c, j);
	}
	if (j->phase == P_WAIT) {
		if (wait_ready(j))
			return send_job(c, j);
		return MHD_YES;
	}
	return MHD_YES;
}

void
completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	guard_request_ends(c);
	job *j = *con_cls;
	if (!j)
		return;
	*con_cls = NULL;
	pthread_mutex_lock(&j->mu);
	j->gone = 1;
	j->conn = NULL;
	int cancel = !j->finished && j->type == J_CHAT && j->phase != P_BODY;
	int64_t eng = j->eng_us;
	int ok = j->finished;
	unsigned status = j->status;
	pthread_mutex_unlock(&j->mu);
	if (j->type == J_CHAT) {
		int64_t t = now_us() - j->t0;
		if (ok && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK && !j->wire->local) {
			hist_add(&h_latency, lat_bounds, NLAT, (double)t / 1e6);
			int64_t ovh = t - eng;
			hist_add(&h_overhead, ovh_bounds, NOVH, (double)(ovh > 0 ? ovh : 0) / 1e6);
		}
		if (tp.verbose)
			fprintf(stderr, "%s: POST %s %u%s %.1f ms\n", prog, j->wire->name, status,
			    toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (client gone)",
			    (double)t / 1000);
		atomic_fetch_sub_explicit(&m_inflight, 1, memory_order_relaxed);
	}
	if (cancel)
		q_cancel(j);
	job_unref(j);
}
