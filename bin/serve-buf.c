/*
 * serve-buf.c — llm-serve's appends (serve.h): each one checked, a refused
 * one (the buffer's cap reached) marking the buffer over, which the sender
 * turns into an error: an answer is never sent cut short.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "serve.h"

static void
note(mlm_buf *b, int r)
{
	if (r < 0)
		b->over = 1;
}

void
sv_add(mlm_buf *b, const void *s, size_t n)
{
	note(b, mlm_buf_add(b, s, n));
}

void
sv_puts(mlm_buf *b, const char *s)
{
	note(b, mlm_buf_puts(b, s));
}

void
sv_printf(mlm_buf *b, const char *fmt, ...)
{
	char small[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->over = 1;
		return;
	}
	if ((size_t)n < sizeof small) {
		note(b, mlm_buf_add(b, small, (size_t)n));
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big) {
		b->over = 1;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	note(b, mlm_buf_add(b, big, (size_t)n));
	free(big);
}

void
sv_json_str(mlm_buf *b, const char *s, size_t n)
{
	note(b, mlm_json_str(b, s, n));
}

void
sv_json_dump(mlm_buf *b, jv x)
{
	note(b, mlm_json_dump(b, x));
}

void
sv_json_num(mlm_buf *b, double d)
{
	note(b, mlm_json_num(b, d));
}

void
sv_over_from(mlm_buf *b, const mlm_buf *part)
{
	if (part->over)
		b->over = 1;
}
