/*
 * map-read.c — llm-map's input side: a reader thread turns the input files'
 * lines (the record reader, lib/lines.c) into a bounded queue the main
 * thread takes items from; and the count of lines for the progress line.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lines.h"
#include "map-read.h"

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cond;
	map_line *head, *tail;
	int n, cap;
	mlm_engine *engine;
	char **files;
	int nfiles;
	size_t max_line;
	long total;          /* known total lines, -1 unknown */
	int waiting;         /* the reader waits for room */
} rq = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, NULL, NULL, 0, 256, NULL, NULL, 0, 0, -1, 0 };

static void
rq_push(map_line *l)
{
	pthread_mutex_lock(&rq.mu);
	while (rq.n >= rq.cap && !l->eof) {
		rq.waiting = 1;
		pthread_cond_wait(&rq.cond, &rq.mu);
		rq.waiting = 0;
	}
	if (rq.tail)
		rq.tail->next = l;
	else
		rq.head = l;
	rq.tail = l;
	int was_empty = rq.n++ == 0;
	pthread_mutex_unlock(&rq.mu);
	/* the main thread only sleeps on an empty queue: wake it then */
	if (was_empty || l->eof)
		mlm_engine_wakeup(rq.engine);
}

map_line *
map_read_pop(void)
{
	pthread_mutex_lock(&rq.mu);
	map_line *l = rq.head;
	if (l) {
		rq.head = l->next;
		if (!rq.head)
			rq.tail = NULL;
		rq.n--;
		/* wake a reader waiting for room once half the queue is free,
		 * not for every line (a context switch each) */
		if (rq.waiting && rq.n <= rq.cap / 2) {
			rq.waiting = 0;
			pthread_cond_signal(&rq.cond);
		}
	}
	pthread_mutex_unlock(&rq.mu);
	return l;
}

static void *
reader(void *arg)
{
	long i = 0;
	int n = rq.nfiles ? rq.nfiles : 1;
	for (int f = 0; f < n; f++) {
		const char *name = rq.nfiles ? rq.files[f] : "-";
		char err[MLM_ERRLEN];
		mlm_lines *r = mlm_lines_open(name, rq.max_line, err, sizeof err);
		if (!r) {
			map_line *l = calloc(1, sizeof *l);
			l->i = -1;
			l->pos = mlm_strdup(err);
			rq_push(l);
			continue;
		}
		mlm_line ln;
		int rc;
		while ((rc = mlm_lines_next(r, &ln, err, sizeof err)) == 1) {
			map_line *l = calloc(1, sizeof *l);
			char pos[4200];
			mlm_lines_pos(r, pos, sizeof pos);
			if (!l || !(l->pos = mlm_strdup(pos)) ||
			    (!ln.toolong && !(l->text = mlm_strndup(ln.text, ln.len)))) {
				rc = -1;
				mlm_err(err, sizeof err, "%s: out of memory", pos);
				free(l ? l->pos : NULL);
				free(l);
				break;
			}
			l->i = i++;
			l->toolong = ln.toolong;
			l->len = ln.len;
			rq_push(l);
		}
		if (rc < 0) {
			/* a read error ends this file: reported like a file not opened */
			map_line *l = calloc(1, sizeof *l);
			l->i = -1;
			l->pos = mlm_strdup(err);
			rq_push(l);
		}
		mlm_lines_close(r);
	}
	map_line *e = calloc(1, sizeof *e);
	e->eof = 1;
	e->i = i;
	rq_push(e);
	return arg;
}

static long
count_lines(char **files, int nfiles)
{
	long n = 0;
	if (!nfiles)
		return -1;
	for (int f = 0; f < nfiles; f++) {
		struct stat st;
		if (!strcmp(files[f], "-") || stat(files[f], &st) < 0 || !S_ISREG(st.st_mode))
			return -1;
		FILE *fp = fopen(files[f], "r");
		if (!fp)
			return -1;
		char buf[65536];
		size_t k, last = '\n';
		while ((k = fread(buf, 1, sizeof buf, fp)) > 0) {
			for (size_t j = 0; j < k; j++)
				if (buf[j] == '\n')
					n++;
			last = (unsigned char)buf[k - 1];
		}
		if (last != '\n')
			n++;
		fclose(fp);
	}
	return n;
}

long
map_read_total(void)
{
	return rq.total;
}

void
map_read_wakeup(void)
{
	if (rq.engine)
		mlm_engine_wakeup(rq.engine);
}

void
map_read_start(char **files, int nfiles, size_t max_line, mlm_engine *engine)
{
	rq.engine = engine;
	rq.files = files;
	rq.nfiles = nfiles;
	rq.max_line = max_line;
	rq.total = count_lines(files, nfiles);
	pthread_t th;
	pthread_create(&th, NULL, reader, NULL);
}

void
map_line_free(map_line *l)
{
	free(l->text);
	free(l->pos);
	free(l);
}
