/*
 * sim.h — llm-sim's private header: the types its files share (the request
 * being read, its context, the answer to write, the key's faults, the quota
 * buckets) and the functions one file offers the others.
 *
 * llm-sim is the test oracle: none of its files uses the library's adapters.
 *   llm-sim.c     options, the listening socket, signals
 *   sim-http.c    routing, the request log and the /_sim/ routes, the MHD callbacks,
 *                 the stream reader
 *   sim-timer.c   the timer thread that resumes suspended connections
 *   sim-faults.c  the faults in the key, the quota buckets, the decision
 *   sim-errors.c  how each flavor answers each fault (the fault table)
 *   sim-bodies.c  reading the conversation, success bodies, model listings
 *   sim-util.c    memory, strings, clocks, jv helpers, the flavors' names
 * and the request rules, tools, images, windows and embeddings in
 * sim-strict.c, sim-tools.c, sim-images.c, sim-windows.c, sim-embed.c.
 */
#ifndef SIM_H
#define SIM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <jv.h>
#include <microhttpd.h>

#define PROG "llm-sim"
#define SIM_MAX_BODY (8u << 20)        /* request bodies past this: 413 */
#define SIM_LOG_KEEP 100000            /* lines kept for GET /_sim/requests */
#define SIM_RPM_CAP 1000000            /* timestamps kept per bucket */
#define SIM_HASH 4096
#define SIM_MAX_SEGS 64                /* content chunks in a stream, at most */
#define SIM_HANG_CHECK_MS 1000         /* a hung request checks its client this often */

struct sb {
	char *p;
	size_t len, cap;
};

enum flavor { FL_OPENAI, FL_GEMINI, FL_ZHIPU, FL_CLOUDFLARE };

enum api {
	API_NOTFOUND, API_CHAT, API_GEMINI, API_CFRUN, API_MODELS, API_GMODELS, API_CFMODELS,
	API_SIM_REQUESTS, API_SIM_STATS, API_SIM_RESET, API_EMBED
};

/* A quota bucket (by key NAME or owner) or a stats entry (by key NAME). */
struct bucket {
	struct bucket *next, *order;
	char *name;
	/* bucket counters */
	int64_t *ts;               /* ring of request times (rpm window) */
	size_t ts_start, ts_n, ts_cap;
	int track_rpm;
	struct tokring { int64_t *t; long *v; size_t start, n, cap; long sum; } tk; /* tpm */
	int64_t first_ms;          /* first admitted request (burst periods) */
	int64_t day;
	long day_n;
	long inflight;
	long admitted;
	struct sim_win *win;       /* sim-windows.c */
	/* stats */
	long requests, ok, errors;
};

struct faults {
	char *buf;                  /* copy of the key, cut at '+' */
	const char *name, *owner;
	int invalid, quota, credit, overload, model404, block, noschema;
	int truncate, garbage, cut, reset, hang;
	long rpm, rpd, retry, conc, status, context, slow, flaky, failafter;
	long tpm, burst;
	long rph, rpmo, tpd, tpmo, npd;     /* sim-windows.c */
	int pacific;
};

/* ---------- per-request state ---------- */

enum phase { PH_NEW, PH_BODY, PH_SLOW, PH_HANG, PH_DONE };

struct req {
	enum phase phase;
	char *query;                /* raw query string, or NULL */
	struct sb body;
	int too_large;
	size_t body_total;
	struct MHD_Response *resp;  /* held back while a slow answer waits */
	unsigned status;
	struct bucket *conc_b;      /* in-flight count to release */
};

/* A stream body: segments sent as they fall due. Owned by the response. */
struct stream {
	struct MHD_Connection *c;
	struct {
		char *p;
		size_t len;
		int64_t due;        /* monotonic ms */
	} seg[SIM_MAX_SEGS + 8];
	size_t nseg, i, off;
};

/* What to answer. */
struct answer {
	unsigned status;
	jv body;                    /* JSON body, or invalid */
	char *raw;                  /* or a raw body */
	size_t rawlen;
	const char *ctype;
	struct {
		char name[40], val[64];
	} hdr[8];
	int nhdr;
	int sse;                    /* raw holds an SSE body split in segs */
	struct sb sse_segs[SIM_MAX_SEGS + 8];
	size_t nsegs;
	const char *fault;          /* for the log */
	int reset, hang;
	long slow;
};

/* Context of one provider request. */
struct ctx {
	enum flavor fl;
	enum api api;
	const char *path, *method, *query;
	char *model;
	const char *key;            /* full key string, or NULL */
	const char *auth;           /* how the key came */
	const char *accept_encoding; /* the client's Accept-Encoding, or NULL */
	unsigned long long seq;
	int64_t now;
	jv req;                     /* parsed body (or invalid) */
	int stream, include_usage;
	struct faults f;
	/* extracted conversation */
	struct sb all, last;
	int has_user;
	char *reply;
	long ptok, ctok;
};

enum ekind {
	E_NOKEY, E_INVALID, E_RPM, E_CONC, E_RPD, E_CREDIT, E_OVERLOAD, E_STATUS,
	E_MODEL404, E_CONTEXT, E_NOSCHEMA, E_BADJSON, E_BADREQ, E_TOOLARGE,
	E_BADKEY, E_NOTFOUND, E_JSONMODE, E_BLOCK,
	E_RULES                 /* a documented request rule broken (sim-strict.c) */
};

struct einfo {
	long limit;
	int64_t wait_ms;
	int status;
	long tokens, max_tokens;
	const char *msg;
	const char *param;          /* OpenAI "param" when the row's is not it */
};

/* sim-util.c */
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrndup(const char *s, size_t n);
char *xstrdup(const char *s);
void sb_add(struct sb *b, const void *s, size_t n);
void sb_puts(struct sb *b, const char *s);
int64_t now_ms(void);
int64_t mono_ms(void);
void go_dur(int64_t ms, char *out, size_t n);
jv jget(jv o, const char *k);
jv jset(jv o, const char *k, jv v);
char *jdump(jv v, size_t *lenp);
int jbool(jv o, const char *k);
extern const char *const flavor_names[];
extern const char *const default_models[4][4];
const char *model_or(struct ctx *x, const char *dflt);

/* sim-faults.c: the shared counters, all under g_mu */
extern pthread_mutex_t g_mu;
extern struct bucket *bk_tab[SIM_HASH], *st_tab[SIM_HASH];
extern struct bucket *st_head, *st_tail;
extern long st_requests, st_ok, st_errors;
extern char **ring;
extern size_t ring_start, ring_n;
struct bucket *table_get(struct bucket **tab, const char *name, int stats);
int num_arg(const char *v, long lo, long hi, long *out);
void decide(struct ctx *x, struct req *r, struct MHD_Connection *c, struct answer *a);

/* sim-errors.c */
void make_error(struct ctx *x, const char *name, enum ekind k, const struct einfo *ei, struct answer *a);
void oai_ratelimit_headers(struct answer *a, long limit, long remaining, int64_t reset_ms);

/* sim-bodies.c */
int read_conversation(struct ctx *x, const char **msg);
int has_schema(struct ctx *x);
int tool_fmt(struct ctx *x);
void make_reply(struct ctx *x);
void build_stream(struct ctx *x, struct answer *a, int block, int cut);
int build_whole(struct ctx *x, struct answer *a, int block);
jv list_models(struct ctx *x);

/* sim-timer.c */
int timer_start(pthread_t *th);
void timer_add(struct MHD_Connection *c, int64_t due);
void timer_shutdown(pthread_t th);

/* sim-http.c */
extern int log_fd;
extern atomic_int g_stopping;
void *on_uri(void *cls, const char *uri, struct MHD_Connection *c);
enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls);
void on_done(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe);

#endif
