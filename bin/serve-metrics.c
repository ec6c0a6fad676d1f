/*
 * serve-metrics.c — llm-serve's counters (atomics: written by every
 * thread) and the bodies of GET /metrics (Prometheus text) and
 * GET /status.json, read from the scheduler's store by the engine's thread.
 */
#include <stdatomic.h>
#include <string.h>

#include "serve-guard.h"
#include "serve-int.h"

_Static_assert(sizeof lat_bounds / sizeof lat_bounds[0] == NLAT, "NLAT");
_Static_assert(sizeof ovh_bounds / sizeof ovh_bounds[0] == NOVH, "NOVH");

static const char *const route_fixed[] = {
	"/v1/models", "/healthz", "/metrics", "/status.json", "/", "other",
};

static const char *
route_name(int r)
{
	return r < NWIRES ? wires[r]->name : r >= R_MODELS ? route_fixed[r - R_MODELS] : NULL;
}

static atomic_long m_requests[R__N][600];
const double lat_bounds[] = { .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5,
	1, 2.5, 5, 10, 30, 60, 120, 300 };

const double ovh_bounds[] = { .00005, .0001, .00015, .00025, .0005, .001, .0025, .005,
	.01, .025, .05, .1 };

hist h_latency, h_overhead;
atomic_long *m_attempts;     /* [entry * MLM_KIND__N + kind], engine thread writes */
atomic_long m_inflight;
atomic_long m_streams_broken;

void
hist_add(hist *h, const double *bounds, size_t nb, double s)
{
	for (size_t i = 0; i < nb; i++)
		if (s <= bounds[i])
			atomic_fetch_add_explicit(&h->b[i], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->count, 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&h->sum_ns, (long long)(s * 1e9), memory_order_relaxed);
}

void
count_request(int route, unsigned status)
{
	if (status >= 600)
		status = 599;
	atomic_fetch_add_explicit(&m_requests[route][status], 1, memory_order_relaxed);
}

/* ---------- the bodies of /status.json and /metrics ---------- */

/* The state of entry i (as llm-pool --status); store transaction open. */
static const char *
entry_state(size_t i, int64_t now, mlm_srec r[4], char sc[4][256], int *which)
{
	mlm_entry_status st;
	mlm_sched_entry_status(tp.sched, (int)i, now, &st);
	memcpy(r, st.r, sizeof st.r);
	memcpy(sc, st.scope, sizeof st.scope);
	*which = st.which;
	return st.state;
}

jv
status_json(void)
{
	int64_t now = mlm_now_ms();
	jv a = jv_array();
	mlm_sched_batch(tp.sched, 1);
	for (size_t i = 0; i < tp.pool.n; i++)
		a = jv_array_append(a, mlm_sched_status_json(tp.sched, &tp.pool.v[i], (int)i, now));
	mlm_sched_batch(tp.sched, 0);
	return a;
}

static void
prom_label(mlm_buf *b, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			sv_add(b, "\\", 1);
		if (*s == '\n')
			sv_puts(b, "\\n");
		else
			sv_add(b, s, 1);
	}
}

static void
prom_hist(mlm_buf *b, const char *name, const char *help, hist *h, const double *bounds, size_t nb)
{
	sv_printf(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
	for (size_t i = 0; i < nb; i++)
		sv_printf(b, "%s_bucket{le=\"%g\"} %ld\n", name, bounds[i],
		    atomic_load_explicit(&h->b[i], memory_order_relaxed));
	long cnt = atomic_load_explicit(&h->count, memory_order_relaxed);
	sv_printf(b, "%s_bucket{le=\"+Inf\"} %ld\n", name, cnt);
	sv_printf(b, "%s_sum %.9f\n%s_count %ld\n", name,
	    (double)atomic_load_explicit(&h->sum_ns, memory_order_relaxed) / 1e9, name, cnt);
}

void
metrics_text(mlm_buf *b)
{
	sv_puts(b, "# HELP llm_serve_requests_total HTTP requests answered, by route and status.\n"
	    "# TYPE llm_serve_requests_total counter\n");
	for (int r = 0; r < R__N; r++)
		for (int s = 100; s < 600 && route_name(r); s++) {
			long n = atomic_load_explicit(&m_requests[r][s], memory_order_relaxed);
			if (n)
				sv_printf(b, "llm_serve_requests_total{route=\"%s\",status=\"%d\"} %ld\n",
				    route_name(r), s, n);
		}
	sv_puts(b, "# HELP llm_serve_attempts_total Upstream attempts, by entry and outcome kind.\n"
	    "# TYPE llm_serve_attempts_total counter\n");
	for (size_t i = 0; i < tp.pool.n; i++)
		for (int k = 0; k < MLM_KIND__N; k++) {
			long n = atomic_load_explicit(&m_attempts[i * MLM_KIND__N + (size_t)k],
			    memory_order_relaxed);
			if (!n)
				continue;
			sv_puts(b, "llm_serve_attempts_total{entry=\"");
			prom_label(b, tp.pool.v[i].id);
			sv_printf(b, "\",kind=\"%s\"} %ld\n", mlm_kind_name(k), n);
		}
	prom_hist(b, "llm_serve_request_duration_seconds",
	    "Time from the request to the end of its answer, model calls (every wire format).",
	    &h_latency, lat_bounds, NLAT);
	prom_hist(b, "llm_serve_overhead_seconds",
	    "Request time not spent in the upstream call (what llm-serve adds).",
	    &h_overhead, ovh_bounds, NOVH);
	sv_printf(b, "# HELP llm_serve_inflight Model requests being answered (every wire format).\n"
	    "# TYPE llm_serve_inflight gauge\nllm_serve_inflight %ld\n",
	    atomic_load_explicit(&m_inflight, memory_order_relaxed));
	sv_printf(b, "# HELP llm_serve_streams_broken_total Streams that ended with an error event.\n"
	    "# TYPE llm_serve_streams_broken_total counter\nllm_serve_streams_broken_total %ld\n",
	    atomic_load_explicit(&m_streams_broken, memory_order_relaxed));
	sv_printf(b, "# HELP llm_serve_state_store_up 1 when the scheduler's state store "
	    "works, 0 while a shared store (Redis) is unreachable and memory stands in.\n"
	    "# TYPE llm_serve_state_store_up gauge\nllm_serve_state_store_up{store=\"%s\"} %d\n",
	    mlm_sched_store_name(tp.sched), !mlm_sched_store_degraded(tp.sched));
	sv_printf(b, "# HELP llm_serve_connections_closed_total Connections the server closed: "
	    "headers not complete in time, or the oldest connection without a request making room.\n"
	    "# TYPE llm_serve_connections_closed_total counter\n"
	    "llm_serve_connections_closed_total{reason=\"header_timeout\"} %ld\n"
	    "llm_serve_connections_closed_total{reason=\"evicted\"} %ld\n",
	    guard_closed_header_timeout(), guard_closed_evicted());
	/* entry states, from the store */
	int64_t now = mlm_now_ms();
	int ncool = 0, ndead = 0, npark = 0;
	sv_puts(b, "# HELP llm_serve_entry_up 1 when the entry can be picked now, else 0.\n"
	    "# TYPE llm_serve_entry_up gauge\n");
	mlm_buf st = { 0 };
	mlm_sched_batch(tp.sched, 1);
	for (size_t i = 0; i < tp.pool.n; i++) {
		char sc[4][256];
		mlm_srec r[4];
		int w;
		const char *state = entry_state(i, now, r, sc, &w);
		ncool += !strcmp(state, "cooling");
		ndead += !strcmp(state, "dead");
		npark += !strcmp(state, "parked");
		sv_puts(b, "llm_serve_entry_up{entry=\"");
		prom_label(b, tp.pool.v[i].id);
		sv_printf(b, "\"} %d\n", !strcmp(state, "ok"));
		if (w >= 0) {
			sv_puts(&st, "llm_serve_entry_unavailable_seconds{entry=\"");
			prom_label(&st, tp.pool.v[i].id);
			sv_printf(&st, "\",state=\"%s\"} %.1f\n", state,
			    (double)(r[w].until_ms - now) / 1000);
		}
	}
	mlm_sched_batch(tp.sched, 0);
	sv_puts(b, "# HELP llm_serve_entry_unavailable_seconds Seconds until a cooling, parked "
	    "or dead entry is tried again.\n# TYPE llm_serve_entry_unavailable_seconds gauge\n");
	if (st.len)
		sv_add(b, st.p, st.len);
	sv_over_from(b, &st);
	mlm_buf_free(&st);
	sv_printf(b, "# HELP llm_serve_entries Pool entries by state.\n"
	    "# TYPE llm_serve_entries gauge\n"
	    "llm_serve_entries{state=\"ok\"} %zu\nllm_serve_entries{state=\"cooling\"} %d\n"
	    "llm_serve_entries{state=\"parked\"} %d\nllm_serve_entries{state=\"dead\"} %d\n",
	    tp.pool.n - (size_t)(ncool + ndead + npark), ncool, npark, ndead);
}
