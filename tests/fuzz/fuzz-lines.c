/* fuzz-lines.c — libFuzzer target for the record reader: any bytes, any
 * maximum. Its lines must equal a plain reference split (at LF, one CR
 * before it or at the end dropped, longer than the maximum: too long, with
 * the right length, and whether a CR was dropped), and a pipe fed in
 * pieces must give the same. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mlm.h"
#include "lines.h"

/* the reference: "len:text|" or "len:LONG|", "$" for a line without LF,
 * "R" for a line whose CR was dropped */
static void
reference(const char *p, size_t n, size_t max, mlm_buf *out)
{
	size_t start = 0;
	while (start < n) {
		const char *nl = memchr(p + start, '\n', n - start);
		size_t end = nl ? (size_t)(nl - p) : n, len = end - start;
		int cr = len && p[start + len - 1] == '\r';
		len -= (size_t)cr;
		mlm_buf_printf(out, "%zu:", len);
		if (len > max)
			mlm_buf_puts(out, "LONG");
		else
			mlm_buf_add(out, p + start, len);
		mlm_buf_puts(out, cr ? "R" : "");
		mlm_buf_puts(out, nl ? "|" : "$|");
		start = nl ? end + 1 : n;
	}
}

static int
read_all(mlm_lines *r, mlm_buf *out)
{
	mlm_line l;
	char err[MLM_ERRLEN];
	int rc;
	long want = 1;
	while ((rc = mlm_lines_next(r, &l, err, sizeof err)) == 1) {
		if (l.lineno != want++ || (l.toolong ? l.text != NULL : l.text[l.len] != 0))
			abort();
		mlm_buf_printf(out, "%zu:", l.len);
		if (l.toolong)
			mlm_buf_puts(out, "LONG");
		else
			mlm_buf_add(out, l.text, l.len);
		mlm_buf_puts(out, l.cr ? "R" : "");
		mlm_buf_puts(out, l.nl ? "|" : "$|");
	}
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	size_t max = 1 + data[0] % 40;
	const char *p = (const char *)data + 1;
	size_t n = size - 1;
	mlm_buf a = { 0 }, b = { 0 };
	mlm_buf_add(&a, "", 0);
	mlm_buf_add(&b, "", 0);
	reference(p, n, max, &a);
	mlm_lines *r = mlm_lines_mem(p, n, "fuzz", max);
	if (!r || read_all(r, &b) != 0)
		abort();
	mlm_lines_close(r);
	if (a.len != b.len || memcmp(a.p, b.p, a.len))
		abort();
	/* through a pipe (the input fits in its buffer: written whole first) */
	int fds[2];
	if (n < 60000 && pipe(fds) == 0) {
		mlm_buf c = { 0 };
		mlm_buf_add(&c, "", 0);
		if (write(fds[1], p, n) != (ssize_t)n)
			abort();
		close(fds[1]);
		r = mlm_lines_fd(fds[0], "pipe", max);
		if (!r || read_all(r, &c) != 0 || c.len != a.len || memcmp(a.p, c.p, a.len))
			abort();
		mlm_lines_close(r);
		close(fds[0]);
		mlm_buf_free(&c);
	}
	mlm_buf_free(&a);
	mlm_buf_free(&b);
	return 0;
}
