/*
 * map-progress.c — llm-map's progress: a line on stderr while it runs
 * (redrawn on a terminal, once a second to a file) and the summary at the
 * end; answers counted per provider.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tool.h"
#include "map-progress.h"
#include "map-read.h"

/* provider counts for the progress line */
static struct { char name[32]; long n; } provs[32];
static int nprovs;

void
map_progress_provider(const char *p)
{
	for (int k = 0; k < nprovs; k++)
		if (!strcmp(provs[k].name, p)) {
			provs[k].n++;
			return;
		}
	if (nprovs < 32) {
		snprintf(provs[nprovs].name, sizeof provs[nprovs].name, "%s", p);
		provs[nprovs++].n = 1;
	}
}

static int show_progress, quiet, dry;
static int64_t last_progress, last_logged;
static mlm_sched *sched;

void
map_progress_init(int show, int quiet_, int dry_run, mlm_sched *s)
{
	show_progress = show;
	quiet = quiet_;
	dry = dry_run;
	sched = s;
}

static long
cooling_entries(void)
{
	return mlm_sched_cooling(sched, mlm_now_ms());
}

void
map_progress(int final, const map_counts *c)
{
	int64_t now = mlm_mono_ms();
	if (!final && now - last_progress < 250)
		return;
	last_progress = now;
	double el = (double)(now - c->t0) / 1000.0;
	double rate = el > 0 ? (double)c->done / el : 0;
	char provs_s[256] = "";
	size_t k = 0;
	for (int p = 0; p < nprovs && k < sizeof provs_s - 40; p++)
		k += (size_t)snprintf(provs_s + k, sizeof provs_s - k, " %s %ld", provs[p].name, provs[p].n);
	if (final) {
		if (show_progress && isatty(2))
			fputs("\r\033[K", stderr);
		if (dry)
			return;
		if (!quiet)
			fprintf(stderr, "%s: %ld done (%ld ok, %ld failed%s%.0ld%s%s%.0ld%s) in %.1fs, %.0f/s;%s; "
			    "%ld failed over\n", prog, c->done, c->ok, c->failed,
			    c->skipped ? ", " : "", c->skipped, c->skipped ? " already done" : "",
			    c->cached ? ", " : "", c->cached, c->cached ? " cached" : "",
			    el, rate, provs_s[0] ? provs_s : " none answered", c->failovers);
		return;
	}
	if (!show_progress)
		return;
	static int tty = -1;
	if (tty < 0)
		tty = isatty(2);
	if (!tty && now - last_logged < 1000)
		return;         /* to a file or pipe: one line a second */
	last_logged = now;
	char total[64] = "";
	if (map_read_total() >= 0)
		snprintf(total, sizeof total, "/%ld", map_read_total() - c->skipped);
	char eta[64] = "";
	if (map_read_total() > 0 && rate > 0) {
		double left = ((double)(map_read_total() - c->skipped - c->done)) / rate;
		snprintf(eta, sizeof eta, " ETA %.0fs", left > 0 ? left : 0);
	}
	fprintf(stderr, "%s%s: %ld%s %.0f/s%s ok %ld failed %ld |%s | cooling %ld%s",
	    tty ? "\r\033[K" : "", prog, c->done, total, rate, eta, c->ok, c->failed, provs_s,
	    cooling_entries(), tty ? "" : "\n");
	fflush(stderr);
}
