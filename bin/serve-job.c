/*
 * serve-job.c — the glue between a request and the engine: the job's
 * references, the queue to the engine's thread (--threads N), the engine's
 * callbacks (deltas, the answer in the request's wire format, failover
 * invisible until the first byte, the HTTP status of a failure), requests
 * sent in parts, cancelling on hang-up, and the engine thread's loop.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "serve-guard.h"
#include "serve-int.h"

mlm_call_opts base_opts;

void
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
	jv_free(j->sc.req);
	mlm_buf_free(&j->sc.text);
	jv_free(j->sc.keep);
	free(j);
}

/* --threads 1: the HTTP server runs in the engine's thread (no queue) */
int one_thread;
int mhd_kick;               /* one_thread: a connection was resumed */

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

void
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

void
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

/* ---------- engine thread ---------- */

job *eng_jobs;                  /* calls in flight, engine thread only */

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


/* Seconds until the soonest matching entry frees up; 0 when one is free now.
 * *limited: that entry waits on a rate limit or quota (not on failures). */
static int
soonest_free_s(const job *j, int *limited)
{
	int64_t now = mlm_now_ms();
	int64_t best = mlm_sched_soonest_free(tp.sched, j->sc.model_glob[0] ? j->sc.model_glob : NULL,
	    j->sc.need_tokens, now, limited);
	if (best <= now)
		return 0;
	return (int)((best - now + 999) / 1000);
}

static void
on_delta(void *u, const mlm_entry *e, const char *text, size_t n)
{
	job *j = u;
	if (!text)
		return;     /* no_restart: never happens */
	pthread_mutex_lock(&j->mu);
	if (!j->gone) {
		if (!j->ready) {
			snprintf(j->entry, sizeof j->entry, "%s", e->id);
			snprintf(j->sc.model, sizeof j->sc.model, "%s", e->model);
			j->nattempts = j->failed_attempts + 1;
			j->status = 200;
			j->ready = 1;
		}
		j->wire->delta(&j->sc, &j->out, text, n);
		j->sc.ndelta++;
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
	case MLM_UNSUPPORTED:   /* no entry takes what was asked (a parameter...) */
		*status = 400, *type = "invalid_request_error";
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

/* The answer to a finished call, in the job's wire format (j->mu held). */
static void
done_answer(job *j, mlm_result *r)
{
	const serve_wire *w = j->wire;
	if (j->sc.stream && j->ready) {
		/* headers went with the first delta: finish the stream */
		if (r->ok) {
			w->end(&j->sc, &j->out, r);
		} else {
			unsigned st;
			const char *type, *code;
			fail_status(j, r, &st, &type, &code);
			w->stream_error(&j->sc, &j->out, st, r->msg, type, code);
			atomic_fetch_add_explicit(&m_streams_broken, 1, memory_order_relaxed);
		}
	} else if (r->ok) {
		j->status = 200;
		mlm_buf_reset(&j->out);
		if (j->sc.stream) {
			/* an empty answer: a stream with no text */
			w->delta(&j->sc, &j->out, "", 0);
			j->sc.ndelta++;
			w->end(&j->sc, &j->out, r);
		} else {
			w->whole(&j->sc, &j->out, r);
		}
	} else {
		const char *type, *code;
		fail_status(j, r, &j->status, &type, &code);
		mlm_buf_reset(&j->out);
		w->error(&j->out, j->status, r->msg, type, code);
	}
}

static int next_part(job *j, mlm_result *r);

static void
on_done(void *u, mlm_result *r)
{
	job *j = u;
	if (next_part(j, r))
		return;
	int64_t t = now_us();
	eng_unlink(j);
	pthread_mutex_lock(&j->mu);
	j->eng_us = t - j->sub_us;
	j->in_engine = 0;
	j->finished = 1;
	if (!j->gone) {
		if (r->entry && !j->entry[0]) {
			snprintf(j->entry, sizeof j->entry, "%s", r->entry->id);
			snprintf(j->sc.model, sizeof j->sc.model, "%s", r->entry->model);
		}
		if (!j->ready)
			j->nattempts = r->nattempts;
		done_answer(j, r);
		j->ready = 1;
		job_wake(j);
	}
	pthread_mutex_unlock(&j->mu);
	job_unref(j);       /* the engine's reference */
}

/* The engine's trace: metrics, failed attempts per call, -v and --log. */
void
on_trace(void *u, jv a)
{
	jv ev = mlm_jfield(a, "event");
	int is_attempt = jv_get_kind(ev) != JV_KIND_STRING;
	if (is_attempt) {
		jv e = mlm_jfield(a, "entry");
		jv k = mlm_jfield(a, "kind");
		jv c = mlm_jfield(a, "call");
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
			sv_json_dump(&b, a);
			sv_add(&b, "\n", 1);
			if (!b.over && write(fileno(tp.log), b.p, b.len) < 0) {
				/* a log that cannot be written does not stop work */
			}
			mlm_buf_free(&b);
		}
		jv_free(e), jv_free(k), jv_free(c);
	}
	jv_free(ev);
	jv_free(a);
}

/* A request the wire sends in parts (embeddings over the provider's item
 * limit): the next part is a call of its own, with its own failover; the
 * job answers when the last part is done. */
static int
next_part(job *j, mlm_result *r)
{
	if (!j->wire->next || !r->ok)
		return 0;
	pthread_mutex_lock(&j->mu);
	jv req = j->gone ? jv_invalid() : j->wire->next(&j->sc, r);
	pthread_mutex_unlock(&j->mu);
	if (!jv_is_valid(req))
		return 0;
	mlm_call_opts o = base_opts;
	o.no_restart = 1;
	o.pick.model = j->sc.model_glob[0] ? j->sc.model_glob : NULL;
	o.pick.need_tokens = j->sc.need_tokens;
	o.verbose = tp.verbose;
	long id = mlm_engine_submit(tp.engine, req, &o, on_done, on_delta, j);
	if (id < 0) {       /* never half an answer */
		r->ok = 0;
		r->kind = MLM_SERVER;
		snprintf(r->msg, sizeof r->msg, "out of memory");
		return 0;
	}
	j->call_id = id;
	return 1;
}

static void
eng_take(job *j)
{
	if (j->type == J_CHAT) {
		mlm_call_opts o = base_opts;
		o.stream = j->sc.stream && !j->sc.upstream_whole;
		o.no_restart = 1;
		o.pick.model = j->sc.model_glob[0] ? j->sc.model_glob : NULL;
		o.pick.need_tokens = j->sc.need_tokens;
		o.verbose = tp.verbose;
		jv req = j->sc.req;
		j->sc.req = jv_null();
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
		sv_add(&b, jv_string_value(s), (size_t)jv_string_length_bytes(jv_copy(s)));
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

/* The store's health for /healthz and /metrics (read by HTTP threads), and
 * its warnings on stderr as soon as they arise (Redis gone, Redis back). */
atomic_int store_degraded;

void
store_health(void)
{
	atomic_store_explicit(&store_degraded, mlm_sched_store_degraded(tp.sched), memory_order_relaxed);
	tool_store_warn(&tp);
}

/* Engine thread, a few times a second: a call whose client closed its
 * connection while the connection was suspended (libmicrohttpd does not
 * watch suspended connections) is cancelled, as a stream's is when a write
 * fails; its answer is never sent and counts as 499. */
void
eng_watch_hangups(void)
{
	static int64_t last;
	int64_t now = mlm_mono_ms();
	if (now - last < 100)
		return;
	last = now;
	long ids[256];
	int n = 0;
	for (job *j = eng_jobs; j && n < 256; j = j->enext) {
		pthread_mutex_lock(&j->mu);
		if (j->suspended && j->conn && !j->gone && !j->hungup && guard_peer_gone(j->fd)) {
			j->hungup = 1;
			ids[n++] = j->call_id;
		}
		pthread_mutex_unlock(&j->mu);
	}
	for (int i = 0; i < n; i++)
		mlm_engine_cancel(tp.engine, ids[i]);
}

void *
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
		eng_watch_hangups();
		store_health();
	}
	return NULL;
}

/* --threads N: the main thread waits for a signal, then drains (the
 * grace), cancels what is left, and ends the engine thread. */
void
threaded_loop(sigset_t *sigs, long grace, pthread_t eng)
{
	int sig;
	for (;;) {
		struct timespec ts = { 0, 100 * 1000000 };
		if ((sig = sigtimedwait(sigs, NULL, &ts)) > 0)
			break;
		guard_sweep();
	}
	drain_begin(sig, grace);
	int64_t end = mlm_mono_ms() + grace;
	int early = 0;
	while (atomic_load(&m_inflight) > 0 && mlm_mono_ms() < end) {
		struct timespec ts = { 0, 10 * 1000000 };
		if (sigtimedwait(sigs, NULL, &ts) > 0) {
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
}
