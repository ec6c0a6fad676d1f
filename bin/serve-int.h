/*
 * serve-int.h — llm-serve's own parts, private to it: bin/llm-serve.c
 * (HTTP, the loops, set-up and main) and the files of its seams share
 * these. The wire formats see only serve.h.
 */
#ifndef SERVE_INT_H
#define SERVE_INT_H

#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>

#include "serve.h"

/* ---- llm-serve.c ---- */

extern tool_pool tp;
/* a monotonic clock, in microseconds */
int64_t now_us(void);

/* routes 0..NWIRES-1 are the wire formats, in SERVE_WIRES's order */
extern const serve_wire *const wires[];
#define SERVE_COUNT(w) + 1
#define NWIRES (0 SERVE_WIRES(SERVE_COUNT))
#define MAX_WIRES 16
enum { R_MODELS = MAX_WIRES, R_HEALTH, R_METRICS, R_STATUS, R_PAGE, R_OTHER, R__N };

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

#endif
