/*
 * lines.c — the record reader (see lines.h): lines from a file descriptor,
 * read in chunks into a buffer that never grows past the longest line
 * taken; a longer line is skipped up to its newline, counted, not kept.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mlm.h"
#include "lines.h"

#define CHUNK 65536

struct mlm_lines {
	int fd, own;
	const char *mem;                /* or lines from memory: mem[0, memlen) */
	size_t memlen, memoff;
	char *name;
	size_t max;
	char *buf;
	size_t cap, start, end, scan;   /* pending bytes: buf[start, end) */
	int eof;
	long lineno;
	int skipping, last_cr;          /* inside a too-long line */
	size_t skipped;
	char pos[64];
};

mlm_lines *
mlm_lines_fd(int fd, const char *name, size_t max)
{
	mlm_lines *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->fd = fd;
	r->max = max ? max : 1;
	r->cap = CHUNK;
	r->buf = malloc(r->cap + 1);
	r->name = mlm_strdup(name ? name : "");
	if (!r->buf || !r->name) {
		mlm_lines_close(r);
		return NULL;
	}
	return r;
}

mlm_lines *
mlm_lines_mem(const void *p, size_t n, const char *name, size_t max)
{
	mlm_lines *r = mlm_lines_fd(-1, name, max);
	if (r) {
		r->mem = p ? p : "";
		r->memlen = p ? n : 0;
	}
	return r;
}

mlm_lines *
mlm_lines_open(const char *path, size_t max, char *err, size_t errlen)
{
	int std = !strcmp(path, "-");
	int fd = std ? 0 : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		mlm_err(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	mlm_lines *r = mlm_lines_fd(fd, std ? "<stdin>" : path, max);
	if (!r) {
		if (!std)
			close(fd);
		mlm_err(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	r->own = !std;
	return r;
}

const char *
mlm_lines_name(const mlm_lines *r)
{
	return r->name;
}

void
mlm_lines_pos(const mlm_lines *r, char *out, size_t n)
{
	mlm_err(out, n, "%s:%ld", r->name, r->lineno);
}

void
mlm_lines_close(mlm_lines *r)
{
	if (!r)
		return;
	if (r->own)
		close(r->fd);
	free(r->buf);
	free(r->name);
	free(r);
}

/* Reads more into the buffer: room is made by moving the pending bytes to
 * the front, then by growing up to what the longest line needs. */
static int
fill(mlm_lines *r, char *err, size_t errlen)
{
	if (r->end == r->cap && r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->scan -= r->start;
		r->start = 0;
	}
	if (r->end == r->cap) {
		size_t want = r->cap * 2 < r->max + 2 ? r->cap * 2 : r->max + 2;
		char *nb = want > r->cap ? realloc(r->buf, want + 1) : NULL;
		if (!nb)
			return mlm_err(err, errlen, "%s: out of memory", r->name);
		r->buf = nb;
		r->cap = want;
	}
	size_t room = r->cap - r->end;
	if (r->mem) {
		size_t k = r->memlen - r->memoff;
		k = k < room ? k : room;
		k = k < CHUNK ? k : CHUNK;
		memcpy(r->buf + r->end, r->mem + r->memoff, k);
		r->memoff += k;
		r->end += k;
		r->eof = k == 0;
		return 0;
	}
	for (;;) {
		ssize_t k = read(r->fd, r->buf + r->end, room < CHUNK ? room : CHUNK);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return mlm_err(err, errlen, "%s: %s", r->name, strerror(errno));
		if (k == 0)
			r->eof = 1;
		r->end += (size_t)k;
		return 0;
	}
}

/* A line ends here: its text is buf[from, from + n) (its end removed). */
static int
line_out(mlm_lines *r, mlm_line *l, size_t from, size_t n, int nl)
{
	int cr = n > 0 && r->buf[from + n - 1] == '\r';
	n -= (size_t)cr;
	memset(l, 0, sizeof *l);
	l->cr = cr;
	l->lineno = ++r->lineno;
	l->nl = nl;
	l->len = n;
	if (n > r->max) {
		l->toolong = 1;
	} else {
		r->buf[from + n] = 0;
		l->text = r->buf + from;
	}
	return 1;
}

/* Inside a line too long to keep: read through to its newline. */
static int
skip_long(mlm_lines *r, mlm_line *l, char *err, size_t errlen)
{
	for (;;) {
		char *p = memchr(r->buf + r->start, '\n', r->end - r->start);
		size_t k = p ? (size_t)(p - (r->buf + r->start)) : r->end - r->start;
		if (k > 0)
			r->last_cr = r->buf[r->start + k - 1] == '\r';
		r->skipped += k;
		if (p || r->eof) {
			r->start += p ? k + 1 : k;
			r->scan = r->start;
			r->skipping = 0;
			memset(l, 0, sizeof *l);
			l->lineno = ++r->lineno;
			l->nl = p != NULL;
			l->toolong = 1;
			l->cr = r->last_cr;
			l->len = r->skipped - (r->last_cr ? 1 : 0);
			return 1;
		}
		r->start = r->end = r->scan = 0;
		if (fill(r, err, errlen) < 0)
			return -1;
	}
}

int
mlm_lines_next(mlm_lines *r, mlm_line *l, char *err, size_t errlen)
{
	for (;;) {
		if (r->skipping)
			return skip_long(r, l, err, errlen);
		char *p = memchr(r->buf + r->scan, '\n', r->end - r->scan);
		if (p) {
			size_t from = r->start, n = (size_t)(p - (r->buf + from));
			r->start = r->scan = from + n + 1;
			return line_out(r, l, from, n, 1);
		}
		r->scan = r->end;
		size_t pending = r->end - r->start;
		if (pending > r->max + 1) {
			/* longer than any line taken, even with a CR: stop keeping it */
			r->skipping = 1;
			r->skipped = pending;
			r->last_cr = r->buf[r->end - 1] == '\r';
			r->start = r->end = r->scan = 0;
			continue;
		}
		if (r->eof) {
			if (!pending)
				return 0;
			r->start = r->scan = r->end;
			return line_out(r, l, r->end - pending, pending, 0);
		}
		if (fill(r, err, errlen) < 0)
			return -1;
	}
}
