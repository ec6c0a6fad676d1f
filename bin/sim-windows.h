/*
 * sim-windows.h — llm-sim's limit windows beyond rpm, rpd and tpm
 * (sim-windows.c): requests per hour (rolling) and per calendar month,
 * tokens per day and per calendar month, and Cloudflare's daily neuron
 * budget; days end at 00:00 UTC, or at midnight US Pacific (08:00 UTC)
 * with the key's "pacific" fault. Computed here on their own, not with the
 * library's window code: llm-sim is the test oracle.
 */
#ifndef SIM_WINDOWS_H
#define SIM_WINDOWS_H

#include <stdint.h>

/* The key's faults for them: -1 when not given. */
struct sim_win_faults {
	long rph, rpmo, tpd, tpmo, npd;
	int pacific;
};
struct sim_win;         /* one quota bucket's counters */

/* The day a daily count belongs to, under the key's faults (UTC or Pacific). */
int64_t sim_win_day(int64_t now, int pacific);
/* Milliseconds until that day ends. */
int64_t sim_win_day_left(int64_t now, int pacific);
/* Whether a request of ptok + ctok tokens to model may be admitted now:
 * NULL, or the window that is full ("rph", "rpmo", "tpd", "tpmo", "npd")
 * with its limit and the wait until it frees. Charges nothing. */
const char *sim_win_check(struct sim_win **w, const struct sim_win_faults *f, const char *model,
    long ptok, long ctok, int64_t now, long *limit, int64_t *wait_ms);
/* Charges an admitted request. */
void sim_win_charge(struct sim_win **w, const struct sim_win_faults *f, const char *model,
    long ptok, long ctok, int64_t now);
/* Forgets every count (POST /_sim/reset). */
void sim_win_reset(struct sim_win *w);
/* Neurons of a request to model: the catalog's rates per million input
 * and output tokens (Cloudflare's pricing), else the library's estimate. */
double sim_win_neurons(const char *model, long ptok, long ctok);

#endif
