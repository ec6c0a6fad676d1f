/*
 * llm-serve — an OpenAI-compatible HTTP API in front of the pool.
 *
 * Threads. By default (--threads 1) there is one: libmicrohttpd runs
 * without a thread of its own and the engine's poll also waits on its epoll
 * descriptor (serve_loop), so the handler submits a request straight to the
 * engine and the engine's callbacks resume the connection; no request
 * changes threads. With --threads N > 1, libmicrohttpd's pool of N threads
 * parses requests and ONE engine thread owns the library engine (which is
 * not thread-safe) and loops on mlm_engine_run: the HTTP thread pushes a job
 * on a mutex-protected queue, wakes the engine and suspends the connection;
 * the engine thread submits it, and its delta/done callbacks fill the job's
 * buffer under the job's mutex and resume the connection. Anything that
 * reads the scheduler store (/status.json, /metrics) is a job too.
 *
 * A job is shared by both sides and freed when both let go (refs). Failover
 * stays invisible until the first byte: a stream's response is held until
 * its first delta or its result, and no_restart ends a call that fails after
 * output, with an error event instead of [DONE].
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "tool.h"
#include "lines.h"
#include "serve-page.h"
#include "serve-guard.h"
#include "serve.h"
#include "serve-int.h"

static const char usage_text[] =
"usage: llm-serve [-hv] [-l host:port] [-m glob] [-p glob] [--client-timeout dur]\n"
"                 [--env file] [--grace dur] [--header-timeout dur] [--log file]\n"
"                 [--max-body size] [--max-connections n]\n"
"                 [--max-connections-per-ip n] [--max-wait dur]\n"
"                 [--model-map name=target] [--pool file]\n"
"                 [--port-file file] [--retries n] [--reuse-port]\n"
"                 [--strategy name] [--threads n] [--timeout dur]\n"
"                 [--token-file file]\n";

static void
usage(int code)
{
	fputs(usage_text, code ? stderr : stdout);
	if (!code)
		fputs("\n"
"Serve OpenAI's and Anthropic's APIs (POST /v1/chat/completions,\n"
"/v1/responses, /v1/embeddings, /v1/messages, /v1/messages/count_tokens,\n"
"GET /v1/models)\n"
"in front of the pool, with failover, a status page (GET /), /status.json,\n"
"/healthz and /metrics.\n\n"
"  -l, --listen HOST:PORT    address to listen on (default 127.0.0.1:8080;\n"
"                            port 0 picks a free one)\n"
"      --port-file FILE      write the chosen port to FILE\n"
"      --token-file FILE     accept these bearer tokens (one per line; or\n"
"                            LLM_SERVE_TOKENS=a,b)\n"
"  -m, --model GLOB          only entries whose model matches\n"
"      --model-map NAME=TARGET  serve a model name or glob clients send\n"
"                            (claude-*) with entries matching TARGET, or any\n"
"                            (auto); repeatable, comma-separated (or\n"
"                            LLM_SERVE_MODELS)\n"
"  -p, --provider GLOB       only entries of matching providers\n"
"      --strategy NAME       smart, sequential, random, round-robin, weighted,\n"
"                            least-busy, latency, headroom\n"
"      --env FILE            read variables from FILE too (over ./.env)\n"
"      --pool FILE           read the pool from FILE (or LLM_POOL)\n"
"      --timeout DUR         per-attempt time limit (default 5m)\n"
"      --retries N           at most N attempts per request (default 10)\n"
"      --max-wait DUR        longest wait for a cooling entry (default 5s);\n"
"                            longer: 429 with Retry-After\n"
"      --max-body SIZE       largest request body (default 4M)\n"
"      --client-timeout DUR  close connections idle this long (default 30s)\n"
"      --header-timeout DUR  close a connection whose request headers are not\n"
"                            complete this long after it began (default 10s)\n"
"      --max-connections N   connections at once (default 512); at most half\n"
"                            of them idle or still sending headers\n"
"      --max-connections-per-ip N  connections from one address (default 128;\n"
"                            0: no limit)\n"
"      --reuse-port          share the port with other servers (SO_REUSEPORT);\n"
"                            without it a port in use is an error\n"
"      --threads N           HTTP threads (default 1: one loop for HTTP and upstream)\n"
"      --grace DUR           on SIGTERM, wait this long for requests (default 30s)\n"
"      --log FILE            append one NDJSON line per attempt (or LLM_LOG)\n"
"  -v, --verbose             one stderr line per request and attempt\n"
"      --version             print the name and version, and exit\n"
"  -h, --help                this help\n\n"
"Without tokens, requests must name a loopback host or the listen address\n"
"in Host and come from no foreign Origin (else 403); every POST needs\n"
"Content-Type: application/json (else 415).\n\n"
"Exit status: 0 stopped by SIGTERM or SIGINT, 1 cannot listen (the port is\n"
"in use), 2 usage, 78 configuration (a token file or LLM_SERVE_TOKENS without\n"
"a token).\n", stdout);
	exit(code);
}

enum { O_PORTFILE = 256, O_TOKENFILE, O_MAXBODY,
	O_CLIENTTO, O_MAXCONN, O_THREADS, O_GRACE, O_MAXWAIT, O_TIMEOUT, O_RETRIES, O_HEADERTO,
	O_PERIP, O_REUSEPORT, O_MODELMAP };

static const struct option longopts[] = {
	TOOL_POOL_OPTIONS,
	TOOL_POOL_FILE_OPTIONS,
	{ "client-timeout", required_argument, NULL, O_CLIENTTO },
	{ "grace", required_argument, NULL, O_GRACE },
	{ "header-timeout", required_argument, NULL, O_HEADERTO },
	{ "help", no_argument, NULL, 'h' },
	{ "listen", required_argument, NULL, 'l' },
	{ "max-body", required_argument, NULL, O_MAXBODY },
	{ "max-connections", required_argument, NULL, O_MAXCONN },
	{ "max-connections-per-ip", required_argument, NULL, O_PERIP },
	{ "max-wait", required_argument, NULL, O_MAXWAIT },
	{ "model-map", required_argument, NULL, O_MODELMAP },
	{ "port-file", required_argument, NULL, O_PORTFILE },
	{ "retries", required_argument, NULL, O_RETRIES },
	{ "reuse-port", no_argument, NULL, O_REUSEPORT },
	{ "threads", required_argument, NULL, O_THREADS },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "token-file", required_argument, NULL, O_TOKENFILE },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* ---------- configuration and shared state ---------- */

tool_pool tp;
static struct MHD_Daemon *daemon_;

int64_t
now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---------- routes (metrics: serve-metrics.c) ---------- */

/* routes 0..NWIRES-1 are the wire formats, in SERVE_WIRES's order */
#define SERVE_LIST(w) &w,
const serve_wire *const wires[] = { SERVE_WIRES(SERVE_LIST) };
#undef SERVE_LIST
_Static_assert(sizeof wires / sizeof wires[0] == NWIRES, "NWIRES counts the wires");
_Static_assert(sizeof wires / sizeof wires[0] <= MAX_WIRES, "more wire formats than routes");

/* ---------- responses ---------- */

static atomic_int draining;     /* SIGTERM: answer with Connection: close */

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

static enum MHD_Result
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

static void
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

/* ---------- draining (both modes), and --threads 1's one loop ---------- */

void
drain_begin(int sig, long grace)
{
	if (tp.verbose)
		warnmsg("%s: draining (up to %.1f s)", sig == SIGINT ? "SIGINT" : "SIGTERM",
		    (double)grace / 1000);
	atomic_store(&draining, 1);
	MHD_socket ls = MHD_quiesce_daemon(daemon_);
	if (ls != MHD_INVALID_SOCKET)
		close(ls);
}

/* early: a second signal came before --grace was over */
void
warn_cancel(int early, long grace)
{
	long n = atomic_load(&m_inflight);
	if (early)
		warnmsg("second signal: %ld request%s cancelled", n, n == 1 ? "" : "s");
	else
		warnmsg("%ld request%s still running after %.1f s: cancelled", n, n == 1 ? "" : "s",
		    (double)grace / 1000);
}

static void
cancel_all(int early, long grace)
{
	warn_cancel(early, grace);
	while (eng_jobs)
		mlm_engine_cancel(tp.engine, eng_jobs->call_id);
}

/* MHD without a thread of its own: the engine's poll also waits on MHD's
 * epoll descriptor and on a signalfd, and MHD_run runs between engine
 * rounds. A request never changes threads, so it pays no hand-off. */
static void
serve_loop(const sigset_t *sigs, long grace)
{
	int sfd = signalfd(-1, sigs, SFD_NONBLOCK | SFD_CLOEXEC);
	const union MHD_DaemonInfo *ei = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_EPOLL_FD);
	if (sfd < 0 || !ei)
		die(EX_SOMEFAIL, "cannot set up the event loop: %s", strerror(errno));
	int fds[2] = { ei->epoll_fd, sfd };
	mlm_engine_watch(tp.engine, fds, 2);
	int stage = 0;              /* 0 serving, 1 draining, 2 cancelled */
	int early = 0;
	int64_t end = 0, mhd_due = 0, swept = 0;
	unsigned ready = 1;
	for (;;) {
		int64_t now = mlm_mono_ms();
		/* MHD runs when its descriptor is ready, a connection was
		 * resumed, or one of its timeouts is due */
		if ((ready & 1) || mhd_kick || now >= mhd_due) {
			mhd_kick = 0;
			MHD_run(daemon_);
			MHD_UNSIGNED_LONG_LONG to;
			mhd_due = now + 100;
			if (MHD_get_timeout(daemon_, &to) == MHD_YES && to < 100)
				mhd_due = now + (int64_t)to;
		}
		struct signalfd_siginfo si;
		if ((ready & 2) && read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
			if (stage == 0) {
				drain_begin((int)si.ssi_signo, grace);
				stage = 1, end = now + grace;
			} else if (stage == 1) {
				end = 0, early = 1;     /* a second signal: cancel now */
			}
		}
		if (stage) {
			if (atomic_load(&m_inflight) <= 0 && !mlm_engine_active(tp.engine))
				break;
			if (stage == 1 && now >= end) {
				cancel_all(early, grace);
				stage = 2, end = now + 1000;    /* let the cancelled answers go out */
				mhd_kick = 1;
				continue;
			}
			if (stage == 2 && now >= end)
				break;
		}
		int64_t t = mhd_kick ? 0 : mhd_due - now;
		mlm_engine_run(tp.engine, t < 0 ? 0 : t > 100 ? 100 : (int)t);
		ready = mlm_engine_watched(tp.engine);
		eng_watch_hangups();
		store_health();
		if (now - swept >= 100) {
			guard_sweep();
			swept = now;
		}
	}
	mlm_engine_watch(tp.engine, NULL, 0);
	close(sfd);
}

/* ---------- set-up ---------- */

static int
is_loopback(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		if (IN6_IS_ADDR_LOOPBACK(a))
			return 1;
		if (IN6_IS_ADDR_V4MAPPED(a))
			return a->s6_addr[12] == 127;
	}
	return 0;
}

static void
write_port_file(const char *file, unsigned port)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", file, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f && fd >= 0)
		close(fd);
	if (!f || fprintf(f, "%u\n", port) < 0 || fclose(f) != 0 || rename(tmp, file) != 0) {
		unlink(tmp);
		die(EX_SOMEFAIL, "--port-file %s: %s", file, strerror(errno));
	}
}


static void
parse_options(int argc, char **argv)
{
	int c;
	while ((c = getopt_long(argc, argv, "hl:m:p:v", longopts, NULL)) != -1) {
		if (tool_pool_opt(&tp, c, optarg))
			continue;
		switch (c) {
		case 'h': usage(0); break;
		case O_VERSION: tool_version();
		case 'l': so.listen_at = optarg; break;
		case O_PORTFILE: so.port_file = optarg; break;
		case O_TOKENFILE: so.token_file = optarg; break;
		case O_MAXBODY: max_body = parse_size("--max-body", optarg); break;
		case O_CLIENTTO: so.client_to = opt_duration_ms("--client-timeout", optarg); break;
		case O_MAXCONN: so.max_conn = opt_long("--max-connections", optarg, 1, 1000000); break;
		case O_THREADS: so.threads = opt_long("--threads", optarg, 1, 256); break;
		case O_GRACE: so.grace = opt_duration_ms("--grace", optarg); break;
		case O_MAXWAIT: so.max_wait = opt_duration_ms("--max-wait", optarg); break;
		case O_TIMEOUT: so.timeout_ms = opt_duration_ms("--timeout", optarg); break;
		case O_RETRIES: so.retries = opt_long("--retries", optarg, 1, 1000); break;
		case O_HEADERTO: so.header_to = opt_duration_ms("--header-timeout", optarg); break;
		case O_PERIP: so.per_ip = opt_long("--max-connections-per-ip", optarg, 0, 1000000); break;
		case O_REUSEPORT: so.reuse_port = 1; break;
		case O_MODELMAP: add_maps("--model-map", optarg, EX_USAGE_); break;
		default: usage(2);
		}
	}
	if (optind < argc)
		die(EX_USAGE_, "unexpected argument '%s' (llm-serve takes options only)", argv[optind]);
	if (tp.strategy)
		tool_strategy("--strategy", tp.strategy, EX_USAGE_);
	if (so.client_to < 1)
		die(EX_USAGE_, "--client-timeout: must be positive");
	if (so.header_to < 1)
		die(EX_USAGE_, "--header-timeout: must be positive");
}

/* The pool, the call options, the model names served. */
static void
open_pool(void)
{
	tool_pool_open(&tp);
	store_health();
	mlm_engine_trace(tp.engine, on_trace, &tp);
	mlm_call_opts_init(&base_opts);
	base_opts.max_wait_ms = so.max_wait;
	if (so.timeout_ms)
		base_opts.total_ms = base_opts.first_byte_ms = so.timeout_ms;
	if (so.retries)
		base_opts.max_attempts = (int)so.retries;
	m_attempts = calloc(tp.pool.n * MLM_KIND__N + 1, sizeof *m_attempts);
	size_t nopt_maps = nmaps;
	const char *envmap = getenv("LLM_SERVE_MODELS");
	if (envmap)
		add_maps("LLM_SERVE_MODELS", envmap, EX_CONFIG_);
	check_maps(nopt_maps);
	build_models();
}

/* The HTTP server on its socket; the port file; "listening on ...". */
static void
start_daemon(void)
{
	unsigned flags = one_thread ? MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO :
	    MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC | MHD_USE_TURBO;
	if (so.ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	unsigned cto = (unsigned)((so.client_to + 999) / 1000);
	int lfd = guard_listen(so.listen_at, &so.ss, so.reuse_port);
	daemon_ = MHD_start_daemon(flags, (uint16_t)so.port, NULL, NULL, handler, NULL,
	    MHD_OPTION_LISTEN_SOCKET, (MHD_socket)lfd,
	    MHD_OPTION_CONNECTION_TIMEOUT, cto,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)so.max_conn,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)so.per_ip,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_NOTIFY_CONNECTION, guard_notify, NULL,
	    MHD_OPTION_URI_LOG_CALLBACK, guard_uri_log, NULL,
	    so.threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, (unsigned)so.threads,
	    MHD_OPTION_END);
	if (!daemon_)
		die(EX_SOMEFAIL, "--listen %s: cannot start the HTTP server", so.listen_at);
	struct sockaddr_storage bs;
	socklen_t bl = sizeof bs;
	unsigned bound = (unsigned)so.port;
	if (getsockname(lfd, (struct sockaddr *)&bs, &bl) == 0)
		bound = ntohs(bs.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bs)->sin6_port :
		    ((struct sockaddr_in *)&bs)->sin_port);
	if (so.port_file)
		write_port_file(so.port_file, bound);
	if (so.ss.ss_family == AF_INET6)
		warnmsg("listening on http://[%s]:%u", so.host, bound);
	else
		warnmsg("listening on http://%s:%u", so.host, bound);
}

static void
free_all(void)
{
	tool_store_warn(&tp);
	tool_pool_close(&tp);
	for (size_t i = 0; i < ntokens; i++)
		free(tokens[i]);
	free(tokens);
	free(models_json);
	free(m_attempts);
	for (size_t i = 0; i < nmaps; i++)
		free(maps[i].name), free(maps[i].target);
	free(maps);
}

int
main(int argc, char **argv)
{
	prog = "llm-serve";
	parse_options(argc, argv);
	parse_listen();
	load_tokens(so.token_file);
	if (!is_loopback((struct sockaddr *)&so.ss) && !ntokens)
		die(EX_USAGE_, "--listen %s: refusing a non-loopback address without bearer tokens "
		    "(--token-file or LLM_SERVE_TOKENS)", so.listen_at);
	guard_init(so.host, ntokens > 0, so.header_to, so.max_conn / 2);
	guard_log_file(tp.log_file ? tp.log_file : getenv("LLM_LOG"));
	open_pool();

	/* signals: only the main thread takes SIGTERM/SIGINT (sigwait) */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	pthread_t eng;
	one_thread = so.threads == 1;
	if (!one_thread && pthread_create(&eng, NULL, engine_main, NULL))
		die(EX_SOMEFAIL, "cannot start the engine thread");
	start_daemon();
	if (one_thread)
		serve_loop(&sigs, so.grace);
	else
		threaded_loop(&sigs, so.grace, eng);
	MHD_stop_daemon(daemon_);
	free_all();
	return 0;
}
