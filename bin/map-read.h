/*
 * map-read.h — llm-map's input side (map-read.c): a reader thread puts the
 * lines of the input files (standard input when none) into a bounded queue,
 * in order, each with its "FILE:LINE" position; the main thread takes them.
 */
#ifndef MAP_READ_H
#define MAP_READ_H

#include <stddef.h>

#include "mlm.h"

typedef struct map_line {
	struct map_line *next;
	long i;             /* input number from 0; -1: a file not opened or not read (pos: why) */
	char *pos;          /* "FILE:LINE" */
	char *text;         /* NULL when toolong */
	size_t len;
	int toolong;        /* longer than max_line: skipped, not read */
	int eof;            /* the end of all input (i: the number of lines) */
} map_line;

/* Starts the reader thread over files (none: standard input); engine is
 * woken when the queue gets its first line and at the end. */
void map_read_start(char **files, int nfiles, size_t max_line, mlm_engine *engine);
/* The next line, or NULL when none is queued yet. */
map_line *map_read_pop(void);
void map_line_free(map_line *l);
/* The number of input lines when known before reading (regular files), else -1. */
long map_read_total(void);
/* Wakes the main thread's engine (from a signal handler). */
void map_read_wakeup(void);

#endif
