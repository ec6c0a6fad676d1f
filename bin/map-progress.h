/*
 * map-progress.h — llm-map's progress line and end summary (map-progress.c).
 */
#ifndef MAP_PROGRESS_H
#define MAP_PROGRESS_H

#include "mlm.h"

/* what the line tells: the run's counts so far */
typedef struct map_counts {
	long done, ok, failed, skipped, cached, failovers;
	int64_t t0;             /* the run's start (mlm_mono_ms) */
} map_counts;

/* show: a progress line (--progress, or stderr a terminal); quiet (-q): no
 * summary either; dry_run: no summary; s: for the count of cooling entries. */
void map_progress_init(int show, int quiet, int dry_run, mlm_sched *s);
/* An answer from provider p. */
void map_progress_provider(const char *p);
/* The line (at most every 250 ms), or with final the summary. */
void map_progress(int final, const map_counts *c);

#endif
