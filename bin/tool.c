/*
 * tool.c — the tools' shared side: messages, exit codes, pool and store
 * set-up, tracing, record output. See tool.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool.h"
#include "fmt.h"
#include "version.h"

const char *prog = "llm";

/* Every tool holds keys in its memory: none of them ever leaves a core file. */
__attribute__((constructor)) static void
no_core_files(void)
{
	setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
}

static void
vwarn(const char *fmt, va_list ap)
{
	char buf[2048];
	vsnprintf(buf, sizeof buf, fmt, ap);
	for (char *p = buf; *p; p++)
		if (*p == '\n')
			*p = ' ';
	fprintf(stderr, "%s: %s\n", prog, buf);
}

void
tool_version(void)
{
	printf("%s %s\n", prog, MLM_VERSION);
	out_close();
	exit(0);
}

void
warnmsg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
}

void
die(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vwarn(fmt, ap);
	va_end(ap);
	exit(code);
}

long
opt_long(const char *opt, const char *s, long min, long max)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max)
		die(EX_USAGE_, "%s: expected a whole number from %ld to %ld, got '%s'", opt, min, max, s);
	return v;
}

double
opt_double(const char *opt, const char *s, double min, double max)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (!*s || *end || errno || !isfinite(v) || v < min || v > max)
		die(EX_USAGE_, "%s: expected a number from %g to %g, got '%s'", opt, min, max, s);
	return v;
}

long
opt_duration_ms(const char *opt, const char *s)
{
	int64_t ms = mlm_parse_duration_ms(s, 0);
	if (ms < 0 || ms > 24LL * 3600 * 1000 || (s[0] && s[0] >= 'A'))
		die(EX_USAGE_, "%s: expected a duration like 30, 2.5s, 500ms or 2m, got '%s'", opt, s);
	return (long)ms;
}

char *
slurp(FILE *f, size_t max, size_t *len)
{
	mlm_buf b = { 0 };
	b.max = max;
	char chunk[65536];
	size_t n;
	if (mlm_buf_add(&b, "", 0) < 0)
		return NULL;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (mlm_buf_add(&b, chunk, n) < 0) {
			mlm_buf_free(&b);
			return NULL;
		}
	if (len)
		*len = b.len;
	return b.p;
}

static int stdout_regular = -1;
static int out_batched;         /* out_batch(): the caller flushes */

static void
out_fail(void)
{
	if (errno == EPIPE) {
		/* like git: end quietly, as if killed by SIGPIPE */
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
	}
	die(EX_SOMEFAIL, "write error on standard output: %s", strerror(errno));
}

void
out_line(const char *s, size_t n, int flush)
{
	if (stdout_regular < 0) {
		struct stat st;
		stdout_regular = fstat(1, &st) == 0 && S_ISREG(st.st_mode);
	}
	if (fwrite(s, 1, n, stdout) != n || putchar('\n') == EOF)
		out_fail();
	if ((flush || (!stdout_regular && !out_batched)) && fflush(stdout) == EOF)
		out_fail();
}

void
out_batch(void)
{
	/* one write(2) per 64 KiB at most, not per 4 KiB (a pipe's block size) */
	setvbuf(stdout, NULL, _IOFBF, 65536);
	out_batched = 1;
}

void
out_flush(void)
{
	if (fflush(stdout) == EOF)
		out_fail();
}

void
out_json(jv j, int flush)
{
	mlm_buf s = { 0 };
	if (mlm_json_dump(&s, j) < 0)
		die(EX_SOMEFAIL, "out of memory");
	out_line(s.p, s.len, flush);
	mlm_buf_free(&s);
	jv_free(j);
}

void
out_close(void)
{
	if (fflush(stdout) == EOF || ferror(stdout))
		out_fail();
	if (fclose(stdout) == EOF)
		out_fail();
}

void
tool_print_attempt(jv a)
{
	jv e = jv_object_get(jv_copy(a), jv_string("entry"));
	jv k = jv_object_get(jv_copy(a), jv_string("kind"));
	jv st = jv_object_get(jv_copy(a), jv_string("status"));
	jv ms = jv_object_get(jv_copy(a), jv_string("ms"));
	jv m = jv_object_get(jv_copy(a), jv_string("message"));
	fprintf(stderr, "%s: attempt: %s: %s", prog, jv_string_value(e), jv_string_value(k));
	if (jv_number_value(st))
		fprintf(stderr, " (HTTP %.0f)", jv_number_value(st));
	fprintf(stderr, " %.0f ms", jv_number_value(ms));
	if (jv_get_kind(m) == JV_KIND_STRING)
		fprintf(stderr, ": %s", jv_string_value(m));
	fputc('\n', stderr);
	jv_free(e), jv_free(k), jv_free(st), jv_free(ms), jv_free(m);
}

/* A wait: -v says so each time; on a terminal, without -v, a wait longer
 * than a second gets one line (what it waits for, how long), once per wait. */
static void
say_wait(tool_pool *t, jv a)
{
	static int64_t quiet_until;
	double ms = jv_number_value(jv_object_get(jv_copy(a), jv_string("ms")));
	jv e = jv_object_get(jv_copy(a), jv_string("entry"));
	jv k = jv_object_get(jv_copy(a), jv_string("kind"));
	int64_t now = mlm_mono_ms();
	if (t->verbose || (ms >= 1000 && now >= quiet_until)) {
		fprintf(stderr, "%s: waiting %.1fs for %s%s%s%s\n", prog, ms / 1000,
		    jv_get_kind(e) == JV_KIND_STRING ? jv_string_value(e) : "an entry to free up",
		    jv_get_kind(k) == JV_KIND_STRING ? " (" : "",
		    jv_get_kind(k) == JV_KIND_STRING ? jv_string_value(k) : "",
		    jv_get_kind(k) == JV_KIND_STRING ? ")" : "");
		quiet_until = now + (int64_t)ms;
	}
	jv_free(e);
	jv_free(k);
}

/* -v: one stderr line per attempt; LLM_LOG: one NDJSON line per attempt */
static void
trace_fn(void *u, jv a)
{
	tool_pool *t = u;
	if (!t->verbose && t->tty) {
		jv ev = jv_object_get(jv_copy(a), jv_string("event"));
		if (jv_get_kind(ev) == JV_KIND_STRING && !strcmp(jv_string_value(ev), "wait"))
			say_wait(t, a);
		jv_free(ev);
	}
	if (t->verbose) {
		jv ev = jv_object_get(jv_copy(a), jv_string("event"));
		if (jv_get_kind(ev) == JV_KIND_STRING) {
			jv why = jv_object_get(jv_copy(a), jv_string("why"));
			jv ms = jv_object_get(jv_copy(a), jv_string("ms"));
			if (!strcmp(jv_string_value(ev), "wait"))
				say_wait(t, a);
			else if (jv_get_kind(why) == JV_KIND_STRING) {
				const char *w = jv_string_value(why);
				while (*w) {
					const char *nl = strchr(w, '\n');
					int l = nl ? (int)(nl - w) : (int)strlen(w);
					fprintf(stderr, "%s: skip %.*s\n", prog, l, w);
					w += l + (nl ? 1 : 0);
				}
			}
			jv_free(why);
			jv_free(ms);
		} else {
			tool_print_attempt(a);
		}
		jv_free(ev);
	}
	if (t->log) {
		jv ev = jv_object_get(jv_copy(a), jv_string("event"));
		int is_attempt = jv_get_kind(ev) != JV_KIND_STRING;
		jv_free(ev);
		if (is_attempt) {
			/* one write per line: lines from many processes never interleave */
			/* a line that cannot be made whole is not written: never
			 * half a line (it cannot happen below the buffer's cap) */
			mlm_buf b = { 0 };
			if (mlm_json_dump(&b, a) == 0 && mlm_buf_add(&b, "\n", 1) == 0 &&
			    write(fileno(t->log), b.p, b.len) < 0) {
				/* a log that cannot be written does not stop work */
			}
			mlm_buf_free(&b);
		}
	}
	jv_free(a);
}

void
tool_store_warn(tool_pool *t)
{
	const char *w = t->sched ? mlm_sched_store_warning(t->sched) : NULL;
	if (w)
		warnmsg("warning: %s", w);
}

void
tool_warn_key_file(const char *path, const mlm_pool *p, size_t from)
{
	struct stat st;
	int inline_keys = 0;
	for (size_t i = from; i < p->n; i++)
		inline_keys |= p->v[i].key_inline;
	if (inline_keys && strcmp(path, "-") && stat(path, &st) == 0 && (st.st_mode & 077))
		warnmsg("warning: %s is readable by group or others and holds keys (chmod 600 %s)",
		    path, path);
}

/* After each file of variables: a warning when others may read it; the
 * files read are named in the message when no pool can be made. */
static int
env_hook(void *u, int step, const char *what, mlm_setup_opts *o)
{
	tool_pool *t = u;
	if (step != MLM_SETUP_ENV_FILE)
		return 0;
	if (mlm_env_loose(t->env))
		warnmsg("warning: %s is readable by group or others (chmod 600 %s)", what, what);
	size_t l = strlen(t->env_read);
	snprintf(t->env_read + l, sizeof t->env_read - l, ", %s", what);
	return 0;
}

static void
env_opts(tool_pool *t, mlm_setup_opts *o)
{
	*o = (mlm_setup_opts){ .user_env = 1, .dot_env = 1, .env_file = t->env_file,
		.pool_file = t->pool_file, .need_entries = 1, .strategy = MLM_STRAT_SMART,
		.hook = env_hook, .u = t };
	t->env_read[0] = 0;
}

void
tool_env_load(tool_pool *t)
{
	char err[MLM_ERRLEN];
	mlm_setup_opts o;
	env_opts(t, &o);
	if (mlm_setup_env(&t->setup, &o, err, sizeof err) < 0)
		die(EX_CONFIG_, "%s", err);
}

void
tool_die_no_pool(tool_pool *t, const char *err)
{
	char user[PATH_MAX] = "~/.config/many-llm/env";
	if (t->env_read[0])
		die(EX_CONFIG_, "%s, in the environment%s", err, t->env_read);
	mlm_user_env_path(user, sizeof user);
	die(EX_CONFIG_, "%s, in the environment (no ./.env, no %s)", err, user);
}

void
tool_env_report(tool_pool *t, int from_pool_file)
{
	mlm_var_note *v;
	size_t n = mlm_env_review(t->env, &t->pool, from_pool_file, &v);
	for (size_t i = 0; i < n; i++) {
		if (t->list_env)
			warnmsg("%s: %s: %s: %s", v[i].where, v[i].name, mlm_var_status_name(v[i].status),
			    v[i].why);
		else if (v[i].warn)
			warnmsg("warning: %s: %s: %s", v[i].where, v[i].name, v[i].why);
	}
	mlm_var_notes_free(v, n);
}

static const char *
env_default(tool_pool *t, const char *opt, const char *var)
{
	if (opt)
		return opt;
	const char *v = mlm_env_get(t->env, var);
	return v && *v ? v : NULL;
}

int
tool_pool_opt(tool_pool *t, int c, const char *arg)
{
	switch (c) {
	case 'm': t->model = arg; break;
	case 'p': t->provider = arg; break;
	case 'v': t->verbose = 1; break;
	case O_ENV: t->env_file = arg; break;
	case O_POOL: t->pool_file = arg; break;
	case O_STRATEGY: t->strategy = arg; break;
	case O_LOG: t->log_file = arg; break;
	default: return 0;
	}
	return 1;
}

int
tool_strategy(const char *what, const char *name, int code)
{
	int s = mlm_strategy_parse(name);
	if (s < 0)
		die(code, "%s: unknown strategy '%s' (smart, sequential, random, round-robin, "
		    "weighted, least-busy, latency, headroom)", what, name);
	return s;
}

int
tool_env_defaults(tool_pool *t)
{
	int strat = MLM_STRAT_SMART;
	if (t->strategy)
		strat = tool_strategy("--strategy", t->strategy, EX_USAGE_);
	t->model_env = !t->model;
	t->provider_env = !t->provider;
	t->model = env_default(t, t->model, "LLM_MODEL");
	t->provider = env_default(t, t->provider, "LLM_PROVIDER");
	const char *s = env_default(t, NULL, "LLM_STRATEGY");
	if (!t->strategy && s) {
		char what[PATH_MAX + 32] = "LLM_STRATEGY";
		int line = mlm_env_line(t->env, "LLM_STRATEGY");
		if (line)
			snprintf(what, sizeof what, "%s:%d: LLM_STRATEGY",
			    mlm_env_origin(t->env, "LLM_STRATEGY"), line);
		strat = tool_strategy(what, s, EX_CONFIG_);
		t->strategy = s;
	}
	return strat;
}

/* The tool's messages between the steps of the set-up. */
static int
open_hook(void *u, int step, const char *what, mlm_setup_opts *o)
{
	tool_pool *t = u;
	switch (step) {
	case MLM_SETUP_ENV:
		o->strategy = tool_env_defaults(t);
		o->provider = t->provider;
		o->model = t->model;
		tool_catalog_warn();
		break;
	case MLM_SETUP_POOL:
		if (what)
			tool_warn_key_file(what, &t->pool, 0);
		tool_env_report(t, what != NULL);
		break;
	case MLM_SETUP_ENGINE:  /* the store is open and asked through the scheduler */
		tool_store_warn(t);
		break;
	default:
		return env_hook(u, step, what, o);
	}
	return 0;
}

void
tool_pool_open(tool_pool *t)
{
	char err[MLM_ERRLEN];
	mlm_setup_opts o;
	int failed;
	env_opts(t, &o);
	o.hook = open_hook;
	if (mlm_setup_open(&t->setup, &o, &failed, err, sizeof err) < 0) {
		if (failed == MLM_SETUP_POOL && !o.pool_from) {
			tool_env_report(t, 0);
			tool_die_no_pool(t, err);
		}
		if (failed == MLM_SETUP_FILTER)
			die(EX_CONFIG_, "no pool entry matches%s%s%s%s", t->provider ?
			    (t->provider_env ? " LLM_PROVIDER=" : " --provider ") : "",
			    t->provider ? t->provider : "",
			    t->model ? (t->model_env ? " LLM_MODEL=" : " --model ") : "", t->model ? t->model : "");
		die(EX_CONFIG_, "%s", err);
	}
	const char *lf = t->log_file ? t->log_file : getenv("LLM_LOG");
	if (lf && *lf) {
		/* attempts name prompts' entries and errors: private, 0600 */
		int fd = open(lf, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		t->log = fd < 0 ? NULL : fdopen(fd, "a");
		if (!t->log && fd >= 0)
			close(fd);
		if (!t->log)
			warnmsg("warning: --log %s: %s", lf, strerror(errno));
	}
	/* attempts are only described for someone who reads them */
	t->tty = isatty(2);
	if (t->verbose || t->log || t->tty)
		mlm_engine_trace(t->engine, trace_fn, t);
}

void
tool_pool_close(tool_pool *t)
{
	mlm_setup_close(&t->setup);
	if (t->log)
		fclose(t->log);
	memset(t, 0, sizeof *t);
}

static void
to_write(mlm_buf *b)
{
	if (b->len && b->p[b->len - 1] == '\n')
		b->len--;
	if (b->len)
		out_line(b->p, b->len, 0);
	mlm_buf_free(b);
}

mlm_emitter *
tool_to_open(const mlm_schema *s, int to)
{
	char err[MLM_ERRLEN];
	mlm_emit_opts eo = { .to = to };
	mlm_emitter *e = mlm_fmt_emitter_new(s, &eo, err, sizeof err);
	if (!e)
		die(EX_USAGE_, "--to: %s", err);
	mlm_buf b = { 0 };
	if (mlm_fmt_emit_begin(e, &b, err, sizeof err) < 0)
		die(EX_USAGE_, "--to: %s", err);
	to_write(&b);
	return e;
}

void
tool_to_record(mlm_emitter *e, jv rec, const char *text, size_t len, int multi)
{
	char err[MLM_ERRLEN];
	jv r = text ? jv_parse_sized(text, (int)len) : jv_copy(rec);
	jv ok = jv_object_get(jv_copy(r), jv_string("ok"));
	jv i = jv_object_get(jv_copy(r), jv_string("i"));
	if (jv_get_kind(ok) != JV_KIND_TRUE) {
		jv er = jv_object_get(jv_copy(r), jv_string("error"));
		jv m = jv_get_kind(er) == JV_KIND_OBJECT ? jv_object_get(jv_copy(er), jv_string("message")) : jv_invalid();
		warnmsg("item %.0f: no data: %s", jv_get_kind(i) == JV_KIND_NUMBER ? jv_number_value(i) : -1,
		    jv_get_kind(m) == JV_KIND_STRING ? jv_string_value(m) : "failed");
		jv_free(er), jv_free(m);
	} else {
		jv d = jv_object_get(jv_copy(r), jv_string("data"));
		mlm_buf b = { 0 };
		int bad = 0;
		if (multi && jv_get_kind(d) == JV_KIND_ARRAY) {
			jv_array_foreach(d, k, v) {
				bad = bad || mlm_fmt_emit_value(e, v, &b, err, sizeof err) < 0;
				jv_free(v);
			}
		} else {
			bad = mlm_fmt_emit_value(e, d, &b, err, sizeof err) < 0;
		}
		if (bad) {
			warnmsg("item %.0f: --to: %s", jv_number_value(i), err);
			mlm_buf_free(&b);
		} else {
			to_write(&b);
		}
		jv_free(d);
	}
	jv_free(ok), jv_free(i), jv_free(r);
}

void
tool_to_close(mlm_emitter *e)
{
	char err[MLM_ERRLEN];
	mlm_buf b = { 0 };
	if (mlm_fmt_emit_end(e, &b, err, sizeof err) < 0)
		warnmsg("--to: %s", err);
	to_write(&b);
	mlm_fmt_emitter_free(e);
}

static int
has_suffix(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);
	return a >= b && !strcmp(s + a - b, suf);
}

mlm_schema *
tool_load_schema(const char *spec)
{
	char err[MLM_ERRLEN];
	char *text = NULL;
	const char *src = spec, *path = NULL;
	struct stat st;
	if (spec[0] == '@')
		path = spec + 1;
	else if (!strchr(spec, '\n') && (has_suffix(spec, ".json") || has_suffix(spec, ".h") ||
	    has_suffix(spec, ".c") || has_suffix(spec, ".dsl")) && stat(spec, &st) == 0)
		path = spec;
	if (path) {
		FILE *f = fopen(path, "r");
		if (!f)
			die(EX_USAGE_, "--schema: %s: %s", path, strerror(errno));
		size_t n;
		text = slurp(f, 8u << 20, &n);
		fclose(f);
		if (!text)
			die(EX_USAGE_, "--schema: %s: too large", path);
		src = text;
	}
	mlm_schema *s = mlm_schema_parse(src, err, sizeof err);
	if (!s)
		die(EX_USAGE_, "--schema: %s%s%s", path ? path : "", path ? ": " : "", err);
	free(text);
	return s;
}

void
tool_free_schema(mlm_schema *s)
{
	mlm_schema_free(s);
}
