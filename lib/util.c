/*
 * util.c — bounded buffers, strings, clocks, durations, redaction, hashing.
 * Small pieces every other module leans on. Nothing here allocates behind
 * the caller's back except mlm_buf, whose memory the buffer owns.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "mlm.h"

int
mlm_buf_add_slow(mlm_buf *b, const void *s, size_t n)
{
	size_t max = b->max ? b->max : MLM_BUF_DEFAULT_MAX;
	if (b->len + n + 1 > max || b->len + n + 1 < b->len)
		return -1;
	if (b->len + n + 1 > b->cap) {
		size_t c = b->cap ? b->cap : 256;
		while (c < b->len + n + 1)
			c *= 2;
		if (c > max)
			c = max;
		char *p = realloc(b->p, c);
		if (!p)
			return -1;
		b->p = p;
		b->cap = c;
	}
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
	return 0;
}

int
mlm_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
mlm_buf_puts(mlm_buf *b, const char *s)
{
	return mlm_buf_add(b, s, strlen(s));
}

int
mlm_buf_vprintf(mlm_buf *b, const char *fmt, va_list ap)
{
	char small[512];
	va_list again;
	va_copy(again, ap);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	if (n < 0 || (size_t)n < sizeof small) {
		va_end(again);
		return n < 0 ? -1 : mlm_buf_add(b, small, (size_t)n);
	}
	char *big = malloc((size_t)n + 1);
	if (big)
		vsnprintf(big, (size_t)n + 1, fmt, again);
	va_end(again);
	int r = big ? mlm_buf_add(b, big, (size_t)n) : -1;
	free(big);
	return r;
}

int
mlm_buf_printf(mlm_buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = mlm_buf_vprintf(b, fmt, ap);
	va_end(ap);
	return r;
}

/* A why-list is a human explanation capped by its buffer, not an output:
 * a line past the cap ends it with "...\n" (once; at the very cap its last
 * bytes give way to the marker) and the lines after it are dropped. */
void
mlm_buf_why(mlm_buf *b, const char *fmt, ...)
{
	if (!b || b->over)
		return;
	va_list ap;
	va_start(ap, fmt);
	int r = mlm_buf_vprintf(b, fmt, ap);
	va_end(ap);
	if (r == 0)
		return;
	b->over = 1;
	if (mlm_buf_puts(b, "...\n") < 0 && b->len >= 4)
		memcpy(b->p + b->len - 4, "...\n", 4);
}

void
mlm_buf_reset(mlm_buf *b)
{
	b->len = 0;
	b->over = 0;
	if (b->p)
		b->p[0] = 0;
}

void
mlm_buf_free(mlm_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
	b->over = 0;
}

int
mlm_err(char *err, size_t errlen, const char *fmt, ...)
{
	if (err && errlen) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
		for (char *p = err; *p; p++)
			if (*p == '\n' || *p == '\r')
				*p = ' ';
	}
	return -1;
}

char *
mlm_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

char *
mlm_strndup(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = 0;
	}
	return p;
}

int64_t
mlm_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
mlm_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

double
mlm_mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
mlm_glob(const char *pat, const char *s)
{
	if (!pat || !*pat)
		return 1;
	return fnmatch(pat, s ? s : "", 0) == 0;
}

/* "Thu, 01 Jan 2026 00:00:00 GMT" → epoch ms, or -1 */
static int64_t
http_date_ms(const char *s)
{
	struct tm tm;
	memset(&tm, 0, sizeof tm);
	const char *e = strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	if (!e)
		return -1;
	return (int64_t)timegm(&tm) * 1000;
}

int64_t
mlm_parse_duration_ms(const char *s, int64_t now_ms)
{
	if (!s)
		return -1;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return -1;
	if (isalpha((unsigned char)*s)) {
		int64_t t = http_date_ms(s);
		if (t < 0)
			return -1;
		return t > now_ms ? t - now_ms : 0;
	}
	double total = 0;
	int any = 0;
	const char *p = s;
	while (*p && !isspace((unsigned char)*p)) {
		char *end;
		errno = 0;
		double v = strtod(p, &end);
		if (end == p || errno || v < 0)
			return -1;
		p = end;
		double mul;
		if (!*p || isspace((unsigned char)*p)) {
			if (any)
				return -1;      /* "1m30" is not a duration */
			mul = 1000;             /* bare number: seconds */
		} else if (!strncmp(p, "ms", 2)) {
			mul = 1, p += 2;
		} else if (!strncmp(p, "us", 2) || !strncmp(p, "\xc2\xb5s", 3)) {
			mul = 0.001, p += (*p == 'u') ? 2 : 3;
		} else if (!strncmp(p, "ns", 2)) {
			mul = 0.000001, p += 2;
		} else if (*p == 'h') {
			mul = 3600000, p++;
		} else if (*p == 'm') {
			mul = 60000, p++;
		} else if (*p == 's') {
			mul = 1000, p++;
		} else {
			return -1;
		}
		total += v * mul;
		any = 1;
	}
	while (isspace((unsigned char)*p))
		p++;
	if (*p || total > 9e15)
		return -1;
	return (int64_t)(total + 0.5);
}

/* Does s at i start something shaped like a provider key? Returns its length. */
static size_t
keylike(const char *s)
{
	size_t n = 0;
#define KCH(c) (isalnum((unsigned char)(c)) || (c) == '-' || (c) == '_')
	if (!strncmp(s, "sk-", 3) || !strncmp(s, "gsk_", 4) || !strncmp(s, "AIza", 4) ||
	    !strncmp(s, "nvapi-", 6) || !strncmp(s, "csk-", 4)) {
		while (KCH(s[n]) || s[n] == '*')
			n++;
		return n >= 12 ? n : 0;
	}
	/* Zhipu id.secret: 32 hex, '.', 16 alnum */
	while (isxdigit((unsigned char)s[n]))
		n++;
	if (n == 32 && s[n] == '.') {
		size_t m = n + 1;
		while (isalnum((unsigned char)s[m]))
			m++;
		if (m - n - 1 >= 16)
			return m;
	}
	return 0;
#undef KCH
}

static void
cut_replace(char *s, size_t at, size_t n)
{
	static const char R[] = "[REDACTED]";
	size_t rl = sizeof R - 1, sl = strlen(s);
	if (n >= rl) {
		memcpy(s + at, R, rl);
		memmove(s + at + rl, s + at + n, sl - at - n + 1);
	} else {
		/* replacement longer than the key: shorten to fit in place */
		memset(s + at, '*', n);
	}
}

static int
longer_first(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t lx = x ? strlen(x) : 0, ly = y ? strlen(y) : 0;
	return (lx < ly) - (lx > ly);
}

void
mlm_redact(char *s, const char *const *keys, size_t nkeys)
{
	if (!s)
		return;
	/* longest first: a key that begins another would otherwise be cut out
	 * of it and leave the longer key's rest in view */
	const char **sorted = nkeys > 1 ? malloc(nkeys * sizeof *sorted) : NULL;
	if (sorted) {
		memcpy(sorted, keys, nkeys * sizeof *sorted);
		qsort(sorted, nkeys, sizeof *sorted, longer_first);
		keys = sorted;
	}
	for (size_t k = 0; k < nkeys; k++) {
		const char *key = keys[k];
		size_t kl = key ? strlen(key) : 0;
		if (kl < 4)
			continue;
		char *p;
		while ((p = strstr(s, key)))
			cut_replace(s, (size_t)(p - s), kl);
		/* providers echo a key's ends ("sk-abc***xyz"): hide any 8+ char
		 * prefix or suffix of the key that appears */
		if (kl >= 12) {
			char part[9];
			memcpy(part, key, 8), part[8] = 0;
			while ((p = strstr(s, part)))
				cut_replace(s, (size_t)(p - s), 8);
			memcpy(part, key + kl - 8, 8), part[8] = 0;
			while ((p = strstr(s, part)))
				cut_replace(s, (size_t)(p - s), 8);
		}
	}
	free(sorted);
	for (size_t i = 0; s[i]; i++) {
		if (i && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '-' || s[i - 1] == '_'))
			continue;
		size_t n = keylike(s + i);
		if (n)
			cut_replace(s, i, n);
	}
}

void
mlm_hash_hex(const void *p, size_t n, char out[17])
{
	uint64_t h = 1469598103934665603ULL;
	const unsigned char *c = p;
	for (size_t i = 0; i < n; i++) {
		h ^= c[i];
		h *= 1099511628211ULL;
	}
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* Is host (as curl's URL parser gives it) the loopback interface? Only
 * "localhost", 127.0.0.0/8, ::1 and ::ffff:127.x.y.z: a name that merely
 * starts like one ("127.0.0.1.example.com", "localhost.example.com") is not. */
static int
loopback_host(const char *host)
{
	char h[64];
	size_t n = strlen(host);
	if (!strcasecmp(host, "localhost") || !strcasecmp(host, "localhost."))
		return 1;
	if (host[0] == '[' && n > 2 && n - 2 < sizeof h && host[n - 1] == ']') {
		struct in6_addr a6;
		memcpy(h, host + 1, n - 2), h[n - 2] = 0;
		char *zone = strchr(h, '%');
		if (zone)
			*zone = 0;
		if (inet_pton(AF_INET6, h, &a6) != 1)
			return 0;
		if (!memcmp(&a6, &in6addr_loopback, sizeof a6))
			return 1;
		return IN6_IS_ADDR_V4MAPPED(&a6) && a6.s6_addr[12] == 127;
	}
	struct in_addr a4;
	return inet_pton(AF_INET, host, &a4) == 1 && ((const unsigned char *)&a4)[0] == 127;
}

int
mlm_url_plain_remote(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL;
	int r = 1;      /* what cannot be parsed is not known to be safe */
	if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK)
		r = strcasecmp(scheme, "https") && !loopback_host(host);
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return r;
}

FILE *
mlm_tmp_create(const char *tmp)
{
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
	if (!f && fd >= 0)
		close(fd);
	return f;
}
