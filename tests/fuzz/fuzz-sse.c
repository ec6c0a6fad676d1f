/* fuzz-sse.c — libFuzzer target for the SSE reader: any bytes, any chunking.
 * The events from one whole feed must equal those from a byte-by-byte feed
 * and from a feed cut at points taken from the input. */
#include <stdlib.h>
#include <string.h>

#include "mlm.h"

static int
logcb(void *u, const char *event, const char *data, size_t dlen)
{
	mlm_buf *b = u;
	if (strlen(event) >= 64 || data[dlen] != 0)
		abort();
	mlm_buf_puts(b, event);
	mlm_buf_add(b, "\0", 1);
	mlm_buf_add(b, data, dlen);
	mlm_buf_add(b, "\0\n", 2);
	return 0;
}

static int
feed(const uint8_t *p, size_t n, size_t max, size_t step, mlm_buf *out)
{
	mlm_sse s;
	int r = 0;
	mlm_sse_init(&s, max);
	for (size_t off = 0; off < n && !r; off += step)
		r = mlm_sse_feed(&s, (const char *)p + off, n - off < step ? n - off : step, logcb, out);
	if (!r)
		r = mlm_sse_finish(&s, logcb, out);
	mlm_sse_free(&s);
	return r;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 2)
		return 0;
	size_t max = 8 + data[0] * 4;       /* small bounds reach the -1 path */
	size_t step = 1 + data[1] % 13;
	data += 2, size -= 2;
	mlm_buf a = { 0 }, b = { 0 }, c = { 0 };
	int ra = feed(data, size, 0, size ? size : 1, &a);
	int rb = feed(data, size, 0, 1, &b);
	int rc = feed(data, size, 0, step, &c);
	if (ra != rb || ra != rc || a.len != b.len || a.len != c.len ||
	    (a.len && (memcmp(a.p, b.p, a.len) || memcmp(a.p, c.p, a.len))))
		abort();
	mlm_buf_reset(&a);
	int rm = feed(data, size, max, step, &a);
	if (rm != 0 && rm != -1)
		abort();
	mlm_buf_free(&a), mlm_buf_free(&b), mlm_buf_free(&c);
	return 0;
}
