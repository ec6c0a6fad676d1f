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
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "tool.h"
#include "serve-page.h"
#include "serve-embed.h"

static const char usage_text[] =
"usage: llm-serve [-hv] [-l host:port] [-m glob] [-p glob] [--client-timeout dur]\n"
"                 [--env file] [--grace dur] [--log file] [--max-body size]\n"
"                 [--max-connections n] [--max-wait dur] [--pool file]\n"
"                 [--port-file file] [--retries n] [--strategy name]\n"
"                 [--threads n] [--timeout dur] [--token-file file]\n";

static void
usage(int code)
{
	fputs(usage_text, code ? stderr : stdout);
	if (!code)
		fputs("\n"
"Serve an OpenAI-compatible API (POST /v1/chat/completions, POST /v1/embeddings,\n"
"GET /v1/models) in front of the pool, with failover, a status page (GET /),\n"
"/status.json,\n"
"/healthz and /metrics.\n\n"
"  -l, --listen HOST:PORT    address to listen on (default 127.0.0.1:8080;\n"
"                            port 0 picks a free one)\n"
"      --port-file FILE      write the chosen port to FILE\n"
"      --token-file FILE     accept these bearer tokens (one per line; or\n"
"                            LLM_SERVE_TOKENS=a,b)\n"
"  -m, --model GLOB          only entries whose model matches\n"
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
"      --max-connections N   connections at once (default 512)\n"
"      --threads N           HTTP threads (default 1: one loop for HTTP and upstream)\n"
"      --grace DUR           on SIGTERM, wait this long for requests (default 30s)\n"
"      --log FILE            append one NDJSON line per attempt (or LLM_LOG)\n"
"  -v, --verbose             one stderr line per request and attempt\n"
"      --version             print the name and version, and exit\n"
"  -h, --help                this help\n\n"
"Exit status: 0 stopped by SIGTERM or SIGINT, 1 cannot listen, 2 usage,\n"
"78 configuration.\n", stdout);
	exit(code);
}

enum { O_ENV = 256, O_POOL, O_STRATEGY, O_LOG, O_PORTFILE, O_TOKENFILE, O_MAXBODY,
	O_CLIENTTO, O_MAXCONN, O_THREADS, O_GRACE, O_MAXWAIT, O_TIMEOUT, O_RETRIES };

static const struct option longopts[] = {
	{ "client-timeout", required_argument, NULL, O_CLIENTTO },
	{ "env", required_argument, NULL, O_ENV },
	{ "grace", required_argument, NULL, O_GRACE },
	{ "help", no_argument, NULL, 'h' },
	{ "listen", required_argument, NULL, 'l' },
	{ "log", required_argument, NULL, O_LOG },
	{ "max-body", required_argument, NULL, O_MAXBODY },
	{ "max-connections", required_argument, NULL, O_MAXCONN },
	{ "max-wait", required_argument, NULL, O_MAXWAIT },
	{ "model", required_argument, NULL, 'm' },
	{ "pool", required_argument, NULL, O_POOL },
	{ "port-file", required_argument, NULL, O_PORTFILE },
	{ "provider", required_argument, NULL, 'p' },
	{ "retries", required_argument, NULL, O_RETRIES },
	{ "strategy", required_argument, NULL, O_STRATEGY },
	{ "threads", required_argument, NULL, O_THREADS },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "token-file", required_argument, NULL, O_TOKENFILE },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* ---------- configuration and shared state ---------- */

static tool_pool tp;
static mlm_call_opts base_opts;
static size_t max_body = 4u << 20;
static char **tokens;
static size_t ntokens;
static char *models_json;       /* GET /v1/models, built once */
static size_t models_len;
static struct MHD_Daemon *daemon_;

static int64_t
now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---------- metrics (atomics: written by every thread) ---------- */

enum { R_CHAT, R_MODELS, R_HEALTH, R_METRICS, R_STATUS, R_PAGE, R_OTHER, R_EMBED, R__N };
static const char *const route_name[R__N] = {
	"/v1/chat/completions", "/v1/models", "/healthz", "/metrics", "/status.json", "/", "other",
	"/v1/embeddings",
};
static atomic_long m_requests[R__N][600];
static const double lat_bounds[] = { .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5,
	1, 2.5, 5, 10, 30, 60, 120, 300 };
#define NLAT (sizeof lat_bounds / sizeof lat_bounds[0])
static const double ovh_bounds[] = { .00005, .0001, .00015, .00025, .0005, .001, .0025, .005,
	.01, .025, .05, .1 };
#define NOVH (sizeof ovh_bounds / sizeof ovh_bounds[0])
typedef struct hist {
	atomic_long b[20];
	atomic_long count;
	atomic_llong sum_ns;
} hist;
static hist h_latency, h_overhead;
static atomic_long *m_attempts;     /* [entry * MLM_KIND__N + kind], engine thread writes */
static atomic_long m_inflight;
static atomic_long m_streams_broken;

static void
hist_add(hist *h, const double *bounds, size_t nb, double s)
{
	for (size_t i = 0; i < nb; i++)
		if (s <= bounds[i])
			atomic_fetch_add_explicit(&h->b[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_ns, (long long)(s * 1e9), memory_order_relaxed);
}

static void
count_request(int route, unsigned status)
{
	if (status >= 600)
		status = 599;
	atomic_fetch_add_explicit(&m_requests[route][status], 1, memory_order_relaxed);
}

/* ---------- jobs ---------- */

enum { J_CHAT, J_STATUS, J_METRICS };
enum { P_BODY, P_WAIT, P_SENDING };

typedef struct job {
	pthread_mutex_t mu;
	int refs;                       /* HTTP side + engine side */
	struct job *qnext;              /* submit queue */
	struct job *cnext;              /* cancel queue */
	struct job *enext, *eprev;      /* engine thread: calls in flight */
	struct MHD_Connection *conn;    /* NULL once the request is over */
	int type, route, phase;
	int64_t t0;                     /* us, first handler call */
	int64_t eng_us;                 /* us inside the engine call */
	int64_t sub_us;
	/* the request */
	mlm_buf body;
	int too_large;
	jv req;
	int stream, include_usage;
	char model_glob[256];
	int embed_b64;                  /* /v1/embeddings: encoding_format base64 */
	/* engine side */
	long call_id;
	int in_engine;                  /* submitted, done not yet called */
	int cancel_queued;
	int failed_attempts;
	/* shared under mu */
	int suspended;
	int ready;                      /* stream: headers can go; others: done */
	int finished;                   /* the call is over */
	int gone;                       /* the client went away */
	unsigned status;
	int retry_after;                /* seconds, 0 none */
	char entry[200], model[200];
	int nattempts;
	mlm_buf out;                    /* whole: the body; stream: bytes not yet read */
	size_t out_off;
	char id[40];
	long created;
} job;

static void
job_unref(job *j)
{
	pthread_mutex_lock(&j->mu);
	int r = --j->refs;
	pthread_mutex_unlock(&j->mu);
	if (r)
		return;
	pthread_mutex_destroy(&j->mu);
	mlm_buf_free(&j->body);
	mlm_buf_free(&j->out);
	jv_free(j->req);
	free(j);
}

/* --threads 1: the HTTP server runs in the engine's thread (no queue) */
static int one_thread;
static int mhd_kick;            /* one_thread: a connection was resumed */

/* Resume a suspended connection (caller holds j->mu). */
static void
job_wake(job *j)
{
	if (j->suspended && j->conn) {
		j->suspended = 0;
		MHD_resume_connection(j->conn);
		mhd_kick = 1;
	}
}

/* ---------- the queue to the engine thread ---------- */

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	job *head, *tail;
	job *cancels;
	int sleeping;               /* the engine thread waits on cv */
	int quit, abort_all;
} q = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, NULL, 0, 0, 0 };

static void
q_kick_locked(void)
{
	if (q.sleeping)
		pthread_cond_signal(&q.cv);
	else
		mlm_engine_wakeup(tp.engine);
}

static void eng_take(job *j);

static void
q_push(job *j)
{
	pthread_mutex_lock(&j->mu);
	j->refs++;
	pthread_mutex_unlock(&j->mu);
	if (one_thread) {
		eng_take(j);        /* this thread is the engine's */
		return;
	}
	pthread_mutex_lock(&q.mu);
	j->qnext = NULL;
	if (q.tail)
		q.tail->qnext = j;
	else
		q.head = j;
	q.tail = j;
	q_kick_locked();
	pthread_mutex_unlock(&q.mu);
}

static void
q_cancel(job *j)
{
	if (one_thread) {
		if (j->in_engine)
			mlm_engine_cancel(tp.engine, j->call_id);
		return;
	}
	pthread_mutex_lock(&j->mu);
	j->refs++;
	pthread_mutex_unlock(&j->mu);
	pthread_mutex_lock(&q.mu);
	j->cnext = q.cancels;
	q.cancels = j;
	q_kick_locked();
	pthread_mutex_unlock(&q.mu);
}

/* ---------- small JSON writers ---------- */

static void
json_strz(mlm_buf *b, const char *s)
{
	mlm_json_str(b, s, strlen(s));
}

/* {"error":{"message","type","param":null,"code"}} */
static void
error_json(mlm_buf *b, const char *msg, const char *type, const char *code)
{
	mlm_buf_puts(b, "{\"error\":{\"message\":");
	json_strz(b, msg);
	mlm_buf_puts(b, ",\"type\":");
	json_strz(b, type);
	mlm_buf_puts(b, ",\"param\":null,\"code\":");
	if (code)
		json_strz(b, code);
	else
		mlm_buf_puts(b, "null");
	mlm_buf_puts(b, "}}");
}

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
	error_json(&b, msg, type, code);
	return send_buf(c, route, status, "application/json", b.p, b.len, 1, allow);
}

/* ---------- the request: OpenAI chat → the neutral request ---------- */

/* obj[key] (obj borrowed); null when absent */
static jv
oget(jv obj, const char *key)
{
	if (jv_get_kind(obj) != JV_KIND_OBJECT)
		return jv_null();
	jv v = jv_object_get(jv_copy(obj), jv_string(key));
	if (!jv_is_valid(v)) {
		jv_free(v);
		return jv_null();
	}
	return v;
}

static int
bad(char *err, size_t n, const char *fmt, const char *a)
{
	snprintf(err, n, fmt, a);
	return -1;
}

/* Builds j->req from the parsed body; on error fills err, returns -1 (400)
 * or -2 (404: no such model). */
static int
build_request(job *j, jv body, char *err, size_t errlen)
{
	int rc = -1;
	jv req = jv_object(), msgs = jv_array();
	mlm_buf sys = { 0 };
	if (jv_get_kind(body) != JV_KIND_OBJECT) {
		bad(err, errlen, "%s", "the request body must be a JSON object");
		goto out;
	}
	jv m = oget(body, "model");
	if (jv_get_kind(m) == JV_KIND_STRING) {
		const char *s = jv_string_value(m);
		if (strlen(s) >= sizeof j->model_glob) {
			jv_free(m);
			bad(err, errlen, "%s", "model: name too long");
			goto out;
		}
		if (strcmp(s, "auto") && *s)
			snprintf(j->model_glob, sizeof j->model_glob, "%s", s);
	} else if (jv_get_kind(m) != JV_KIND_NULL) {
		jv_free(m);
		bad(err, errlen, "%s", "model: expected a string");
		goto out;
	}
	jv_free(m);
	if (j->model_glob[0]) {
		size_t i;
		for (i = 0; i < tp.pool.n; i++)
			if (mlm_glob(j->model_glob, tp.pool.v[i].model))
				break;
		if (i == tp.pool.n) {
			snprintf(err, errlen, "The model `%s` does not exist in this pool "
			    "(GET /v1/models lists them; \"auto\" takes any)", j->model_glob);
			rc = -2;
			goto out;
		}
	}
	jv ms = oget(body, "messages");
	if (jv_get_kind(ms) != JV_KIND_ARRAY || jv_array_length(jv_copy(ms)) == 0) {
		jv_free(ms);
		bad(err, errlen, "%s", "messages: expected a non-empty array");
		goto out;
	}
	int n = jv_array_length(jv_copy(ms));
	for (int i = 0; i < n; i++) {
		jv msg = jv_array_get(jv_copy(ms), i);
		if (jv_get_kind(msg) != JV_KIND_OBJECT) {
			jv_free(msg);
			jv_free(ms);
			snprintf(err, errlen, "messages[%d]: expected an object", i);
			goto out;
		}
		jv role = oget(msg, "role");
		jv content = oget(msg, "content");
		jv_free(msg);
		const char *r = jv_get_kind(role) == JV_KIND_STRING ? jv_string_value(role) : "";
		int is_sys = !strcmp(r, "system") || !strcmp(r, "developer");
		if (!is_sys && strcmp(r, "user") && strcmp(r, "assistant")) {
			snprintf(err, errlen, "messages[%d].role: expected system, developer, user or "
			    "assistant", i);
			jv_free(role), jv_free(content), jv_free(ms);
			goto out;
		}
		jv text;
		if (jv_get_kind(content) == JV_KIND_STRING) {
			text = content;
		} else if (jv_get_kind(content) == JV_KIND_NULL) {
			jv_free(content);
			text = jv_string("");
		} else if (jv_get_kind(content) == JV_KIND_ARRAY) {
			/* text parts, joined */
			mlm_buf t = { 0 };
			mlm_buf_add(&t, "", 0);
			int np = jv_array_length(jv_copy(content)), okp = 1;
			for (int k = 0; k < np && okp; k++) {
				jv part = jv_array_get(jv_copy(content), k);
				jv ty = oget(part, "type");
				jv tx = jv_get_kind(part) == JV_KIND_OBJECT ?
				    oget(part, "text") : jv_null();
				if (jv_get_kind(part) == JV_KIND_STRING) {
					mlm_buf_puts(&t, jv_string_value(part));
				} else if (jv_get_kind(ty) == JV_KIND_STRING &&
				    !strcmp(jv_string_value(ty), "text") && jv_get_kind(tx) == JV_KIND_STRING) {
					mlm_buf_puts(&t, jv_string_value(tx));
				} else {
					snprintf(err, errlen, "messages[%d].content[%d]: only text parts are "
					    "supported", i, k);
					okp = 0;
				}
				jv_free(part), jv_free(ty), jv_free(tx);
			}
			jv_free(content);
			if (!okp) {
				mlm_buf_free(&t);
				jv_free(role), jv_free(ms);
				goto out;
			}
			text = jv_string_sized(t.p, (int)t.len);
			mlm_buf_free(&t);
		} else {
			snprintf(err, errlen, "messages[%d].content: expected a string or an array of "
			    "text parts", i);
			jv_free(role), jv_free(content), jv_free(ms);
			goto out;
		}
		if (is_sys) {
			if (sys.len)
				mlm_buf_puts(&sys, "\n\n");
			mlm_buf_add(&sys, jv_string_value(text), (size_t)jv_string_length_bytes(jv_copy(text)));
			jv_free(text);
		} else {
			jv o = jv_object_set(jv_object(), jv_string("role"), jv_string(r));
			msgs = jv_array_append(msgs, jv_object_set(o, jv_string("content"), text));
		}
		jv_free(role);
	}
	jv_free(ms);
	if (jv_array_length(jv_copy(msgs)) == 0) {
		bad(err, errlen, "%s", "messages: no user or assistant message");
		goto out;
	}
	if (sys.len)
		req = jv_object_set(req, jv_string("system"), jv_string_sized(sys.p, (int)sys.len));
	req = jv_object_set(req, jv_string("messages"), msgs);
	msgs = jv_invalid();

	jv t = oget(body, "temperature");
	if (jv_get_kind(t) == JV_KIND_NUMBER) {
		double v = jv_number_value(t);
		if (v < 0 || v > 2) {
			jv_free(t);
			bad(err, errlen, "%s", "temperature: expected a number from 0 to 2");
			goto out;
		}
		req = jv_object_set(req, jv_string("temperature"), t);
	} else if (jv_get_kind(t) != JV_KIND_NULL) {
		jv_free(t);
		bad(err, errlen, "%s", "temperature: expected a number");
		goto out;
	} else {
		jv_free(t);
	}
	static const char *const mt[] = { "max_completion_tokens", "max_tokens" };
	for (int k = 0; k < 2; k++) {
		jv v = oget(body, mt[k]);
		if (jv_get_kind(v) == JV_KIND_NULL) {
			jv_free(v);
			continue;
		}
		double d = jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : -1;
		jv_free(v);
		if (d < 1 || d != floor(d) || d > 1e9) {
			snprintf(err, errlen, "%s: expected a positive whole number", mt[k]);
			goto out;
		}
		req = jv_object_set(req, jv_string("max_tokens"), jv_number(d));
		break;
	}
	jv rf = oget(body, "response_format");
	if (jv_get_kind(rf) == JV_KIND_OBJECT) {
		jv ty = oget(rf, "type");
		const char *s = jv_get_kind(ty) == JV_KIND_STRING ? jv_string_value(ty) : "";
		if (!strcmp(s, "json_object")) {
			req = jv_object_set(req, jv_string("json"), jv_true());
		} else if (!strcmp(s, "json_schema")) {
			jv js = oget(rf, "json_schema");
			jv sc = jv_get_kind(js) == JV_KIND_OBJECT ?
			    oget(js, "schema") : jv_null();
			jv nm = jv_get_kind(js) == JV_KIND_OBJECT ?
			    oget(js, "name") : jv_null();
			jv_free(js);
			if (jv_get_kind(sc) != JV_KIND_OBJECT) {
				jv_free(sc), jv_free(nm), jv_free(ty), jv_free(rf);
				bad(err, errlen, "%s", "response_format.json_schema.schema: expected an object");
				goto out;
			}
			req = jv_object_set(req, jv_string("json"), jv_true());
			req = jv_object_set(req, jv_string("schema"), sc);
			if (jv_get_kind(nm) == JV_KIND_STRING)
				req = jv_object_set(req, jv_string("schema_name"), nm);
			else
				jv_free(nm);
		} else if (strcmp(s, "text")) {
			jv_free(ty), jv_free(rf);
			bad(err, errlen, "%s", "response_format.type: expected text, json_object or json_schema");
			goto out;
		}
		jv_free(ty);
	} else if (jv_get_kind(rf) != JV_KIND_NULL) {
		jv_free(rf);
		bad(err, errlen, "%s", "response_format: expected an object");
		goto out;
	}
	jv_free(rf);
	jv st = oget(body, "stream");
	j->stream = jv_get_kind(st) == JV_KIND_TRUE;
	jv_free(st);
	if (j->stream) {
		jv inc = oget(body, "stream_options");
		jv iu = oget(inc, "include_usage");
		jv_free(inc);
		inc = iu;
		j->include_usage = jv_get_kind(inc) == JV_KIND_TRUE;
		jv_free(inc);
		req = jv_object_set(req, jv_string("stream"), jv_true());
	}
	j->req = req;
	req = jv_invalid();
	rc = 0;
out:
	jv_free(req);
	jv_free(msgs);
	jv_free(body);
	mlm_buf_free(&sys);
	return rc;
}

/* ---------- engine thread ---------- */

static job *eng_jobs;           /* calls in flight, engine thread only */

static void
eng_link(job *j)
{
	j->eprev = NULL;
	j->enext = eng_jobs;
	if (eng_jobs)
		eng_jobs->eprev = j;
	eng_jobs = j;
}

static void
eng_unlink(job *j)
{
	if (j->eprev)
		j->eprev->enext = j->enext;
	else
		eng_jobs = j->enext;
	if (j->enext)
		j->enext->eprev = j->eprev;
	j->enext = j->eprev = NULL;
}

/* The state of entry i (as llm-pool --status); store transaction open. */
static const char *
entry_state(mlm_store *s, size_t i, int64_t now, mlm_srec r[4], char sc[4][256], int *which)
{
	(void)s;
	mlm_entry_status st;
	mlm_sched_entry_status(tp.sched, (int)i, now, &st);
	memcpy(r, st.r, sizeof st.r);
	memcpy(sc, st.scope, sizeof st.scope);
	*which = st.which;
	return st.state;
}

static jv
status_json(void)
{
	int64_t now = mlm_now_ms();
	mlm_store *s = tp.store;
	jv a = jv_array();
	s->ops->begin(s);
	for (size_t i = 0; i < tp.pool.n; i++)
		a = jv_array_append(a, mlm_sched_status_json(tp.sched, &tp.pool.v[i], (int)i, now));
	s->ops->commit(s);
	return a;
}

static void
prom_label(mlm_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			mlm_buf_add(b, "\\", 1);
		if (*s == '\n')
			mlm_buf_puts(b, "\\n");
		else
			mlm_buf_add(b, s, 1);
	}
}

static void
prom_hist(mlm_buf *b, const char *name, const char *help, hist *h, const double *bounds, size_t nb)
{
	mlm_buf_printf(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
	for (size_t i = 0; i < nb; i++)
		mlm_buf_printf(b, "%s_bucket{le=\"%g\"} %ld\n", name, bounds[i],
		    atomic_load_explicit(&h->b[i], memory_order_relaxed));
	long cnt = atomic_load_explicit(&h->count, memory_order_relaxed);
	mlm_buf_printf(b, "%s_bucket{le=\"+Inf\"} %ld\n", name, cnt);
	mlm_buf_printf(b, "%s_sum %.9f\n%s_count %ld\n", name,
	    (double)atomic_load_explicit(&h->sum_ns, memory_order_relaxed) / 1e9, name, cnt);
}

static void
metrics_text(mlm_buf *b)
{
	mlm_buf_puts(b, "# HELP llm_serve_requests_total HTTP requests answered, by route and status.\n"
	    "# TYPE llm_serve_requests_total counter\n");
	for (int r = 0; r < R__N; r++)
		for (int s = 100; s < 600; s++) {
			long n = atomic_load_explicit(&m_requests[r][s], memory_order_relaxed);
			if (n)
				mlm_buf_printf(b, "llm_serve_requests_total{route=\"%s\",status=\"%d\"} %ld\n",
				    route_name[r], s, n);
		}
	mlm_buf_puts(b, "# HELP llm_serve_attempts_total Upstream attempts, by entry and outcome kind.\n"
	    "# TYPE llm_serve_attempts_total counter\n");
	for (size_t i = 0; i < tp.pool.n; i++)
		for (int k = 0; k < MLM_KIND__N; k++) {
			long n = atomic_load_explicit(&m_attempts[i * MLM_KIND__N + (size_t)k],
			    memory_order_relaxed);
			if (!n)
				continue;
			mlm_buf_puts(b, "llm_serve_attempts_total{entry=\"");
			prom_label(b, tp.pool.v[i].id);
			mlm_buf_printf(b, "\",kind=\"%s\"} %ld\n", mlm_kind_name(k), n);
		}
	prom_hist(b, "llm_serve_request_duration_seconds",
	    "Time from the request to the end of its answer, chat completions.",
	    &h_latency, lat_bounds, NLAT);
	prom_hist(b, "llm_serve_overhead_seconds",
	    "Request time not spent in the upstream call (what llm-serve adds).",
	    &h_overhead, ovh_bounds, NOVH);
	mlm_buf_printf(b, "# HELP llm_serve_inflight Chat requests being answered.\n"
	    "# TYPE llm_serve_inflight gauge\nllm_serve_inflight %ld\n",
	    atomic_load_explicit(&m_inflight, memory_order_relaxed));
	mlm_buf_printf(b, "# HELP llm_serve_streams_broken_total Streams that ended with an error event.\n"
	    "# TYPE llm_serve_streams_broken_total counter\nllm_serve_streams_broken_total %ld\n",
	    atomic_load_explicit(&m_streams_broken, memory_order_relaxed));
	/* entry states, from the store */
	int64_t now = mlm_now_ms();
	mlm_store *s = tp.store;
	int ncool = 0, ndead = 0, npark = 0;
	mlm_buf_puts(b, "# HELP llm_serve_entry_up 1 when the entry can be picked now, else 0.\n"
	    "# TYPE llm_serve_entry_up gauge\n");
	mlm_buf st = { 0 };
	s->ops->begin(s);
	for (size_t i = 0; i < tp.pool.n; i++) {
		char sc[4][256];
		mlm_srec r[4];
		int w;
		const char *state = entry_state(s, i, now, r, sc, &w);
		ncool += !strcmp(state, "cooling");
		ndead += !strcmp(state, "dead");
		npark += !strcmp(state, "parked");
		mlm_buf_puts(b, "llm_serve_entry_up{entry=\"");
		prom_label(b, tp.pool.v[i].id);
		mlm_buf_printf(b, "\"} %d\n", !strcmp(state, "ok"));
		if (w >= 0) {
			mlm_buf_puts(&st, "llm_serve_entry_unavailable_seconds{entry=\"");
			prom_label(&st, tp.pool.v[i].id);
			mlm_buf_printf(&st, "\",state=\"%s\"} %.1f\n", state,
			    (double)(r[w].until_ms - now) / 1000);
		}
	}
	s->ops->commit(s);
	mlm_buf_puts(b, "# HELP llm_serve_entry_unavailable_seconds Seconds until a cooling, parked "
	    "or dead entry is tried again.\n# TYPE llm_serve_entry_unavailable_seconds gauge\n");
	if (st.len)
		mlm_buf_add(b, st.p, st.len);
	mlm_buf_free(&st);
	mlm_buf_printf(b, "# HELP llm_serve_entries Pool entries by state.\n"
	    "# TYPE llm_serve_entries gauge\n"
	    "llm_serve_entries{state=\"ok\"} %zu\nllm_serve_entries{state=\"cooling\"} %d\n"
	    "llm_serve_entries{state=\"parked\"} %d\nllm_serve_entries{state=\"dead\"} %d\n",
	    tp.pool.n - (size_t)(ncool + ndead + npark), ncool, npark, ndead);
}

/* Seconds until the soonest matching entry frees up; 0 when one is free now.
 * *limited: that entry waits on a rate limit or quota (not on failures). */
static int
soonest_free_s(const job *j, int *limited)
{
	int64_t now = mlm_now_ms(), best = -1;
	mlm_store *s = tp.store;
	*limited = 0;
	s->ops->begin(s);
	for (size_t i = 0; i < tp.pool.n; i++) {
		if (j->model_glob[0] && !mlm_glob(j->model_glob, tp.pool.v[i].model))
			continue;
		char sc[4][256];
		mlm_srec r[4];
		int w;
		entry_state(s, i, now, r, sc, &w);
		int64_t until = w >= 0 ? r[w].until_ms : now;
		if (best < 0 || until < best) {
			best = until;
			*limited = w >= 0 && (!strcmp(r[w].kind, "rate_limited") ||
			    !strcmp(r[w].kind, "quota_exhausted") || !strcmp(r[w].kind, "no_credit"));
		}
	}
	s->ops->commit(s);
	if (best <= now)
		return 0;
	return (int)((best - now + 999) / 1000);
}

static void
chunk_head(job *j, mlm_buf *b)
{
	mlm_buf_printf(b, "data: {\"id\":\"%s\",\"object\":\"chat.completion.chunk\",\"created\":%ld,"
	    "\"model\":", j->id, j->created);
	json_strz(b, j->model);
	mlm_buf_puts(b, ",\"system_fingerprint\":null,\"choices\":[");
}

static void
usage_obj(mlm_buf *b, const mlm_result *r)
{
	long in = r->in_tok > 0 ? r->in_tok : 0, out = r->out_tok > 0 ? r->out_tok : 0;
	mlm_buf_printf(b, "{\"prompt_tokens\":%ld,\"completion_tokens\":%ld,\"total_tokens\":%ld}",
	    in, out, in + out);
}

static void
on_delta(void *u, const mlm_entry *e, const char *text, size_t n)
{
	job *j = u;
	if (!text)
		return;     /* no_restart: never happens */
	pthread_mutex_lock(&j->mu);
	if (!j->gone) {
		int first = !j->ready;
		if (first) {
			snprintf(j->entry, sizeof j->entry, "%s", e->id);
			snprintf(j->model, sizeof j->model, "%s", e->model);
			j->nattempts = j->failed_attempts + 1;
			j->status = 200;
			j->ready = 1;
		}
		chunk_head(j, &j->out);
		mlm_buf_puts(&j->out, "{\"index\":0,\"delta\":{");
		if (first)
			mlm_buf_puts(&j->out, "\"role\":\"assistant\",");
		mlm_buf_puts(&j->out, "\"content\":");
		mlm_json_str(&j->out, text, n);
		mlm_buf_puts(&j->out, "},\"logprobs\":null,\"finish_reason\":null}]");
		if (j->include_usage)
			mlm_buf_puts(&j->out, ",\"usage\":null");
		mlm_buf_puts(&j->out, "}\n\n");
		job_wake(j);
	}
	pthread_mutex_unlock(&j->mu);
}

static void
fail_status(job *j, const mlm_result *r, unsigned *status, const char **type, const char **code)
{
	*type = "upstream_error";
	*code = mlm_kind_name(r->kind);
	*status = 502;
	switch (r->kind) {
	case MLM_INVALID_REQUEST:
		*status = 400, *type = "invalid_request_error";
		return;
	case MLM_TOO_LARGE:
		*status = 400, *type = "invalid_request_error", *code = "context_length_exceeded";
		return;
	case MLM_BLOCKED:
		*status = 400, *type = "invalid_request_error", *code = "content_filter";
		return;
	case MLM_OVERLOADED:
		*status = 503;
		break;
	case MLM_TIMEOUT:
		*status = 504;
		break;
	default:
		break;
	}
	/* every matching entry cooling or parked: 429 with Retry-After when
	 * they wait on rate limits or quotas, else 503 with Retry-After */
	if (r->kind == MLM_RATE_LIMITED || r->kind == MLM_QUOTA_EXHAUSTED ||
	    r->kind == MLM_NO_CREDIT || r->nattempts == 0 || strstr(r->msg, "cooling")) {
		int limited;
		int s = soonest_free_s(j, &limited);
		if (s > 0 && limited) {
			*status = 429, *type = "rate_limit_error", *code = "rate_limit_exceeded";
			j->retry_after = s;
		} else if (s > 0) {
			*status = 503;
			j->retry_after = s;
		} else if (r->nattempts == 0) {
			*status = 503;
		}
	}
}

static void
on_done(void *u, mlm_result *r)
{
	job *j = u;
	int64_t t = now_us();
	eng_unlink(j);
	pthread_mutex_lock(&j->mu);
	j->eng_us = t - j->sub_us;
	j->in_engine = 0;
	j->finished = 1;
	if (!j->gone) {
		if (r->entry && !j->entry[0]) {
			snprintf(j->entry, sizeof j->entry, "%s", r->entry->id);
			snprintf(j->model, sizeof j->model, "%s", r->entry->model);
		}
		if (!j->ready)
			j->nattempts = r->nattempts;
		if (j->stream && j->ready) {
			/* headers went with the first delta: finish the stream */
			if (r->ok) {
				chunk_head(j, &j->out);
				mlm_buf_puts(&j->out, "{\"index\":0,\"delta\":{},\"logprobs\":null,"
				    "\"finish_reason\":\"stop\"}]");
				if (j->include_usage)
					mlm_buf_puts(&j->out, ",\"usage\":null");
				mlm_buf_puts(&j->out, "}\n\n");
				if (j->include_usage) {
					chunk_head(j, &j->out);
					mlm_buf_puts(&j->out, "],\"usage\":");
					usage_obj(&j->out, r);
					mlm_buf_puts(&j->out, "}\n\n");
				}
				mlm_buf_puts(&j->out, "data: [DONE]\n\n");
			} else {
				unsigned st;
				const char *type, *code;
				fail_status(j, r, &st, &type, &code);
				mlm_buf_puts(&j->out, "data: ");
				error_json(&j->out, r->msg, type, code);
				mlm_buf_puts(&j->out, "\n\n");
				atomic_fetch_add_explicit(&m_streams_broken, 1, memory_order_relaxed);
			}
		} else if (r->ok) {
			j->status = 200;
			mlm_buf_reset(&j->out);
			if (j->route == R_EMBED) {
				serve_embed_answer(&j->out, r, j->model, j->embed_b64);
			} else if (j->stream) {
				/* an empty answer: a stream with no text */
				chunk_head(j, &j->out);
				mlm_buf_puts(&j->out, "{\"index\":0,\"delta\":{\"role\":\"assistant\","
				    "\"content\":\"\"},\"logprobs\":null,\"finish_reason\":null}]");
				if (j->include_usage)
					mlm_buf_puts(&j->out, ",\"usage\":null");
				mlm_buf_puts(&j->out, "}\n\n");
				chunk_head(j, &j->out);
				mlm_buf_puts(&j->out, "{\"index\":0,\"delta\":{},\"logprobs\":null,"
				    "\"finish_reason\":\"stop\"}]");
				if (j->include_usage) {
					mlm_buf_puts(&j->out, ",\"usage\":null}\n\n");
					chunk_head(j, &j->out);
					mlm_buf_puts(&j->out, "],\"usage\":");
					usage_obj(&j->out, r);
				}
				mlm_buf_puts(&j->out, "}\n\ndata: [DONE]\n\n");
			} else {
				mlm_buf_printf(&j->out, "{\"id\":\"%s\",\"object\":\"chat.completion\","
				    "\"created\":%ld,\"model\":", j->id, j->created);
				json_strz(&j->out, j->model);
				mlm_buf_puts(&j->out, ",\"choices\":[{\"index\":0,\"message\":{\"role\":"
				    "\"assistant\",\"content\":");
				json_strz(&j->out, r->text ? r->text : "");
				mlm_buf_puts(&j->out, ",\"refusal\":null},\"logprobs\":null,"
				    "\"finish_reason\":\"stop\"}],\"usage\":");
				usage_obj(&j->out, r);
				mlm_buf_puts(&j->out, ",\"system_fingerprint\":null}");
			}
		} else {
			const char *type, *code;
			fail_status(j, r, &j->status, &type, &code);
			mlm_buf_reset(&j->out);
			error_json(&j->out, r->msg, type, code);
		}
		j->ready = 1;
		job_wake(j);
	}
	pthread_mutex_unlock(&j->mu);
	job_unref(j);       /* the engine's reference */
}

/* The engine's trace: metrics, failed attempts per call, -v and --log. */
static void
on_trace(void *u, jv a)
{
	jv ev = jv_object_get(jv_copy(a), jv_string("event"));
	int is_attempt = jv_get_kind(ev) != JV_KIND_STRING;
	if (is_attempt) {
		jv e = jv_object_get(jv_copy(a), jv_string("entry"));
		jv k = jv_object_get(jv_copy(a), jv_string("kind"));
		jv c = jv_object_get(jv_copy(a), jv_string("call"));
		int kind = jv_get_kind(k) == JV_KIND_STRING ? mlm_kind_parse(jv_string_value(k)) : -1;
		if (kind >= 0 && jv_get_kind(e) == JV_KIND_STRING)
			for (size_t i = 0; i < tp.pool.n; i++)
				if (!strcmp(tp.pool.v[i].id, jv_string_value(e))) {
					atomic_fetch_add_explicit(&m_attempts[i * MLM_KIND__N + (size_t)kind], 1,
					    memory_order_relaxed);
					break;
				}
		if (kind != MLM_OK && jv_get_kind(c) == JV_KIND_NUMBER) {
			long id = (long)jv_number_value(c);
			for (job *j = eng_jobs; j; j = j->enext)
				if (j->call_id == id) {
					j->failed_attempts++;
					break;
				}
		}
		if (tp.verbose)
			tool_print_attempt(a);
		if (tp.log) {
			mlm_buf b = { 0 };
			mlm_json_dump(&b, a);
			mlm_buf_add(&b, "\n", 1);
			if (write(fileno(tp.log), b.p, b.len) < 0) {
				/* a log that cannot be written does not stop work */
			}
			mlm_buf_free(&b);
		}
		jv_free(e), jv_free(k), jv_free(c);
	}
	jv_free(ev);
	jv_free(a);
}

static void
eng_take(job *j)
{
	if (j->type == J_CHAT) {
		mlm_call_opts o = base_opts;
		o.stream = j->stream;
		o.no_restart = 1;
		o.pick.model = j->model_glob[0] ? j->model_glob : NULL;
		o.verbose = tp.verbose;
		jv req = j->req;
		j->req = jv_null();
		j->sub_us = now_us();
		pthread_mutex_lock(&j->mu);
		int gone = j->gone;
		j->in_engine = !gone;
		pthread_mutex_unlock(&j->mu);
		if (gone) {
			jv_free(req);
			job_unref(j);
			return;
		}
		eng_link(j);
		j->call_id = mlm_engine_submit(tp.engine, req, &o, on_done, on_delta, j);
		if (j->call_id < 0) {
			mlm_result r;
			memset(&r, 0, sizeof r);
			r.kind = MLM_SERVER;
			snprintf(r.msg, sizeof r.msg, "out of memory");
			r.attempts = jv_array();
			on_done(j, &r);
			jv_free(r.attempts);
		}
		return;
	}
	mlm_buf b = { 0 };
	if (j->type == J_STATUS) {
		jv s = jv_dump_string(status_json(), 0);
		mlm_buf_add(&b, jv_string_value(s), (size_t)jv_string_length_bytes(jv_copy(s)));
		jv_free(s);
	} else {
		metrics_text(&b);
	}
	tool_store_warn(&tp);
	pthread_mutex_lock(&j->mu);
	mlm_buf_free(&j->out);
	j->out = b;
	j->status = 200;
	j->ready = j->finished = 1;
	job_wake(j);
	pthread_mutex_unlock(&j->mu);
	job_unref(j);
}

static void *
engine_main(void *arg)
{
	(void)arg;
	int busy = 0;
	for (;;) {
		pthread_mutex_lock(&q.mu);
		while (!q.head && !q.cancels && !q.abort_all && !busy && !q.quit) {
			q.sleeping = 1;
			pthread_cond_wait(&q.cv, &q.mu);
			q.sleeping = 0;
		}
		job *sub = q.head, *can = q.cancels;
		q.head = q.tail = NULL;
		q.cancels = NULL;
		int quit = q.quit, abort_all = q.abort_all;
		q.abort_all = 0;
		pthread_mutex_unlock(&q.mu);
		while (sub) {
			job *n = sub->qnext;
			eng_take(sub);
			sub = n;
		}
		while (can) {
			job *n = can->cnext;
			if (can->in_engine)
				mlm_engine_cancel(tp.engine, can->call_id);
			job_unref(can);
			can = n;
		}
		if (abort_all)
			while (eng_jobs)
				mlm_engine_cancel(tp.engine, eng_jobs->call_id);
		if (quit && !mlm_engine_active(tp.engine))
			break;
		busy = mlm_engine_run(tp.engine, 100) > 0;
	}
	return NULL;
}

/* ---------- HTTP side ---------- */

static int
authorized(struct MHD_Connection *c)
{
	if (!ntokens)
		return 1;
	const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
	if (!h || strncasecmp(h, "Bearer ", 7))
		return 0;
	h += 7;
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
	if (!strcmp(url, "/v1/chat/completions") || !strcmp(url, "/chat/completions"))
		return R_CHAT;
	if (!strcmp(url, "/v1/models") || !strcmp(url, "/models"))
		return R_MODELS;
	if (!strcmp(url, "/v1/embeddings") || !strcmp(url, "/embeddings"))
		return R_EMBED;
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
	j->req = jv_null();
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
	snprintf(j->id, sizeof j->id, "chatcmpl-%016llx%06llx", (unsigned long long)x,
	    (unsigned long long)(n & 0xffffff));
	j->created = (long)time(NULL);
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
	if (avail) {
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
	if (j->model[0])
		MHD_add_response_header(r, "X-ManyLLM-Model", j->model);
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
	if (j->type == J_CHAT && j->stream && status == 200) {
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
		if (!out.p)
			mlm_buf_add(&out, "", 0);
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

static enum MHD_Result
handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_size, void **con_cls)
{
	(void)cls, (void)version;
	job *j = *con_cls;
	if (!j) {
		int route = route_of(url);
		int is_get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
		int is_post = !strcmp(method, "POST");
		if (route == R_OTHER)
			return send_error(c, route, 404, "Unknown request URL. Routes: POST "
			    "/v1/chat/completions, POST /v1/embeddings, GET /v1/models, /healthz, /metrics, /status.json, /",
			    "invalid_request_error", "unknown_url", NULL);
		int post_route = route == R_CHAT || route == R_EMBED;
		if (post_route ? !is_post : !is_get)
			return send_error(c, route, 405, "Method not allowed", "invalid_request_error",
			    "method_not_allowed", post_route ? "POST" : "GET, HEAD");
		if (route != R_HEALTH && route != R_PAGE && !authorized(c))
			return send_error(c, route, 401, "Invalid or missing bearer token (Authorization: "
			    "Bearer TOKEN)", "invalid_request_error", "invalid_api_key", NULL);
		switch (route) {
		case R_HEALTH:
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
		/* POST /v1/chat/completions */
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
		atomic_fetch_add_explicit(&m_inflight, 1, memory_order_relaxed);
		*con_cls = j;
		return MHD_YES;
	}
	if (j->phase == P_BODY) {
		if (*upload_size) {
			if (!j->too_large && mlm_buf_add(&j->body, upload_data, *upload_size) < 0)
				j->too_large = 1;
			*upload_size = 0;
			return MHD_YES;
		}
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
		int r = j->route == R_EMBED ? serve_embed_request(&tp.pool, body, &j->req, j->model_glob,
		    sizeof j->model_glob, &j->embed_b64, err, sizeof err) : build_request(j, body, err, sizeof err);
		if (j->route == R_EMBED)
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
		q_push(j);
		if (wait_ready(j))
			return send_job(c, j);
		return MHD_YES;
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
	(void)cls, (void)c;
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
		if (ok && toe == MHD_REQUEST_TERMINATED_COMPLETED_OK) {
			hist_add(&h_latency, lat_bounds, NLAT, (double)t / 1e6);
			int64_t ovh = t - eng;
			hist_add(&h_overhead, ovh_bounds, NOVH, (double)(ovh > 0 ? ovh : 0) / 1e6);
		}
		if (tp.verbose)
			fprintf(stderr, "%s: POST /v1/chat/completions %u%s %.1f ms\n", prog, status,
			    toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (client gone)",
			    (double)t / 1000);
		atomic_fetch_sub_explicit(&m_inflight, 1, memory_order_relaxed);
	}
	if (cancel)
		q_cancel(j);
	job_unref(j);
}

/* ---------- draining (both modes), and --threads 1's one loop ---------- */

static void
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
static void
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
	int64_t end = 0, mhd_due = 0;
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
	}
	mlm_engine_watch(tp.engine, NULL, 0);
	close(sfd);
}

/* ---------- set-up ---------- */

static size_t
parse_size(const char *opt, const char *s)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	double mul = 1;
	if (*end == 'k' || *end == 'K')
		mul = 1024, end++;
	else if (*end == 'm' || *end == 'M')
		mul = 1024 * 1024, end++;
	else if (*end == 'g' || *end == 'G')
		mul = 1024.0 * 1024 * 1024, end++;
	if (mul > 1 && (!strcmp(end, "iB") || !strcmp(end, "B") || !strcmp(end, "b")))
		end += strlen(end);
	if (end == s || *end || errno || !(v > 0) || v * mul > 1024.0 * 1024 * 1024)
		die(EX_USAGE_, "%s: expected a size like 4M, 512k or 1048576, got '%s'", opt, s);
	return (size_t)(v * mul);
}

static void
add_token(const char *s, size_t n)
{
	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	if (!n || *s == '#')
		return;
	tokens = realloc(tokens, (ntokens + 1) * sizeof *tokens);
	tokens[ntokens++] = mlm_strndup(s, n);
}

static void
load_tokens(const char *file)
{
	if (file) {
		FILE *f = fopen(file, "r");
		if (!f)
			die(EX_CONFIG_, "--token-file %s: %s", file, strerror(errno));
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;
		while ((n = getline(&line, &cap, f)) >= 0)
			add_token(line, (size_t)n);
		free(line);
		fclose(f);
		if (!ntokens)
			die(EX_CONFIG_, "--token-file %s: no token in the file", file);
	}
	const char *env = getenv("LLM_SERVE_TOKENS");
	if (env)
		for (const char *p = env; *p;) {
			const char *e = strchr(p, ',');
			size_t n = e ? (size_t)(e - p) : strlen(p);
			add_token(p, n);
			p += n + (e ? 1 : 0);
		}
}

static void
build_models(void)
{
	mlm_buf b = { 0 };
	mlm_buf_puts(&b, "{\"object\":\"list\",\"data\":[{\"id\":\"auto\",\"object\":\"model\","
	    "\"created\":0,\"owned_by\":\"many-llm\"}");
	for (size_t i = 0; i < tp.pool.n; i++) {
		size_t k;
		for (k = 0; k < i; k++)
			if (!strcmp(tp.pool.v[k].model, tp.pool.v[i].model))
				break;
		if (k < i)
			continue;
		mlm_buf_puts(&b, ",{\"id\":");
		json_strz(&b, tp.pool.v[i].model);
		mlm_buf_puts(&b, ",\"object\":\"model\",\"created\":0,\"owned_by\":");
		json_strz(&b, tp.pool.v[i].provider);
		mlm_buf_puts(&b, "}");
	}
	mlm_buf_puts(&b, "]}");
	models_json = b.p;
	models_len = b.len;
}

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
	FILE *f = fopen(tmp, "w");
	if (!f || fprintf(f, "%u\n", port) < 0 || fclose(f) != 0 || rename(tmp, file) != 0) {
		unlink(tmp);
		die(EX_SOMEFAIL, "--port-file %s: %s", file, strerror(errno));
	}
}

int
main(int argc, char **argv)
{
	prog = "llm-serve";
	const char *listen_at = "127.0.0.1:8080", *port_file = NULL, *token_file = NULL;
	long client_to = 30000, max_conn = 512, threads = 1, grace = 30000, max_wait = 5000;
	long timeout_ms = 0, retries = 0;
	int c;

	while ((c = getopt_long(argc, argv, "hl:m:p:v", longopts, NULL)) != -1) {
		switch (c) {
		case 'h': usage(0); break;
		case O_VERSION: tool_version();
		case 'l': listen_at = optarg; break;
		case 'm': tp.model = optarg; break;
		case 'p': tp.provider = optarg; break;
		case 'v': tp.verbose = 1; break;
		case O_ENV: tp.env_file = optarg; break;
		case O_POOL: tp.pool_file = optarg; break;
		case O_STRATEGY: tp.strategy = optarg; break;
		case O_LOG: tp.log_file = optarg; break;
		case O_PORTFILE: port_file = optarg; break;
		case O_TOKENFILE: token_file = optarg; break;
		case O_MAXBODY: max_body = parse_size("--max-body", optarg); break;
		case O_CLIENTTO: client_to = opt_duration_ms("--client-timeout", optarg); break;
		case O_MAXCONN: max_conn = opt_long("--max-connections", optarg, 1, 1000000); break;
		case O_THREADS: threads = opt_long("--threads", optarg, 1, 256); break;
		case O_GRACE: grace = opt_duration_ms("--grace", optarg); break;
		case O_MAXWAIT: max_wait = opt_duration_ms("--max-wait", optarg); break;
		case O_TIMEOUT: timeout_ms = opt_duration_ms("--timeout", optarg); break;
		case O_RETRIES: retries = opt_long("--retries", optarg, 1, 1000); break;
		default: usage(2);
		}
	}
	if (optind < argc)
		die(EX_USAGE_, "unexpected argument '%s' (llm-serve takes options only)", argv[optind]);
	if (tp.strategy && mlm_strategy_parse(tp.strategy) < 0)
		die(EX_USAGE_, "--strategy: unknown strategy '%s' (smart, sequential, random, "
		    "round-robin, weighted, least-busy, latency, headroom)", tp.strategy);
	if (client_to < 1)
		die(EX_USAGE_, "--client-timeout: must be positive");

	/* the address */
	char host[256];
	const char *colon = strrchr(listen_at, ':');
	if (!colon || colon == listen_at || !colon[1])
		die(EX_USAGE_, "--listen: expected HOST:PORT, got '%s'", listen_at);
	size_t hl = (size_t)(colon - listen_at);
	if (listen_at[0] == '[' && colon[-1] == ']')
		memcpy(host, listen_at + 1, hl - 2), host[hl - 2] = 0;
	else if (hl < sizeof host)
		memcpy(host, listen_at, hl), host[hl] = 0;
	else
		die(EX_USAGE_, "--listen: host too long");
	long port = opt_long("--listen port", colon + 1, 0, 65535);
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV }, *ai = NULL;
	int gr = getaddrinfo(host, colon + 1, &hints, &ai);
	if (gr)
		die(EX_USAGE_, "--listen %s: %s", listen_at, gai_strerror(gr));
	struct sockaddr_storage ss;
	memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	load_tokens(token_file);
	if (!is_loopback((struct sockaddr *)&ss) && !ntokens)
		die(EX_USAGE_, "--listen %s: refusing a non-loopback address without bearer tokens "
		    "(--token-file or LLM_SERVE_TOKENS)", listen_at);

	tool_pool_open(&tp);
	mlm_engine_trace(tp.engine, on_trace, &tp);
	mlm_call_opts_init(&base_opts);
	base_opts.max_wait_ms = max_wait;
	if (timeout_ms)
		base_opts.total_ms = base_opts.first_byte_ms = timeout_ms;
	if (retries)
		base_opts.max_attempts = (int)retries;
	m_attempts = calloc(tp.pool.n * MLM_KIND__N + 1, sizeof *m_attempts);
	build_models();

	/* signals: only the main thread takes SIGTERM/SIGINT (sigwait) */
	sigset_t sigs;
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);

	pthread_t eng;
	one_thread = threads == 1;
	if (!one_thread && pthread_create(&eng, NULL, engine_main, NULL))
		die(EX_SOMEFAIL, "cannot start the engine thread");

	unsigned flags = one_thread ? MHD_USE_EPOLL | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_TURBO :
	    MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ITC | MHD_USE_TURBO;
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	unsigned cto = (unsigned)((client_to + 999) / 1000);
	daemon_ = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, handler, NULL,
	    MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
	    MHD_OPTION_CONNECTION_TIMEOUT, cto,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)max_conn,
	    MHD_OPTION_NOTIFY_COMPLETED, completed, NULL,
	    MHD_OPTION_LISTENING_ADDRESS_REUSE, (unsigned)1,
	    threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, (unsigned)threads,
	    MHD_OPTION_END);
	if (!daemon_)
		die(EX_SOMEFAIL, "--listen %s: cannot listen (address in use, or not allowed)", listen_at);
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
	unsigned bound = di ? di->port : (unsigned)port;
	if (port_file)
		write_port_file(port_file, bound);
	if (ss.ss_family == AF_INET6)
		warnmsg("listening on http://[%s]:%u", host, bound);
	else
		warnmsg("listening on http://%s:%u", host, bound);

	if (one_thread) {
		serve_loop(&sigs, grace);
		goto done;
	}
	int sig = 0;
	sigwait(&sigs, &sig);
	drain_begin(sig, grace);
	int64_t end = mlm_mono_ms() + grace;
	int early = 0;
	while (atomic_load(&m_inflight) > 0 && mlm_mono_ms() < end) {
		struct timespec ts = { 0, 10 * 1000000 };
		if (sigtimedwait(&sigs, NULL, &ts) > 0) {
			early = 1;  /* a second signal: cancel now */
			break;
		}
	}
	if (atomic_load(&m_inflight) > 0) {
		warn_cancel(early, grace);
		pthread_mutex_lock(&q.mu);
		q.abort_all = 1;
		q_kick_locked();
		pthread_mutex_unlock(&q.mu);
		/* let the cancelled answers go out */
		int64_t end2 = mlm_mono_ms() + 1000;
		while (atomic_load(&m_inflight) > 0 && mlm_mono_ms() < end2) {
			struct timespec ts = { 0, 10 * 1000000 };
			nanosleep(&ts, NULL);
		}
	}
	pthread_mutex_lock(&q.mu);
	q.quit = 1;
	q_kick_locked();
	pthread_mutex_unlock(&q.mu);
	pthread_join(eng, NULL);
done:
	MHD_stop_daemon(daemon_);
	tool_store_warn(&tp);
	tool_pool_close(&tp);
	for (size_t i = 0; i < ntokens; i++)
		free(tokens[i]);
	free(tokens);
	free(models_json);
	free(m_attempts);
	return 0;
}
