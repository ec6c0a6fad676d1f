/*
 * serve-int.h — llm-serve's own parts, private to it: bin/llm-serve.c
 * (the option table, the event loop, set-up and main) and the files of its
 * seams share these: serve-http.c (routes, requests, answers), serve-job.c
 * (a request's call on the engine), serve-metrics.c, serve-models.c and
 * serve-options.c. The wire formats see only serve.h.
 */
#ifndef SERVE_INT_H
#define SERVE_INT_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "serve.h"

/* ---- llm-serve.c ---- */

extern tool_pool tp;
/* a monotonic clock, in microseconds */
int64_t now_us(void);

/* ---- the HTTP side (serve-http.c) ---- */

/* routes 0..NWIRES-1 are the wire formats, in SERVE_WIRES's order */
extern const serve_wire *const wires[];
#define SERVE_COUNT(w) + 1
#define NWIRES (0 SERVE_WIRES(SERVE_COUNT))
#define MAX_WIRES 16
enum { R_MODELS = MAX_WIRES, R_HEALTH, R_METRICS, R_STATUS, R_PAGE, R_OTHER, R__N };
extern atomic_int draining;         /* SIGTERM: answer with Connection: close */
/* libmicrohttpd's access handler and its request-completed callback */
enum MHD_Result handler(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_size, void **con_cls);
void completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe);

/* ---- metrics (serve-metrics.c; atomics: written by every thread) ---- */

typedef struct hist {
	atomic_long b[20];
	atomic_long count;
	atomic_llong sum_ns;
} hist;
#define NLAT 18
#define NOVH 12
extern const double lat_bounds[NLAT], ovh_bounds[NOVH];
extern hist h_latency, h_overhead;
extern atomic_long *m_attempts;     /* [entry * MLM_KIND__N + kind], engine thread writes */
extern atomic_long m_inflight;
extern atomic_long m_streams_broken;

void hist_add(hist *h, const double *bounds, size_t nb, double s);
/* one answer of route with status */
void count_request(int route, unsigned status);
/* the bodies of GET /status.json and GET /metrics: they read the
 * scheduler's store (the engine's thread) */
jv status_json(void);
void metrics_text(mlm_buf *b);

/* ---- model names clients send (serve-models.c) ---- */

typedef struct model_map {
	char *name;                     /* a name or glob a client sends */
	char *target;                   /* a glob of the pool's models, or "" (auto) */
} model_map;
extern model_map *maps;             /* --model-map, then LLM_SERVE_MODELS */
extern size_t nmaps;
extern char *models_json;           /* GET /v1/models, built once */
extern size_t models_len;

/* "NAME=TARGET[,NAME=TARGET]..." from what (an option or a variable); dies
 * with code when malformed */
void add_maps(const char *what, const char *spec, int code);
/* after the pool is open: every target must name some entry */
void check_maps(size_t from_option);
/* models_json from the pool and the maps */
void build_models(void);

/* ---- the values of the options (serve-options.c) ---- */

struct serve_opts {
	const char *listen_at, *port_file, *token_file;
	long client_to, max_conn, threads, grace, max_wait, timeout_ms, retries, header_to, per_ip;
	int reuse_port;
	char host[256];                 /* of --listen */
	long port;
	struct sockaddr_storage ss;
};
extern struct serve_opts so;        /* the options */
extern size_t max_body;             /* --max-body */
extern char **tokens;               /* bearer tokens: none, no auth */
extern size_t ntokens;

/* a size like 4M, 512k or 1048576 for option opt; dies with 2 */
size_t parse_size(const char *opt, const char *s);
/* --listen HOST:PORT into so.host, so.port and so.ss. */
void parse_listen(void);
/* --token-file file (NULL: none), then LLM_SERVE_TOKENS; dies with 78 */
void load_tokens(const char *file);

/* ---- jobs: a request between HTTP and the engine (serve-job.c) ---- */

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
	const serve_wire *wire;
	serve_call sc;                  /* the request as its wire format parsed it */
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
	int hungup;                     /* seen closed while suspended: no answer */
	int fd;                         /* the connection's socket (engine: peek only) */
	unsigned status;
	int retry_after;                /* seconds, 0 none */
	char entry[200];
	int nattempts;
	mlm_buf out;                    /* whole: the body; stream: bytes not yet read */
	size_t out_off;
} job;

extern mlm_call_opts base_opts;     /* every call's options */
/* --threads 1: the HTTP server runs in the engine's thread (no queue) */
extern int one_thread;
extern int mhd_kick;                /* one_thread: a connection was resumed */
extern job *eng_jobs;               /* calls in flight, engine thread only */
extern atomic_int store_degraded;   /* the store's health, for /healthz */

/* one reference less; the last frees the job */
void job_unref(job *j);
/* to the engine (through the queue with --threads N) */
void q_push(job *j);
/* cancel the job's call (its client went away) */
void q_cancel(job *j);
/* the engine's trace: metrics, failed attempts per call, -v and --log */
void on_trace(void *u, jv a);
/* the store's health for /healthz and /metrics, and its warnings */
void store_health(void);
/* cancel the calls whose clients hung up while suspended */
void eng_watch_hangups(void);
/* --threads N: the engine's thread */
void *engine_main(void *arg);
/* --threads N: the main thread's wait for a signal, the drain, the end */
void threaded_loop(sigset_t *sigs, long grace, pthread_t eng);

/* ---- llm-serve.c: draining ---- */

/* the first SIGTERM or SIGINT: stop listening, answer with Connection: close */
void drain_begin(int sig, long grace);
/* what is cancelled when the grace is over (early: a second signal) */
void warn_cancel(int early, long grace);

#endif
