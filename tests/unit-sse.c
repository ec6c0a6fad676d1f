/* unit-sse.c — the SSE reader: framing, chunking, comments, bounds. */
#define MLM_APPENDS_UNCHECKED /* mlm_buf appends here are not all checked yet */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlm.h"
#include "tap.h"

/* Every event as "event|data\n" (data's newlines as "\\n"). */
static int
logcb(void *u, const char *event, const char *data, size_t dlen)
{
	mlm_buf *b = u;
	mlm_buf_puts(b, event);
	mlm_buf_puts(b, "|");
	if (strlen(data) != dlen)
		mlm_buf_puts(b, "<len mismatch>");
	for (size_t i = 0; i < dlen; i++)
		if (data[i] == '\n')
			mlm_buf_puts(b, "\\n");
		else
			mlm_buf_add(b, data + i, 1);
	mlm_buf_puts(b, "\n");
	return 0;
}

/* Feeds s in pieces of the given sizes (0-terminated list, the rest whole). */
static char *
run(const char *s, size_t n, const size_t *cuts, int *rc)
{
	mlm_sse r;
	mlm_buf b = { 0 };
	mlm_buf_puts(&b, "");
	mlm_sse_init(&r, 0);
	size_t off = 0;
	int ret = 0;
	for (; cuts && *cuts && off < n && !ret; cuts++) {
		size_t k = *cuts < n - off ? *cuts : n - off;
		ret = mlm_sse_feed(&r, s + off, k, logcb, &b);
		off += k;
	}
	if (!ret && off < n)
		ret = mlm_sse_feed(&r, s + off, n - off, logcb, &b);
	if (!ret)
		ret = mlm_sse_finish(&r, logcb, &b);
	mlm_sse_free(&r);
	if (rc)
		*rc = ret;
	return b.p;
}

static char *
whole(const char *s)
{
	return run(s, strlen(s), NULL, NULL);
}

/* Byte by byte. */
static char *
bytewise(const char *s, size_t n)
{
	mlm_sse r;
	mlm_buf b = { 0 };
	mlm_buf_puts(&b, "");
	mlm_sse_init(&r, 0);
	for (size_t i = 0; i < n; i++)
		mlm_sse_feed(&r, s + i, 1, logcb, &b);
	mlm_sse_finish(&r, logcb, &b);
	mlm_sse_free(&r);
	return b.p;
}

static void
check(const char *name, const char *in, const char *want)
{
	char *g = whole(in);
	IS_STR(g, want, "%s (whole)", name);
	free(g);
	g = bytewise(in, strlen(in));
	IS_STR(g, want, "%s (byte by byte)", name);
	free(g);
	/* every two-piece split */
	size_t n = strlen(in);
	int bad = 0;
	for (size_t i = 1; i < n; i++) {
		size_t cuts[] = { i, 0 };
		g = run(in, n, cuts, NULL);
		if (strcmp(g, want))
			bad++;
		free(g);
	}
	ok(!bad, "%s (every split point): %d bad", name, bad);
}

static int
stopcb(void *u, const char *event, const char *data, size_t dlen)
{
	(void)event; (void)data; (void)dlen;
	int *count = u;
	return ++*count == 2 ? 7 : 0;
}


static unsigned long rng = 12345;
static size_t
rnd(size_t n)
{
	rng = rng * 6364136223846793005UL + 1442695040888963407UL;
	return n ? (size_t)((rng >> 33) % n) : 0;
}

static void
fixture_streams(void)
{
	const char *dir = tap_fixtures_dir();
	if (!dir) {
		ok(1, "# skip no fixtures folder");
		return;
	}
	DIR *d = opendir(dir);
	struct dirent *de;
	int files = 0;
	while (d && (de = readdir(d))) {
		size_t nl = strlen(de->d_name);
		if (nl < 5 || strcmp(de->d_name + nl - 4, ".sse"))
			continue;
		char path[1024];
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		size_t len;
		char *s = tap_slurp(path, &len);
		ok(s != NULL, "read %s", de->d_name);
		if (!s)
			continue;
		files++;
		int rc;
		char *want = run(s, len, NULL, &rc);
		is_int(rc, 0, "%s: whole feed returns 0", de->d_name);
		int nev = 0;
		for (char *p = want; *p; p++)
			nev += *p == '\n';
		ok(nev >= 2, "%s: %d events", de->d_name, nev);
		ok(!strstr(want, "\r"), "%s: no CR left in any event", de->d_name);
		char *g = bytewise(s, len);
		IS_STR(g, want, "%s: byte by byte equals whole", de->d_name);
		free(g);
		int bad = 0;
		for (size_t i = 1; i < len; i++) {
			size_t cuts[] = { i, 0 };
			g = run(s, len, cuts, NULL);
			bad += strcmp(g, want) != 0;
			free(g);
		}
		ok(!bad, "%s: every split point equals whole (%d bad)", de->d_name, bad);
		bad = 0;
		for (int k = 0; k < 200; k++) {
			size_t cuts[64];
			size_t m = 0;
			while (m < 63)
				cuts[m++] = 1 + rnd(len / 4 + 2);
			cuts[m] = 0;
			g = run(s, len, cuts, NULL);
			bad += strcmp(g, want) != 0;
			free(g);
		}
		ok(!bad, "%s: 200 random splits equal whole (%d bad)", de->d_name, bad);
		/* the same stream with CRLF and CR line ends gives the same events */
		mlm_buf crlf = { 0 }, cr = { 0 };
		for (size_t i = 0; i < len; i++) {
			if (s[i] == '\r')
				continue;
			if (s[i] == '\n') {
				mlm_buf_add(&crlf, "\r\n", 2);
				mlm_buf_add(&cr, "\r", 1);
			} else {
				mlm_buf_add(&crlf, s + i, 1);
				mlm_buf_add(&cr, s + i, 1);
			}
		}
		g = bytewise(crlf.p, crlf.len);
		IS_STR(g, want, "%s: as CRLF, byte by byte", de->d_name);
		free(g);
		g = run(cr.p, cr.len, NULL, NULL);
		IS_STR(g, want, "%s: as CR", de->d_name);
		free(g);
		mlm_buf_free(&crlf), mlm_buf_free(&cr);
		if (strstr(de->d_name, "gemini"))
			ok(strstr(s, "\r\n\r\n") != NULL, "%s is CRLF framed", de->d_name);
		if (strstr(de->d_name, "anthropic"))
			ok(strstr(want, "message_stop|") != NULL, "%s: event names kept", de->d_name);
		if (strstr(de->d_name, "openrouter"))
			ok(!strstr(want, "OPENROUTER PROCESSING"), "%s: comment ignored", de->d_name);
		free(want);
		free(s);
	}
	if (d)
		closedir(d);
	ok(files >= 5, "%d .sse fixtures read from %s", files, dir);
}

int
main(void)
{
	check("LF", "data: a\n\ndata: b\n\n", "|a\n|b\n");
	check("CRLF", "data: a\r\n\r\ndata: b\r\n\r\n", "|a\n|b\n");
	check("CR", "data: a\r\rdata: b\r\r", "|a\n|b\n");
	check("mixed ends", "data: a\r\n\ndata: b\n\r\ndata: c\r\r", "|a\n|b\n|c\n");
	check("comments", ": keep-alive\n\ndata: x\n: mid\n\n:\n\n", "|x\n");
	check("multi-line data", "data: one\ndata: two\ndata:three\n\n", "|one\\ntwo\\nthree\n");
	check("one space stripped", "data:  two spaces\n\ndata:none\n\n", "| two spaces\n|none\n");
	check("empty data", "data\n\ndata:\n\n", "|\n|\n");
	check("event kept and reset", "event: ping\ndata: {}\n\ndata: 1\n\n", "ping|{}\n|1\n");
	check("event without data is not dispatched", "event: x\n\ndata: 2\n\n", "|2\n");
	check("id and retry ignored", "id: 7\nretry: 100\ndata: z\n\n", "|z\n");
	check("unknown field ignored", "foo: bar\ndata: q\n\n", "|q\n");
	check("colon inside value", "data: {\"a\":\"b:c\"}\n\n", "|{\"a\":\"b:c\"}\n");
	check("no trailing blank line (finish)", "data: a\n\ndata: last", "|a\n|last\n");
	check("no trailing blank line after LF", "data: last\n", "|last\n");
	check("no trailing blank line after CRLF", "data: last\r\n", "|last\n");
	check("many blank lines", "\n\n\ndata: a\n\n\n\n", "|a\n");
	check("CR then LF are one line end", "data: a\r\ndata: b\r\n\r\n", "|a\\nb\n");
	check("CR CR is an event end", "data: a\r\rdata: b\r\n\r\n", "|a\n|b\n");
	check("[DONE]", "data: {\"x\":1}\n\ndata: [DONE]\n\n", "|{\"x\":1}\n|[DONE]\n");

	/* a CR at the end of one chunk and its LF at the start of the next */
	{
		const char *s = "data: a\r\ndata: b\r\n\r\n";
		size_t cuts[] = { 8, 1, 9, 1, 0 };
		char *g = run(s, strlen(s), cuts, NULL);
		IS_STR(g, "|a\\nb\n", "CR|LF across chunks");
		free(g);
	}
	/* finish on an empty reader: no event */
	{
		char *g = whole("");
		IS_STR(g, "", "nothing in, nothing out");
		free(g);
		g = whole(": only a comment");
		IS_STR(g, "", "only a comment");
		free(g);
	}
	/* a nonzero callback stops the reader and is returned */
	{
		mlm_sse r;
		int count = 0;
		mlm_sse_init(&r, 0);
		const char *s = "data: 1\n\ndata: 2\n\ndata: 3\n\n";
		is_int(mlm_sse_feed(&r, s, strlen(s), stopcb, &count), 7, "callback's value returned");
		is_int(count, 2, "stopped after the second event");
		mlm_sse_free(&r);
	}
	/* bounds */
	{
		mlm_sse r;
		mlm_buf b = { 0 };
		mlm_sse_init(&r, 16);
		is_int(mlm_sse_feed(&r, "data: 0123456789\n\n", 18, logcb, &b), 0, "event under the bound");
		is_int(mlm_sse_feed(&r, "data: 0123456789abcdef\n\n", 24, logcb, &b), -1,
		    "one line over the bound: -1");
		mlm_sse_free(&r);
		mlm_sse_init(&r, 16);
		int rc = 0;
		for (int i = 0; i < 10 && !rc; i++)
			rc = mlm_sse_feed(&r, "data: abcd\n", 11, logcb, &b);
		is_int(rc, -1, "many data lines over the bound: -1");
		mlm_sse_free(&r);
		mlm_sse_init(&r, 16);
		rc = 0;
		for (int i = 0; i < 100 && !rc; i++)
			rc = mlm_sse_feed(&r, "xxxxxxxx", 8, logcb, &b);
		is_int(rc, -1, "a line without end over the bound: -1");
		mlm_sse_free(&r);
		mlm_sse_init(&r, 0);
		is_int((long long)r.max, 8 << 20, "default bound 8 MiB");
		rc = 0;
		for (int i = 0; i < 100 && !rc; i++)
			rc = mlm_sse_feed(&r, ": comment\n", 10, logcb, &b);
		is_int(rc, 0, "comments do not count against the bound");
		mlm_sse_free(&r);
		mlm_buf_free(&b);
	}
	fixture_streams();
	return tap_done();
}
