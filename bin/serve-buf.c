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
	va_list ap;
	va_start(ap, fmt);
	note(b, mlm_buf_vprintf(b, fmt, ap));
	va_end(ap);
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
