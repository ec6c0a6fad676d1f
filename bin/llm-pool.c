/*
 * llm-pool — build, validate, filter, probe and show the state of a pool.
 *
 * With no input it builds the pool from the environment and .env; with
 * FILEs or a pipe it reads pool lines, validates them, fills defaults and
 * drops duplicates. Output is one NDJSON entry per line, without keys.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tool.h"

static const char usage_text[] =
"usage: llm-pool [-hv] [--env file] [--provider glob] [--model glob] [--quota glob]\n"
"                [--check [--live]] [--status] [--reset [id]] [--with-keys]\n"
"                [--timeout dur] [--catalog[=file]] [--discover]\n"
"                [file ...]\n";

static void
usage(int code)
{
	fputs(usage_text, code ? stderr : stdout);
	if (!code)
		fputs("\n"
"Build the pool from the environment and .env, or read pool lines from FILEs or\n"
"a pipe; validate, fill defaults, drop duplicates, filter, and write NDJSON.\n\n"
"      --env FILE        read variables from FILE too (over ./.env)\n"
"      --provider GLOB   keep entries of matching providers\n"
"      --model GLOB      keep entries whose model matches\n"
"      --quota GLOB      keep entries whose quota owner matches\n"
"      --check           probe every entry with a minimal request; annotate it\n"
"      --live            with --check: keep only entries that answered\n"
"      --status          show the scheduler state (a table on a terminal)\n"
"      --reset [ID]      clear the scheduler state (of entry ID, or all)\n"
"      --with-keys       write inline keys back (never to a terminal)\n"
"      --timeout DUR     --check time limit per entry (default 20s)\n"
"      --catalog[=FILE]  print the merged provider catalog (with FILE on top)\n"
"      --discover        ask each provider for its models; cache the free ones\n"
"  -v, --verbose         say what was read and dropped\n"
"      --version         print the name and version, and exit\n"
"  -h, --help            this help\n\n"
"Exit status: 0 success, 1 --check found failing entries or --discover a\n"
"provider that did not answer, 2 usage, 65 bad pool line, 78 configuration.\n", stdout);
	exit(code);
}

enum { O_QUOTA = 256, O_CHECK, O_LIVE, O_STATUS, O_RESET,
	O_WITHKEYS, O_TIMEOUT, O_CATALOG, O_DISCOVER };

static const struct option longopts[] = {
	TOOL_POOL_OPTIONS,
	{ "catalog", optional_argument, NULL, O_CATALOG },
	{ "check", no_argument, NULL, O_CHECK },
	{ "discover", no_argument, NULL, O_DISCOVER },
	{ "help", no_argument, NULL, 'h' },
	{ "live", no_argument, NULL, O_LIVE },
	{ "quota", required_argument, NULL, O_QUOTA },
	{ "reset", optional_argument, NULL, O_RESET },
	{ "status", no_argument, NULL, O_STATUS },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "version", no_argument, NULL, O_VERSION },
	{ "with-keys", no_argument, NULL, O_WITHKEYS },
	{ NULL, 0, NULL, 0 },
};

struct probe { jv *slot; int done; };

static void
dup_dropped(void *u, const char *origin)
{
	warnmsg("%s: duplicate entry dropped", origin);
}

static void
probe_done(void *u, mlm_result *r)
{
	struct probe *p = u;
	jv c = jv_object();
	c = jv_object_set(c, jv_string("ok"), jv_bool(r->ok));
	c = jv_object_set(c, jv_string("kind"), jv_string(mlm_kind_name(r->kind)));
	int n = jv_array_length(jv_copy(r->attempts));
	if (n > 0) {
		jv a = jv_array_get(jv_copy(r->attempts), n - 1);
		c = jv_object_set(c, jv_string("status"), jv_object_get(jv_copy(a), jv_string("status")));
		c = jv_object_set(c, jv_string("ms"), jv_object_get(a, jv_string("ms")));
	}
	if (!r->ok)
		c = jv_object_set(c, jv_string("message"), jv_string(r->msg));
	*p->slot = c;
	p->done = 1;
}

static void
status_bar(char *out, size_t n, double used, double limit)
{
	int w = 10, fill = limit > 0 ? (int)lround(fmin(1, used / limit) * w) : 0;
	size_t k = 0;
	out[k++] = '[';
	for (int i = 0; i < w && k + 2 < n; i++)
		out[k++] = i < fill ? '#' : '.';
	out[k++] = ']';
	out[k] = 0;
}

/* A line of the windows beyond the MINUTE and DAY columns, used/limit. */
static void
status_windows(const mlm_srec *r, const mlm_entry *e, int64_t now)
{
	jv a = mlm_win_status_json(&r[2], &e->lim, now);
	int n = jv_array_length(jv_copy(a)), shown = 0;
	for (int i = 0; i < n; i++) {
		jv x = jv_array_get(jv_copy(a), i);
		jv k = jv_object_get(jv_copy(x), jv_string("window"));
		jv u = jv_object_get(jv_copy(x), jv_string("used"));
		jv l = jv_object_get(x, jv_string("limit"));
		const char *ks = jv_string_value(k);
		if (strcmp(ks, "rpm") && strcmp(ks, "rpd"))
			printf("%s%s %.0f/%.0f", shown++ ? "  " : "    windows: ", ks, jv_number_value(u),
			    jv_number_value(l));
		jv_free(k), jv_free(u), jv_free(l);
	}
	if (shown)
		putchar('\n');
	jv_free(a);
}

static void
show_status(tool_pool *t, int table)
{
	int64_t now = mlm_now_ms();
	mlm_sched_batch(t->sched, 1);     /* one transaction: one picture */
	if (table)
		printf("%-40s %-9s %-8s %-16s %-16s %5s %7s %7s\n", "ENTRY", "STATE", "LEFT",
		    "MINUTE", "DAY", "FLY", "LAT", "OK%");
	for (size_t i = 0; i < t->pool.n; i++) {
		mlm_entry *e = &t->pool.v[i];
		if (!table) {
			out_json(mlm_sched_status_json(t->sched, e, (int)i, now), 0);
			continue;
		}
		mlm_entry_status st;
		mlm_sched_entry_status(t->sched, (int)i, now, &st);
		const mlm_srec *r = st.r, *w = st.which >= 0 ? &r[st.which] : NULL;
		double minute = ceil(mlm_srec_minute(&r[2], now) - 1e-9);
		double day = (now - r[2].day_start) < 86400000 ? r[2].day_count : 0;
		double okp = r[0].n_ok + r[0].n_err ?
		    100.0 * (double)r[0].n_ok / (double)(r[0].n_ok + r[0].n_err) : -1;
		double rpm = (double)e->lim.rpm;
		if (r[2].learned_rpm > 0 && (rpm == 0 || r[2].learned_rpm < rpm))
			rpm = r[2].learned_rpm;
		char left[32] = "", mb[32], db[32], mcol[40], dcol[40];
		if (w)
			snprintf(left, sizeof left, "%.0fs", (double)(w->until_ms - now) / 1000);
		status_bar(mb, sizeof mb, minute, rpm);
		status_bar(db, sizeof db, day, (double)e->lim.rpd);
		snprintf(mcol, sizeof mcol, "%s%.0f/%.0f", mb, minute, rpm);
		snprintf(dcol, sizeof dcol, "%s%.0f/%ld", db, day, e->lim.rpd);
		printf("%-40.40s %-9s %-8s %-16s %-16s %5ld %6.0fms", e->id, st.state, left,
		    rpm > 0 ? mcol : "-", e->lim.rpd ? dcol : "-", r[2].inflight, r[0].lat_ms);
		if (okp >= 0)
			printf(" %6.0f%%\n", okp);
		else
			printf(" %7s\n", "-");
		if (w)
			printf("    %s: %s%s%s\n", st.scope[st.which], w->kind, *w->why ? ": " : "", w->why);
		else if (st.win_full)
			printf("    %s: quota_exhausted: %s\n", st.scope[2], st.win_why);
		status_windows(r, e, now);
	}
	mlm_sched_batch(t->sched, 0);
}

/* On a terminal the pool is a table; NDJSON goes to pipes and files. */
static void
table_head(int check)
{
	printf("%-36s %-10s %-28s %-20s %-20s %6s %6s%s\n", "ENTRY", "PROVIDER", "MODEL", "KEY",
	    "QUOTA", "RPM", "RPD", check ? "  CHECK" : "");
}

/* one entry (its check, borrowed, when probed; with live, only if it
 * passed); returns whether it passed */
static int
table_row(const mlm_entry *e, jv c, int live)
{
	int good = 1;
	if (jv_is_valid(c)) {
		jv ok = jv_object_get(jv_copy(c), jv_string("ok"));
		good = jv_get_kind(ok) == JV_KIND_TRUE;
		jv_free(ok);
	}
	if (live && !good)
		return good;
	char rpm[24] = "-", rpd[24] = "-";
	if (e->lim.rpm)
		snprintf(rpm, sizeof rpm, "%ld", e->lim.rpm);
	if (e->lim.rpd)
		snprintf(rpd, sizeof rpd, "%ld", e->lim.rpd);
	const char *key = e->key_env ? e->key_env : e->key_cmd ? "(command)" : e->key ? "(inline)" : "-";
	printf("%-36s %-10s %-28s %-20s %-20s %6s %6s", e->id, e->provider, e->model, key,
	    e->quota ? e->quota : "-", rpm, rpd);
	if (jv_is_valid(c)) {
		jv kind = jv_object_get(jv_copy(c), jv_string("kind"));
		jv ms = jv_object_get(jv_copy(c), jv_string("ms"));
		if (good)
			printf("  ok %.0f ms", jv_get_kind(ms) == JV_KIND_NUMBER ? jv_number_value(ms) : 0);
		else
			printf("  %s", jv_get_kind(kind) == JV_KIND_STRING ? jv_string_value(kind) : "failed");
		jv_free(kind), jv_free(ms);
	}
	putchar('\n');
	return good;
}

/* the options */
static struct {
	const char *quota, *reset_id;
	int check, live, status, reset, with_keys, catalog, discover;
	long timeout_ms;
} opt = { .timeout_ms = 20000 };

static void
parse_options(tool_pool *t, int argc, char **argv)
{
	int c;
	while ((c = getopt_long(argc, argv, "hv", longopts, NULL)) != -1) {
		if (tool_pool_opt(t, c, optarg))
			continue;
		switch (c) {
		case 'h': usage(0); break;
		case O_VERSION: tool_version();
		case O_QUOTA: opt.quota = optarg; break;
		case O_CHECK: opt.check = 1; break;
		case O_LIVE: opt.live = 1; break;
		case O_STATUS: opt.status = 1; break;
		case O_RESET:
			opt.reset = 1;
			if (!optarg && optind < argc && argv[optind][0] != '-' && access(argv[optind], F_OK) != 0)
				optarg = argv[optind++];
			opt.reset_id = optarg;
			break;
		case O_WITHKEYS: opt.with_keys = 1; break;
		case O_TIMEOUT: opt.timeout_ms = opt_duration_ms("--timeout", optarg); break;
		case O_CATALOG:
			opt.catalog = 1;
			mlm_catalog_add_file(optarg);
			break;
		case O_DISCOVER: opt.discover = 1; break;
		default: usage(2);
		}
	}
}

/* The pool: pool lines from FILEs or a pipe/file on stdin, else the
 * variables; then only the entries the filters match. */
static void
read_pool(tool_pool *t, int argc, char **argv)
{
	char err[MLM_ERRLEN];
	struct stat st;
	int from_stdin = argc == 0 && fstat(0, &st) == 0 &&
	    (S_ISFIFO(st.st_mode) || S_ISREG(st.st_mode) || S_ISSOCK(st.st_mode));
	if (t->verbose)
		t->list_env = 1;
	tool_env_load(t);
	tool_env_defaults(t);
	if (argc || from_stdin) {
		for (int i = 0; i < (argc ? argc : 1); i++) {
			const char *f = argc ? argv[i] : "-";
			size_t first = t->pool.n;
			int r = mlm_pool_load_cb(&t->pool, f, t->verbose ? dup_dropped : NULL, NULL, err,
			    sizeof err);
			if (r < 0)
				die(r == -2 ? EX_CONFIG_ : EX_DATA, "%s", err);
			tool_warn_key_file(f, &t->pool, first);
		}
		tool_env_report(t, 1);
	} else {
		int r = mlm_pool_from_env(&t->pool, t->env, err, sizeof err);
		tool_env_report(t, 0);
		if (r < 0)
			tool_die_no_pool(t, err);
	}
	unsigned char *keep = calloc(t->pool.n + 1, 1);
	for (size_t i = 0; i < t->pool.n; i++)
		keep[i] = mlm_glob(t->provider, t->pool.v[i].provider) &&
		    mlm_glob(t->model, t->pool.v[i].model) && mlm_glob(opt.quota, t->pool.v[i].quota);
	mlm_pool_filter(&t->pool, keep);
	free(keep);
}

/* --check: one probe per entry, all at once; the check records (owned). */
static jv *
check_all(tool_pool *t)
{
	char err[MLM_ERRLEN];
	t->engine = mlm_engine_new(&t->pool, t->sched, err, sizeof err);
	if (!t->engine)
		die(EX_CONFIG_, "%s", err);
	jv *checks = calloc(t->pool.n + 1, sizeof *checks);
	struct probe *pr = calloc(t->pool.n + 1, sizeof *pr);
	for (size_t i = 0; i < t->pool.n; i++) {
		mlm_call_opts o;
		mlm_call_opts_init(&o);
		o.max_attempts = 1;
		/* entries that share a concurrency limit take turns */
		o.max_wait_ms = opt.timeout_ms;
		o.total_ms = o.first_byte_ms = opt.timeout_ms;
		o.pick.entry = t->pool.v[i].id;
		o.pick.ignore_state = 1;    /* dead and cooling entries are probed too */
		checks[i] = jv_null();
		pr[i].slot = &checks[i];
		jv req = mlm_req_prompt(NULL, "Reply with the word ok.");
		req = jv_object_set(req, jv_string("max_tokens"), jv_number(1));
		mlm_engine_submit(t->engine, req, &o, probe_done, NULL, &pr[i]);
	}
	while (mlm_engine_active(t->engine))
		mlm_engine_run(t->engine, 200);
	free(pr);
	return checks;
}

/* The entries: a table on a terminal, else NDJSON; with checks, each
 * entry's (consumed). The exit code. */
static int
print_entries(tool_pool *t, jv *checks)
{
	int code = 0, check = checks != NULL, live = opt.live;
	int table = isatty(1) && !opt.with_keys;
	if (table)
		table_head(check);
	for (size_t i = 0; i < t->pool.n; i++) {
		if (table) {
			int good = table_row(&t->pool.v[i], check ? checks[i] : jv_invalid(), live);
			if (!good)
				code = EX_SOMEFAIL;
			if (check)
				jv_free(checks[i]);
			continue;
		}
		jv e = mlm_entry_json(&t->pool.v[i], opt.with_keys);
		if (check) {
			jv ok = jv_object_get(jv_copy(checks[i]), jv_string("ok"));
			int good = jv_get_kind(ok) == JV_KIND_TRUE;
			jv_free(ok);
			if (!good)
				code = EX_SOMEFAIL;
			if (live && !good) {
				jv_free(e);
				jv_free(checks[i]);
				continue;
			}
			e = jv_object_set(e, jv_string("check"), checks[i]);
		}
		out_json(e, 0);
	}
	free(checks);
	return live ? 0 : code;
}

int
main(int argc, char **argv)
{
	prog = "llm-pool";
	tool_pool t = { 0 };
	parse_options(&t, argc, argv);
	argc -= optind;
	argv += optind;
	if (opt.catalog) {
		tool_catalog_print(t.provider, t.model);
		out_close();
		return 0;
	}
	tool_catalog_warn();
	if (opt.live && !opt.check)
		die(EX_USAGE_, "--live goes with --check");
	if (opt.with_keys && isatty(1))
		die(EX_USAGE_, "--with-keys: refusing to write keys to a terminal");
	read_pool(&t, argc, argv);
	int code = 0;
	if (opt.discover) {
		code = tool_discover(&t);
		goto out;
	}
	if (opt.status || opt.reset || opt.check) {
		char err[MLM_ERRLEN];
		if (mlm_setup_state(&t.setup, MLM_STRAT_SMART, err, sizeof err) < 0)
			die(EX_CONFIG_, "%s", err);
		tool_store_warn(&t);
	}
	if (opt.reset && !mlm_sched_reset(t.sched, opt.reset_id) && opt.reset_id)
		die(EX_USAGE_, "--reset: no entry matches '%s'", opt.reset_id);
	if (opt.status)
		show_status(&t, isatty(1));
	else if (!opt.reset)
		code = print_entries(&t, opt.check ? check_all(&t) : NULL);
out:
	tool_pool_close(&t);
	out_close();
	return code;
}
