/*
 * sim-timer.c — llm-sim's timer: a thread that resumes suspended
 * connections when they fall due (slow answers, stream chunks, hung
 * requests checking on their client), so that a delay never blocks a worker.
 */
#include <time.h>

#include "sim.h"

/* ---------- timer: resumes suspended connections when due ---------- */

struct tentry {
	int64_t due;
	struct MHD_Connection *c;
};

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct tentry *h;
	size_t n, cap;
	int stop;
} tm = { .mu = PTHREAD_MUTEX_INITIALIZER };

static void
heap_push(struct tentry e)
{
	size_t i;
	if (tm.n == tm.cap) {
		tm.cap = tm.cap ? tm.cap * 2 : 64;
		tm.h = xrealloc(tm.h, tm.cap * sizeof *tm.h);
	}
	i = tm.n++;
	while (i > 0 && tm.h[(i - 1) / 2].due > e.due) {
		tm.h[i] = tm.h[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	tm.h[i] = e;
}

static struct tentry
heap_pop(void)
{
	struct tentry top = tm.h[0], last = tm.h[--tm.n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= tm.n)
			break;
		if (c + 1 < tm.n && tm.h[c + 1].due < tm.h[c].due)
			c++;
		if (tm.h[c].due >= last.due)
			break;
		tm.h[i] = tm.h[c];
		i = c;
	}
	if (tm.n)
		tm.h[i] = last;
	return top;
}

/* Called right after MHD_suspend_connection(c): resume c at monotonic `due`. */
void
timer_add(struct MHD_Connection *c, int64_t due)
{
	int now_resume = 0;

	pthread_mutex_lock(&tm.mu);
	if (tm.stop)
		now_resume = 1;
	else {
		heap_push((struct tentry){ due, c });
		if (tm.h[0].c == c)
			pthread_cond_signal(&tm.cv);
	}
	pthread_mutex_unlock(&tm.mu);
	if (now_resume)
		MHD_resume_connection(c);
}

static void *
timer_main(void *arg)
{
	pthread_mutex_lock(&tm.mu);
	while (!tm.stop) {
		int64_t now = mono_ms();
		if (tm.n && tm.h[0].due <= now) {
			struct tentry e = heap_pop();
			pthread_mutex_unlock(&tm.mu);
			MHD_resume_connection(e.c);
			pthread_mutex_lock(&tm.mu);
		} else if (tm.n && tm.h[0].due != INT64_MAX) {
			struct timespec ts;
			int64_t due = tm.h[0].due;
			ts.tv_sec = due / 1000;
			ts.tv_nsec = (due % 1000) * 1000000;
			pthread_cond_timedwait(&tm.cv, &tm.mu, &ts);
		} else
			pthread_cond_wait(&tm.cv, &tm.mu);
	}
	pthread_mutex_unlock(&tm.mu);
	return NULL;
}

/* Stops the timer and resumes every connection still waiting on it. */
void
timer_shutdown(pthread_t th)
{
	pthread_mutex_lock(&tm.mu);
	tm.stop = 1;
	pthread_cond_signal(&tm.cv);
	pthread_mutex_unlock(&tm.mu);
	pthread_join(th, NULL);
	pthread_mutex_lock(&tm.mu);
	while (tm.n) {
		struct tentry e = heap_pop();
		MHD_resume_connection(e.c);
	}
	pthread_mutex_unlock(&tm.mu);
}

/* Starts the timer thread (its clock: CLOCK_MONOTONIC); -1 if it cannot. */
int
timer_start(pthread_t *th)
{
	pthread_condattr_t ca;

	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&tm.cv, &ca);
	pthread_condattr_destroy(&ca);
	return pthread_create(th, NULL, timer_main, NULL) != 0 ? -1 : 0;
}
