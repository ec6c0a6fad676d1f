/* tap.h — a tiny TAP producer for the C unit tests (run by prove). */
#ifndef TAP_H
#define TAP_H
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int tap_n, tap_fail;

#define ok(cond, ...) do { \
	int ok_c_ = !!(cond); \
	printf("%sok %d - ", ok_c_ ? "" : "not ", ++tap_n); \
	printf(__VA_ARGS__); printf("\n"); \
	if (!ok_c_) { tap_fail++; printf("#   at %s:%d\n", __FILE__, __LINE__); } \
} while (0)

#define is_str(got, want, ...) do { \
	const char *g__ = (got), *w__ = (want); \
	int c__ = (g__ && w__) ? strcmp(g__, w__) == 0 : g__ == w__; \
	ok(c__, __VA_ARGS__); \
	if (!c__) printf("#   got:  '%s'\n#   want: '%s'\n", g__ ? g__ : "(null)", w__ ? w__ : "(null)"); \
} while (0)
/* the same, for files that name it so */
#define IS_STR is_str

#define is_int(got, want, ...) do { \
	long long g_ = (got), w_ = (want); \
	ok(g_ == w_, __VA_ARGS__); \
	if (g_ != w_) printf("#   got:  %lld\n#   want: %lld\n", g_, w_); \
} while (0)

/* A whole file, NUL-terminated (malloc'd); NULL when it cannot be read. */
static inline char *
tap_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	char *p = NULL;
	size_t n = 0, cap = 0, k;
	char tmp[4096];
	while ((k = fread(tmp, 1, sizeof tmp, f)) > 0) {
		if (n + k + 1 > cap) {
			cap = (n + k + 1) * 2;
			char *q = realloc(p, cap);
			if (!q) {
				free(p);
				fclose(f);
				return NULL;
			}
			p = q;
		}
		memcpy(p + n, tmp, k);
		n += k;
	}
	fclose(f);
	if (!p && !(p = calloc(1, 1)))
		return NULL;
	p[n] = 0;
	*len = n;
	return p;
}

/* The wire fixtures: $MLM_FIXTURES, or tests/fixtures from the top or
 * fixtures from tests/; NULL when there are none. */
static inline const char *
tap_fixtures_dir(void)
{
	static const char *const dirs[] = { "tests/fixtures", "fixtures" };
	const char *env = getenv("MLM_FIXTURES");
	if (env && *env)
		return env;
	for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
		DIR *d = opendir(dirs[i]);
		if (d) {
			closedir(d);
			return dirs[i];
		}
	}
	return NULL;
}

/* A time limit on the whole test, as tests/lib.sh gives the shell tests:
 * after $MLM_TEST_TIMEOUT seconds (default 300, 0 for none) a failing TAP
 * line and exit status 1, so a hang fails the test instead of the suite. */
static char tap_to_msg[80];

static void
tap_timed_out(int sig)
{
	(void)sig;
	fflush(stdout);   /* not async-signal-safe, but the test is dying anyway */
	if (write(1, tap_to_msg, strlen(tap_to_msg)) < 0)
		_exit(1);
	_exit(1);
}

__attribute__((constructor)) static void
tap_watchdog(void)
{
	const char *v = getenv("MLM_TEST_TIMEOUT");
	long s = v && *v ? strtol(v, NULL, 10) : 300;
	if (s <= 0)
		return;
	snprintf(tap_to_msg, sizeof tap_to_msg,
	    "not ok - timed out after %ld s (MLM_TEST_TIMEOUT)\n", s);
	signal(SIGALRM, tap_timed_out);
	alarm((unsigned)s);
}

static inline int tap_done(void) { printf("1..%d\n", tap_n); return tap_fail ? 1 : 0; }
#ifdef MLM_H
/* A pool entry for adapter tests (borrowed strings). */
static inline mlm_entry
tap_entry(const char *provider, int wire, const char *model, const char *base)
{
	mlm_entry e;
	memset(&e, 0, sizeof e);
	e.id = (char *)"test:entry";
	e.provider = (char *)provider;
	e.wire = wire;
	e.model = (char *)model;
	e.base_url = (char *)base;
	return e;
}
#endif

#endif
