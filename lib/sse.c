/*
 * sse.c — one text/event-stream reader for every provider.
 *
 * A byte-level state machine: bytes arrive in any chunking (a libcurl write
 * callback), lines end in CRLF, LF or CR (a CR at the end of one chunk and
 * the LF at the start of the next are one line end), a blank line ends an
 * event. Lines starting with ':' are comments; several data: lines are
 * joined with "\n"; event: names are kept; id: and retry: are ignored.
 * One event (its pending line plus its data) is bounded by s->max.
 * The reader owns its two buffers; the callback borrows event and data.
 */
#include <string.h>

#include "mlm.h"

#define SSE_DEFAULT_MAX (8u << 20)

void
mlm_sse_init(mlm_sse *s, size_t max)
{
	memset(s, 0, sizeof *s);
	s->max = max ? max : SSE_DEFAULT_MAX;
}

void
mlm_sse_free(mlm_sse *s)
{
	mlm_buf_free(&s->line);
	mlm_buf_free(&s->data);
	s->has_data = 0;
	s->event[0] = 0;
	s->cr = 0;
}

static int
dispatch(mlm_sse *s, mlm_sse_cb cb, void *u)
{
	int r = 0;
	if (s->has_data && cb)
		r = cb(u, s->event, s->data.p ? s->data.p : "", s->data.len);
	mlm_buf_reset(&s->data);
	s->has_data = 0;
	s->event[0] = 0;
	return r;
}

/* One complete line (without its end) in s->line. */
static int
line(mlm_sse *s, mlm_sse_cb cb, void *u)
{
	const char *p = s->line.p ? s->line.p : "";
	size_t n = s->line.len;
	int r = 0;

	if (n == 0)
		return dispatch(s, cb, u);
	if (p[0] == ':')
		goto out;
	const char *colon = memchr(p, ':', n);
	size_t fl = colon ? (size_t)(colon - p) : n;
	const char *v = colon ? colon + 1 : p + n;
	size_t vl = (size_t)(p + n - v);
	if (vl && *v == ' ')
		v++, vl--;
	if (fl == 4 && !memcmp(p, "data", 4)) {
		if (s->data.len + vl + 1 > s->max) {
			r = -1;
			goto out;
		}
		if ((s->has_data && mlm_buf_add(&s->data, "\n", 1) < 0) ||
		    mlm_buf_add(&s->data, v, vl) < 0) {
			r = -1;
			goto out;
		}
		s->has_data = 1;
	} else if (fl == 5 && !memcmp(p, "event", 5)) {
		size_t k = vl < sizeof s->event - 1 ? vl : sizeof s->event - 1;
		memcpy(s->event, v, k);
		s->event[k] = 0;
	}
out:
	mlm_buf_reset(&s->line);
	return r;
}

/* Feeds bytes in any chunking; 0, the callback's nonzero value, or -1. */
int
mlm_sse_feed(mlm_sse *s, const char *p, size_t n, mlm_sse_cb cb, void *u)
{
	size_t max = s->max ? s->max : SSE_DEFAULT_MAX;
	size_t i = 0;
	while (i < n) {
		char c = p[i];
		if (c == '\n' && s->cr) {
			/* the LF of a CRLF whose CR ended the line already */
			s->cr = 0;
			i++;
			continue;
		}
		s->cr = 0;
		if (c == '\r' || c == '\n') {
			s->cr = c == '\r';
			i++;
			int r = line(s, cb, u);
			if (r)
				return r;
			continue;
		}
		size_t j = i;
		while (j < n && p[j] != '\r' && p[j] != '\n')
			j++;
		if (s->line.len + (j - i) + s->data.len > max)
			return -1;
		if (mlm_buf_add(&s->line, p + i, j - i) < 0)
			return -1;
		i = j;
	}
	return 0;
}

/* At end of stream: the unterminated last line, then a pending event. */
int
mlm_sse_finish(mlm_sse *s, mlm_sse_cb cb, void *u)
{
	int r = 0;
	if (s->line.len)
		r = line(s, cb, u);
	if (!r)
		r = dispatch(s, cb, u);
	s->cr = 0;
	return r;
}
