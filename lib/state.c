/*
 * state.c — opening the scheduler store named by LLM_STATE or a spec:
 * "memory", a SQLite path (the default, under $XDG_STATE_HOME/many-llm/),
 * or redis://HOST:PORT/DB. A store that cannot be opened never stops work:
 * the memory store takes over and says why once, through s->warn.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mlm.h"

/* The stored fields of a record, in mlm_srec order (inflight is computed
 * by each store from its leases): one table for every shared store. */
const mlm_srec_field mlm_srec_fields[] = {
#define FLD(n, t) { #n, t, offsetof(mlm_srec, n), sizeof(((mlm_srec *)0)->n) }
	FLD(until_ms, MLM_F_I64), FLD(kind, MLM_F_STR), FLD(why, MLM_F_STR), FLD(dead, MLM_F_INT),
	FLD(fails, MLM_F_INT), FLD(win_start, MLM_F_I64), FLD(win_count, MLM_F_DBL),
	FLD(win_prev, MLM_F_DBL), FLD(tok_count, MLM_F_DBL), FLD(tok_prev, MLM_F_DBL),
	FLD(day_start, MLM_F_I64), FLD(day_count, MLM_F_DBL), FLD(lat_ms, MLM_F_DBL),
	FLD(lat_dev, MLM_F_DBL), FLD(n_ok, MLM_F_LONG), FLD(n_err, MLM_F_LONG),
	FLD(learned_rpm, MLM_F_DBL), FLD(updated_ms, MLM_F_I64), FLD(learned_conc, MLM_F_DBL),
	FLD(since_ms, MLM_F_I64),
	/* windows.c: appended (a SQLite file from before gets the columns) */
#define WX(n, i) { #n "_start", MLM_F_I64, offsetof(mlm_srec, wx_start) + (i) * sizeof(int64_t), sizeof(int64_t) }, \
	{ #n "_cur", MLM_F_DBL, offsetof(mlm_srec, wx_cur) + (i) * sizeof(double), sizeof(double) }, \
	{ #n "_prev", MLM_F_DBL, offsetof(mlm_srec, wx_prev) + (i) * sizeof(double), sizeof(double) }, \
	{ #n "_last", MLM_F_I64, offsetof(mlm_srec, wx_last) + (i) * sizeof(int64_t), sizeof(int64_t) }, \
	{ #n "_pexp", MLM_F_I64, offsetof(mlm_srec, wx_pexp) + (i) * sizeof(int64_t), sizeof(int64_t) }
	WX(rph, MLM_WX_RPH), WX(rpmo, MLM_WX_RPMO), WX(tpd, MLM_WX_TPD), WX(tpmo, MLM_WX_TPMO),
	WX(npd, MLM_WX_NPD), FLD(tok_avg, MLM_F_DBL), FLD(neu_avg, MLM_F_DBL),
#undef WX
#undef FLD
};
const size_t mlm_srec_nfields = sizeof mlm_srec_fields / sizeof mlm_srec_fields[0];

int mlm_store_redis_secret(mlm_store *b, const char *mine, char out[65]);

static void
random_bytes(unsigned char *p, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = getrandom(p + got, n - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	if (got < n) {
		/* no getrandom: a last resort that still differs per process */
		uint64_t x = (uint64_t)mlm_now_ms() * 6364136223846793005ull ^ (uint64_t)getpid();
		for (; got < n; got++) {
			x = x * 6364136223846793005ull + 1442695040888963407ull;
			p[got] = (unsigned char)(x >> 33);
		}
	}
}

static void
to_hex(const unsigned char *p, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	for (size_t i = 0; i < n; i++)
		out[2 * i] = hx[p[i] >> 4], out[2 * i + 1] = hx[p[i] & 15];
	out[2 * n] = 0;
}

static int
from_hex(const char *s, unsigned char *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int a = mlm_hexval((unsigned char)s[2 * i]), b = a < 0 ? -1 : mlm_hexval((unsigned char)s[2 * i + 1]);
		if (a < 0 || b < 0)
			return -1;
		out[i] = (unsigned char)(a << 4 | b);
	}
	return 0;
}

/* PATH.secret: made (0600, O_EXCL) by the first process, read by the others. */
static int
secret_file(const char *db, unsigned char out[32])
{
	char path[4300], hex[80];
	snprintf(path, sizeof path, "%s.secret", db);
	for (int tries = 0; tries < 50; tries++) {
		int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			struct stat st;
			ssize_t n = read(fd, hex, 64);
			if (fstat(fd, &st) == 0 && (st.st_mode & 077))
				fchmod(fd, 0600);
			close(fd);
			if (n == 64 && from_hex(hex, out, 32) == 0)
				return 0;
			if (n >= 0 && n < 64) {    /* being written: look again */
				usleep(2000);
				continue;
			}
			return -1;
		}
		if (errno != ENOENT)
			return -1;
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0) {
			if (errno == EEXIST)
				continue;
			return -1;
		}
		random_bytes(out, 32);
		to_hex(out, 32, hex);
		hex[64] = '\n';
		int ok = write(fd, hex, 65) == 65;
		close(fd);
		memset(hex, 0, sizeof hex);
		return ok ? 0 : -1;
	}
	return -1;
}

const unsigned char *
mlm_store_secret(mlm_store *s)
{
	if (!s->has_secret) {
		random_bytes(s->secret, sizeof s->secret);
		s->has_secret = 1;
	}
	return s->secret;
}

void
mlm_store_key_digest(mlm_store *s, const char *key, char out[17])
{
	unsigned char d[32];
	mlm_hmac_sha256(mlm_store_secret(s), 32, key, strlen(key), d);
	to_hex(d, 8, out);
}

/* How a store's processes share the secret of the key digests, set once it
 * is open: not at all (memory: this process's own), in the store (Redis),
 * or in a file beside it (SQLite: FILE.secret). */
static void
secret_own(mlm_store *s, const char *spec)
{
}

static void
secret_redis(mlm_store *s, const char *spec)
{
	char mine[65], got[65];
	random_bytes(s->secret, 32);
	to_hex(s->secret, 32, mine);
	if (mlm_store_redis_secret(s, mine, got) == 0 && from_hex(got, s->secret, 32) == 0)
		s->has_secret = 1;
	memset(mine, 0, sizeof mine);
	memset(got, 0, sizeof got);
}

static void
secret_beside(mlm_store *s, const char *spec)
{
	if (secret_file(spec, s->secret) == 0) {
		s->has_secret = 1;
	} else if (!s->warn[0]) {
		snprintf(s->warn, sizeof s->warn, "%.400s.secret cannot be kept: key digests in the "
		    "state are this process's own", spec);
	}
}

static mlm_store *
open_memory(const char *spec, char *err, size_t errlen)
{
	return mlm_store_memory();
}

/*
 * The stores, one line each: X(FORM, OPEN, SECRET). The first line whose
 * FORM fits the spec (LLM_STATE) opens it: FORM is that whole word, a URL
 * scheme ("redis://": any URL of it), or "" for any other text, a file
 * path (the last line). OPEN(spec, err, errlen) is the store's constructor
 * (in lib/state-NAME.c), SECRET one of the secret_* above.
 */
#define STATE_STORES(X) \
	X("memory", open_memory, secret_own) \
	X("redis://", mlm_store_redis, secret_redis) \
	X("", mlm_store_sqlite, secret_beside)

#define STORE_DECL(form, open, secret) mlm_store *open(const char *spec, char *err, size_t errlen);
STATE_STORES(STORE_DECL)
#undef STORE_DECL

static const struct store_kind {
	const char *form;
	mlm_store *(*open)(const char *spec, char *err, size_t errlen);
	void (*secret)(mlm_store *s, const char *spec);
} stores[] = {
#define STORE_ROW(form, open, secret) { form, open, secret },
	STATE_STORES(STORE_ROW)
#undef STORE_ROW
};

/* Does spec have the form of a line of STATE_STORES? */
static int
store_fits(const char *form, const char *spec)
{
	size_t n = strlen(form);
	if (n >= 3 && !strcmp(form + n - 3, "://"))
		return !strncmp(spec, form, n);
	return !*form || !strcmp(spec, form);
}

/* mkdir -p dir (0700), then: is it a directory we may write in? why says
 * what failed, with the path and the system's reason. */
static int
state_dir(char *dir, char *why, size_t wl)
{
	struct stat st;
	for (char *p = dir + 1;; p++) {
		if (*p && *p != '/')
			continue;
		char c = *p;
		*p = 0;
		int bad = mkdir(dir, 0700) < 0 && errno != EEXIST;
		if (bad)
			mlm_err(why, wl, "cannot create the state directory %s: %s", dir, strerror(errno));
		*p = c;
		if (bad)
			return -1;
		if (!c)
			break;
	}
	if (stat(dir, &st) < 0)
		return mlm_err(why, wl, "state directory %s: %s", dir, strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return mlm_err(why, wl, "state directory %s: %s", dir, strerror(ENOTDIR));
	if (access(dir, W_OK | X_OK) < 0)
		return mlm_err(why, wl, "cannot write in the state directory %s: %s", dir, strerror(errno));
	return 0;
}

int
mlm_state_path_why(const char *file, char *out, size_t n, char *why, size_t wl)
{
	const char *x = getenv("XDG_STATE_HOME"), *h = getenv("HOME");
	char dir[4096];
	if (x && *x)
		snprintf(dir, sizeof dir, "%s/many-llm", x);
	else if (h && *h)
		snprintf(dir, sizeof dir, "%s/.local/state/many-llm", h);
	else
		return mlm_err(why, wl, "no XDG_STATE_HOME or HOME for the state file");
	if (state_dir(dir, why, wl) < 0)
		return -1;
	snprintf(out, n, "%s/%s", dir, file);
	return 0;
}

int
mlm_state_path(const char *file, char *out, size_t n)
{
	return mlm_state_path_why(file, out, n, NULL, 0);
}

mlm_store *
mlm_store_open(const char *spec, char *err, size_t errlen)
{
	char path[4200];
	if (!spec || !*spec)
		spec = getenv("LLM_STATE");
	mlm_store *s = NULL;
	char why[MLM_ERRLEN] = "";
	if (!spec || !*spec) {
		if (mlm_state_path_why("state.db", path, sizeof path, why, sizeof why) < 0)
			goto fallback;
		spec = path;
	}
	for (size_t i = 0; i < sizeof stores / sizeof stores[0]; i++) {
		if (!store_fits(stores[i].form, spec))
			continue;
		s = stores[i].open(spec, why, sizeof why);
		if (!s && stores[i].open == open_memory)
			return NULL;    /* out of memory: no fallback either */
		if (s) {
			stores[i].secret(s, spec);
			return s;
		}
		break;
	}
fallback:
	s = mlm_store_memory();
	if (s) {
		snprintf(s->warn, sizeof s->warn, "state store unavailable (%.400s); using memory", why);
		s->degraded = 1;
	}
	return s;
}
