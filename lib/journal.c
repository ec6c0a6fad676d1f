/*
 * journal.c — a locked, append-only file of records (see journal.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mlm.h"
#include "journal.h"

struct mlm_journal {
	int fd;
	char *path;
};

static int
same_file(int fd, const char *path)
{
	struct stat a, b;
	return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* One open and lock; 1 to try again (the file was replaced meanwhile). */
static int
open_once(mlm_journal *j, int cont, int *why, char *err, size_t errlen)
{
	int fl = O_RDWR | O_APPEND | O_CLOEXEC;
	int fd = open(j->path, fl | O_CREAT | (cont ? 0 : O_EXCL), 0600);
	if (fd < 0 && !cont && errno == EEXIST)
		fd = open(j->path, fl);
	if (fd < 0) {
		struct stat ls;
		if (errno == ENOENT && lstat(j->path, &ls) == 0 && S_ISLNK(ls.st_mode)) {
			*why = MLM_JOURNAL_IO;
			return mlm_err(err, errlen, "%s: a link to a file that does not exist", j->path);
		}
		if (errno == ENOENT)
			return 1;       /* removed between the two opens */
		*why = MLM_JOURNAL_IO;
		return mlm_err(err, errlen, "%s: %s", j->path, strerror(errno));
	}
	if (flock(fd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		close(fd);
		*why = e == EWOULDBLOCK ? MLM_JOURNAL_LOCKED : MLM_JOURNAL_IO;
		return mlm_err(err, errlen, "%s: %s", j->path,
		    e == EWOULDBLOCK ? "in use by another run (locked)" : strerror(e));
	}
	if (!same_file(fd, j->path)) {
		close(fd);      /* renamed over or removed before we held it */
		return 1;
	}
	struct stat st;
	if (!cont && fstat(fd, &st) == 0 && st.st_size > 0) {
		close(fd);
		*why = MLM_JOURNAL_EXISTS;
		return mlm_err(err, errlen, "%s: the file exists", j->path);
	}
	j->fd = fd;
	return 0;
}

mlm_journal *
mlm_journal_open(const char *path, int cont, int *why, char *err, size_t errlen)
{
	mlm_journal *j = calloc(1, sizeof *j);
	*why = MLM_JOURNAL_IO;
	if (!j || !(j->path = mlm_strdup(path))) {
		free(j);
		mlm_err(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	j->fd = -1;
	for (int tries = 0; tries < 10; tries++) {
		int r = open_once(j, cont, why, err, errlen);
		if (r == 0)
			return j;
		if (r < 0)
			break;
		if (tries == 9)
			mlm_err(err, errlen, "%s: keeps being replaced while it is opened", path);
	}
	free(j->path);
	free(j);
	return NULL;
}

int
mlm_journal_scan(mlm_journal *j, size_t max, int (*fn)(void *u, const mlm_line *l),
    void *u, char *err, size_t errlen)
{
	if (lseek(j->fd, 0, SEEK_SET) < 0)
		return mlm_err(err, errlen, "%s: %s", j->path, strerror(errno));
	mlm_lines *r = mlm_lines_fd(j->fd, j->path, max);
	if (!r)
		return mlm_err(err, errlen, "%s: out of memory", j->path);
	mlm_line l;
	int rc;
	while ((rc = mlm_lines_next(r, &l, err, errlen)) == 1)
		if (fn(u, &l) < 0)
			break;
	mlm_lines_close(r);
	return rc < 0 ? -1 : 0;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			if (k == 0)
				errno = ENOSPC;
			return -1;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

struct copy {
	int (*keep)(void *u, const mlm_line *l);
	void *u;
	int fd, failed;
	mlm_buf b;
};

static int
copy_line(void *u, const mlm_line *l)
{
	struct copy *c = u;
	if (!c->keep(c->u, l) || c->fd < 0)
		return 0;
	if (mlm_buf_add(&c->b, l->text, l->len) < 0 || mlm_buf_add(&c->b, "\n", 1) < 0 ||
	    (c->b.len >= (1u << 20) && write_all(c->fd, c->b.p, c->b.len) < 0)) {
		c->failed = errno ? errno : ENOMEM;
		return -1;
	}
	if (c->b.len >= (1u << 20))
		mlm_buf_reset(&c->b);
	return 0;
}

/* The new file beside the journal: exclusive, never through a link. A
 * file of its name is stale or planted (we hold the journal): removed. */
static int
open_tmp(const char *tmp)
{
	int fl = O_RDWR | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	int fd = open(tmp, fl, 0600);
	if (fd < 0 && errno == EEXIST && unlink(tmp) == 0)
		fd = open(tmp, fl, 0600);
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

int
mlm_journal_rewrite(mlm_journal *j, size_t max, int (*keep)(void *u, const mlm_line *l),
    void *u, char *err, size_t errlen)
{
	struct stat st;
	struct copy c = { keep, u, -1, 0, { 0 } };
	if (fstat(j->fd, &st) < 0)
		return mlm_err(err, errlen, "%s: %s", j->path, strerror(errno));
	if (!S_ISREG(st.st_mode))
		return mlm_journal_scan(j, max, copy_line, &c, err, errlen);
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", j->path, (long)getpid());
	c.fd = open_tmp(tmp);
	if (c.fd < 0)
		return mlm_err(err, errlen, "%s: %s", tmp, strerror(errno));
	c.b.max = 2 * MLM_BUF_DEFAULT_MAX;
	errno = 0;
	int rc = mlm_journal_scan(j, max, copy_line, &c, err, errlen);
	if (rc == 0 && (c.failed || write_all(c.fd, c.b.p, c.b.len) < 0 || fsync(c.fd) < 0 ||
	    rename(tmp, j->path) < 0))
		rc = mlm_err(err, errlen, "%s: cannot rewrite the journal: %s", j->path,
		    strerror(c.failed ? c.failed : errno));
	mlm_buf_free(&c.b);
	if (rc < 0) {
		unlink(tmp);
		close(c.fd);
		return -1;
	}
	/* the journal is the new file now, locked: the old one is let go */
	close(j->fd);
	j->fd = c.fd;
	return 0;
}

int
mlm_journal_append(mlm_journal *j, const void *p, size_t n, char *err, size_t errlen)
{
	off_t at = lseek(j->fd, 0, SEEK_END);
	if (write_all(j->fd, p, n) == 0)
		return 0;
	int e = errno;
	int undone = at >= 0 && ftruncate(j->fd, at) == 0;
	mlm_err(err, errlen, "%s: write error: %s; %s", j->path, strerror(e), undone ?
	    "the journal holds whole records" : "its last record may be torn (--resume drops it)");
	errno = e;
	return -1;
}

/* ---- a journal of result records ---- */

/* a line longer than any record written is not one of ours */
#define RECORD_LINE_MAX (2 * (size_t)MLM_BUF_DEFAULT_MAX)

/* a whole, well-formed record: its i and id (and ok, with drop_failed) */
static int
record_line(const mlm_line *l, int drop_failed, long *i, char id[17])
{
	if (!l->nl || l->toolong)
		return 0;       /* a torn last line from a crash */
	jv r = jv_parse_sized(l->text, (int)l->len);
	int keep = 0;
	if (jv_is_valid(r) && jv_get_kind(r) == JV_KIND_OBJECT) {
		jv iv = mlm_jfield(r, "i");
		jv idv = mlm_jfield(r, "id");
		jv ok = mlm_jfield(r, "ok");
		keep = jv_get_kind(iv) == JV_KIND_NUMBER && jv_get_kind(idv) == JV_KIND_STRING &&
		    (jv_get_kind(ok) == JV_KIND_TRUE || !drop_failed);
		if (keep) {
			*i = (long)jv_number_value(iv);
			snprintf(id, 17, "%s", jv_string_value(idv));
		}
		jv_free(iv), jv_free(idv), jv_free(ok);
	}
	jv_free(r);
	return keep;
}

typedef struct { long i, line; } jpos;

static int
cmp_jpos(const void *a, const void *b)
{
	const jpos *x = a, *y = b;
	if (x->i != y->i)
		return x->i < y->i ? -1 : 1;
	return (x->line > y->line) - (x->line < y->line);
}

static int
cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;
	return (x > y) - (x < y);
}

/* pass 1: where each i's records are */
struct jscan { jpos *ps; size_t n, cap; int drop_failed, nomem; };

static int
scan_record(void *u, const mlm_line *l)
{
	struct jscan *s = u;
	long i;
	char id[17];
	if (!record_line(l, s->drop_failed, &i, id))
		return 0;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		jpos *ps = realloc(s->ps, cap * sizeof *ps);
		if (!ps) {
			s->nomem = 1;
			return -1;
		}
		s->ps = ps;
		s->cap = cap;
	}
	s->ps[s->n].i = i;
	s->ps[s->n++].line = l->lineno;
	return 0;
}

/* pass 2: the lines kept (sorted line numbers) */
struct jkeep { long *keep; size_t n, k; void (*fn)(void *u, long i, const char *id); void *u; };

static int
keep_record(void *u, const mlm_line *l)
{
	struct jkeep *c = u;
	if (c->k >= c->n || l->lineno != c->keep[c->k])
		return 0;
	c->k++;
	long i;
	char id[17];
	if (c->fn && record_line(l, 0, &i, id))
		c->fn(c->u, i, id);
	return 1;
}

int
mlm_journal_compact(mlm_journal *j, int drop_failed,
    void (*fn)(void *u, long i, const char *id), void *u, char *err, size_t errlen)
{
	struct jscan s = { NULL, 0, 0, drop_failed, 0 };
	if (mlm_journal_scan(j, RECORD_LINE_MAX, scan_record, &s, err, errlen) < 0 || s.nomem) {
		free(s.ps);
		return s.nomem ? mlm_err(err, errlen, "%s: out of memory", j->path) : -1;
	}
	/* the line numbers to keep: the last one of each i, in file order */
	if (s.n)
		qsort(s.ps, s.n, sizeof *s.ps, cmp_jpos);
	struct jkeep c = { malloc((s.n + 1) * sizeof *c.keep), 0, 0, fn, u };
	if (!c.keep) {
		free(s.ps);
		return mlm_err(err, errlen, "%s: out of memory", j->path);
	}
	for (size_t k = 0; k < s.n; k++)
		if (k + 1 == s.n || s.ps[k + 1].i != s.ps[k].i)
			c.keep[c.n++] = s.ps[k].line;
	free(s.ps);
	qsort(c.keep, c.n, sizeof *c.keep, cmp_long);
	int rc = mlm_journal_rewrite(j, RECORD_LINE_MAX, keep_record, &c, err, errlen);
	free(c.keep);
	return rc;
}

int
mlm_journal_sync(mlm_journal *j, char *err, size_t errlen)
{
	if (fsync(j->fd) < 0 && errno != EINVAL)
		return mlm_err(err, errlen, "%s: %s", j->path, strerror(errno));
	return 0;
}

void
mlm_journal_close(mlm_journal *j)
{
	if (!j)
		return;
	close(j->fd);
	free(j->path);
	free(j);
}
