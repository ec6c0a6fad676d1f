/*
 * lines.h — the record reader: one bounded line reader for every tool that
 * reads input line by line (llm-map's inputs and journal, and the others'
 * record streams as they adopt it).
 *
 * One rule for line ends: a line ends at LF; a CR right before the LF (or
 * before the end of the file) belongs to the end, not to the line. A last
 * line without LF is a line. Input is read in bounded chunks: a line longer
 * than the reader's maximum is never held whole; it is skipped up to its
 * newline and reported as too long, with its length. Positions are
 * "name:line", lines counted from 1.
 */
#ifndef MLM_LINES_H
#define MLM_LINES_H

#include <stddef.h>

typedef struct mlm_lines mlm_lines;

typedef struct mlm_line {
	const char *text;   /* the line, NUL-terminated (it may hold NULs:
	                     * len counts); NULL when toolong. Valid until the
	                     * next call. */
	size_t len;         /* its length; when toolong, the length skipped */
	long lineno;        /* 1, 2, ... within this reader */
	int toolong;        /* longer than the maximum: skipped, not read */
	int nl;             /* ended by LF (0: a last line without one) */
	int cr;             /* a CR before the end was taken off (text, then
	                     * CR if cr, then LF if nl, are the bytes read) */
} mlm_line;

/* A reader over fd, which it does not close; name is for positions.
 * max: the longest line taken (bytes without its end), at least 1.
 * NULL when out of memory. */
mlm_lines *mlm_lines_fd(int fd, const char *name, size_t max);
/* A reader over n bytes at p (borrowed: they must outlive the reader),
 * such as a request body; the same rules and the same bound. */
mlm_lines *mlm_lines_mem(const void *p, size_t n, const char *name, size_t max);
/* A reader over the file at path ("-": standard input, named "<stdin>"),
 * closed by mlm_lines_close. NULL with err set when it cannot be opened. */
mlm_lines *mlm_lines_open(const char *path, size_t max, char *err, size_t errlen);
/* The next line into *l: 1, or 0 at the end, or -1 on a read error (errno
 * set; err says "name: reason"). */
int mlm_lines_next(mlm_lines *r, mlm_line *l, char *err, size_t errlen);
/* "name" as given, and "name:line" of the last line returned into out. */
const char *mlm_lines_name(const mlm_lines *r);
void mlm_lines_pos(const mlm_lines *r, char *out, size_t n);
void mlm_lines_close(mlm_lines *r);

#endif
