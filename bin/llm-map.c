/*
 * llm-map — a whole batch through the pool: one result record per input
 * line, many requests in flight from one process, exactly once, resumable.
 *
 * A reader thread turns input lines into a bounded queue; the main thread
 * runs the engine (libcurl multi), submits items as capacity allows, and
 * writes records in input order through a bounded reorder window (or in
 * completion order with -u). With -o FILE the records go to a journal that
 * --resume continues.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jq.h>

#include "tool.h"
#include "fmt.h"
#include "journal.h"
#include "lines.h"
#include "map-embed.h"
#include "map-read.h"
#include "map-resume.h"
#include "map-template.h"
#include "map-progress.h"
#include "tool-calls.h"

#define LINE_MAX_DEFAULT (1u << 20)

static const char usage_text[] =
"usage: llm-map [-huqv] [-j jobs] [-o file [--resume [--retry-failed]]] [-m glob]\n"
"               [-p name] [-s text] [-t temp] [--env file] [--pool file]\n"
"               [--strategy name] [--max-tokens n] [--timeout dur] [--retries n]\n"
"               [--max-wait dur]\n"
"               [--input | --no-input] [--text] [--dry-run] [--cache\n"
"               [--cache-max-age dur]] [--hedge [--hedge-max pct]] [--progress]\n"
"               [--max-line bytes] [--schema spec [--to format] [--multi]]\n"
"               [--log file] [--embed [--dimensions n [--to f32]] [--batch n]\n"
"               [--embed-fallback model]] [--tools file]\n"
"               [template] [file ...]\n";

static void
usage(int code)
{
	fputs(usage_text, code ? stderr : stdout);
	if (!code)
		fputs("\n"
"Run every input line through the pool: TEMPLATE (a jq program, default .)\n"
"turns each line (JSON, or else a string) into a prompt or a request object;\n"
"one result record per input line comes out.\n\n"
"  -j, --jobs N           requests in flight at most (default 8)\n"
"  -u, --unordered        write records as they finish, not in input order\n"
"  -o, --output FILE      write records to FILE as a journal\n"
"      --resume           continue into FILE: inputs already answered are skipped\n"
"      --retry-failed     with --resume: send failed inputs again\n"
"  -s, --system TEXT      system prompt\n"
"  -m, --model GLOB       only entries whose model matches\n"
"  -p, --provider GLOB    only entries of matching providers\n"
"      --strategy NAME    smart, sequential, random, round-robin, weighted,\n"
"                         least-busy, latency, headroom\n"
"  -t, --temperature T    sampling temperature\n"
"      --max-tokens N     output cap\n"
"      --timeout DUR      per-attempt time limit\n"
"      --retries N        attempts per item at most (default 10)\n"
"      --max-wait DUR     longest wait of an item for a cooling entry (default 15m)\n"
"      --input            echo each input into its record\n"
"      --no-input         do not (the default)\n"
"      --text             write only the answer text, one line per input\n"
"      --dry-run          print the requests that would be sent, and stop\n"
"      --cache            answer identical requests from the cache\n"
"      --cache-max-age D  ignore cached answers older than D\n"
"      --hedge            a second attempt elsewhere when one runs past its p95\n"
"      --hedge-max PCT    hedge at most PCT percent of items (default 10)\n"
"      --progress         show progress on stderr (default on a terminal)\n"
"  -q, --quiet            no progress and no summary\n"
"      --max-line BYTES   longer input lines are errors (default 1048576)\n"
"      --schema SPEC      answers in this schema (as llm-fmt); records get \"data\"\n"
"      --to FORMAT        with --schema: print the data as json, c, c-decl, c-value,\n"
"                         sh, tsv, csv, py, go, rs, ts (as llm-fmt --to), not records\n"
"      --multi            with --schema: each answer holds many items\n"
"      --tools FILE       offer the functions of FILE (a JSON array, as llm-ask);\n"
"                         the calls an answer makes go in its record's \"tool_calls\"\n"
"      --embed            embed each input's text: records get \"embedding\"\n"
"      --dimensions N     with --embed: vectors of N dimensions\n"
"                         (--to f32 with -o: the vectors as little-endian\n"
"                         float32 rows on standard output, in input order)\n"
"      --batch N          with --embed: at most N inputs a request (default:\n"
"                         as many as the provider takes)\n"
"      --embed-fallback MODEL\n"
"                         with --embed: MODEL may serve batches the model\n"
"                         failed (repeatable; vectors of models differ)\n"
"      --env FILE         read variables from FILE too (over ./.env)\n"
"      --pool FILE        read the pool from FILE (or LLM_POOL)\n"
"      --log FILE         append one NDJSON line per attempt (or LLM_LOG)\n"
"  -v, --verbose          one stderr line per attempt and decision\n"
"      --version          print the name and version, and exit\n"
"  -h, --help             this help\n\n"
"Exit status: 0 all answered, 1 some items failed, 2 usage, 69 nothing could\n"
"be answered, 75 the journal is in use by another run, 78 configuration,\n"
"130 interrupted.\n", stdout);
	exit(code);
}

enum { O_MAXTOK = 256, O_TIMEOUT, O_RETRIES, O_MAXWAIT, O_INPUT,
	O_NOINPUT, O_TEXT, O_DRYRUN, O_CACHE, O_CACHEAGE, O_HEDGE, O_HEDGEMAX, O_PROGRESS,
	O_RESUME, O_RETRYFAILED, O_MAXLINE, O_SCHEMA, O_MULTI, O_TO, O_EMBED, O_EMBEDFB,
	O_DIMS, O_BATCH, O_TOOLS };

static const struct option longopts[] = {
	TOOL_POOL_OPTIONS,
	TOOL_POOL_FILE_OPTIONS,
	{ "batch", required_argument, NULL, O_BATCH },
	{ "cache", no_argument, NULL, O_CACHE },
	{ "cache-max-age", required_argument, NULL, O_CACHEAGE },
	{ "dimensions", required_argument, NULL, O_DIMS },
	{ "dry-run", no_argument, NULL, O_DRYRUN },
	{ "embed", no_argument, NULL, O_EMBED },
	{ "embed-fallback", required_argument, NULL, O_EMBEDFB },
	{ "hedge", no_argument, NULL, O_HEDGE },
	{ "hedge-max", required_argument, NULL, O_HEDGEMAX },
	{ "help", no_argument, NULL, 'h' },
	{ "input", no_argument, NULL, O_INPUT },
	{ "jobs", required_argument, NULL, 'j' },
	{ "max-line", required_argument, NULL, O_MAXLINE },
	{ "max-tokens", required_argument, NULL, O_MAXTOK },
	{ "multi", no_argument, NULL, O_MULTI },
	{ "no-input", no_argument, NULL, O_NOINPUT },
	{ "output", required_argument, NULL, 'o' },
	{ "progress", no_argument, NULL, O_PROGRESS },
	{ "quiet", no_argument, NULL, 'q' },
	{ "resume", no_argument, NULL, O_RESUME },
	{ "retries", required_argument, NULL, O_RETRIES },
	{ "max-wait", required_argument, NULL, O_MAXWAIT },
	{ "retry-failed", no_argument, NULL, O_RETRYFAILED },
	{ "schema", required_argument, NULL, O_SCHEMA },
	{ "system", required_argument, NULL, 's' },
	{ "temperature", required_argument, NULL, 't' },
	{ "text", no_argument, NULL, O_TEXT },
	{ "timeout", required_argument, NULL, O_TIMEOUT },
	{ "to", required_argument, NULL, O_TO },
	{ "unordered", no_argument, NULL, 'u' },
	{ "tools", required_argument, NULL, O_TOOLS },
	{ "version", no_argument, NULL, O_VERSION },
	{ NULL, 0, NULL, 0 },
};

/* ---- options ---- */
static struct {
	const char *system, *output;
	double temperature;
	long max_tokens, jobs, max_line;
	int unordered, input, text, dry_run, cache, hedge, progress, quiet, resume, retry_failed;
	int multi, to;
	const char *schema;
	mlm_emitter *emit;       /* --to */
	long cache_age_ms;
	double hedge_max;
	int embed;               /* --embed */
	int f32;                 /* --embed --to f32 */
	char *fallback[16];      /* --embed-fallback */
	int nfallback;
	long retries, timeout_ms, max_wait, batch_max;
	const char *tools_file;  /* --tools */
	jv tools;
} opt = { .max_wait = -1, .to = -1, .temperature = -1, .jobs = 8, .max_line = LINE_MAX_DEFAULT, .hedge_max = 10 };

/* ---- items ---- */

enum { I_READY = 0, I_FLIGHT, I_DONE, I_SKIP };

typedef struct item {
	struct item *next;
	long i;
	char *pos;
	char id[17];
	char ckey[65];                  /* --cache: the key, "" none */
	jv input, req, record;
	mlm_buf line;                   /* or the record's text, whether ok, */
	int ok;
	char *answer;                   /* and with --text its answer */
	char *model, *system_override;
	int state;
	long call, hedge_call;
	int hedged;
	int64_t t0;
} item;

static struct {
	item *head, *tail;      /* the window, in input order */
	long n;                 /* items in the window */
	item *ready_head;       /* first item that may be READY (scan start) */
	long inflight;
	long done, ok, failed, skipped, cached, hedges, failovers;
	long unopened;          /* input files that could not be opened */
	long next_i;
	int eof;
	int64_t t0;
} w;

static tool_pool tp;
static jq_state *jq;
static int identity;            /* the template is "." */
static mlm_call_opts base;
static mlm_cache *cache;
static mlm_journal *journal;    /* -o */
static char jq_err[1024];
static void item_done(item *it);
static volatile sig_atomic_t sigs;
static map_embed emb;           /* --embed */

static void
jq_error_cb(void *u, jv msg)
{
	jv s = jv_get_kind(msg) == JV_KIND_STRING ? msg : jv_dump_string(msg, 0);
	/* keep the first message: jq ends with a count ("jq: 1 compile error") */
	if (!jq_err[0])
		snprintf(jq_err, sizeof jq_err, "%s", jv_string_value(s));
	jv_free(s);
}

static jv
error_record(const item *it, const char *kind, const char *msg)
{
	jv r = jv_object();
	r = jv_object_set(r, jv_string("i"), jv_number((double)it->i));
	r = jv_object_set(r, jv_string("id"), jv_string(it->id));
	r = jv_object_set(r, jv_string("ok"), jv_false());
	jv e = jv_object_set(jv_object(), jv_string("kind"), jv_string(kind));
	e = jv_object_set(e, jv_string("message"), jv_string(msg));
	return jv_object_set(r, jv_string("error"), e);
}

static void
item_fail_input(item *it, const char *kind, const char *msg)
{
	if (map_answered(it->i, it->id)) {
		/* resuming: the journal holds this line's record already */
		it->state = I_SKIP;
		w.skipped++;
		return;
	}
	warnmsg("%s: %s", it->pos, msg);
	it->record = error_record(it, kind, msg);
	item_done(it);
}

/* template output → neutral request; returns 0, or -1 with msg */
static int
to_request(item *it, jv out, char *msg, size_t n)
{
	if (opt.embed)
		return map_embed_request(&emb, out, &it->req, msg, n);
	map_template_opts to = { opt.system, opt.temperature, opt.max_tokens, opt.tools };
	return map_template_request(out, &to, &it->model, &it->req, msg, n);
}

/* A line's value: a JSON value when it holds one, else the line as a
 * string. -1 with msg for a line that is no input (NUL, blank, bad UTF-8,
 * broken JSON object or array). */
static int
line_value(const map_line *l, jv *in, char *msg, size_t n)
{
	const char *s = l->text;
	while (*s == ' ' || *s == '\t')
		s++;
	*in = jv_invalid();
	if (memchr(l->text, 0, l->len))
		return snprintf(msg, n, "NUL byte in the line"), -1;
	if ((size_t)(s - l->text) == l->len)    /* nothing to ask, as llm-ask refuses an empty prompt */
		return snprintf(msg, n, "blank line"), -1;
	/* libjq replaces invalid UTF-8 with U+FFFD instead of failing: compare */
	jv u8 = jv_string_sized(l->text, (int)l->len);
	int bad_u8 = (size_t)jv_string_length_bytes(jv_copy(u8)) != l->len ||
	    memcmp(jv_string_value(u8), l->text, l->len);
	jv_free(u8);
	if (bad_u8)
		return snprintf(msg, n, "the line is not valid UTF-8"), -1;
	if (l->len)
		*in = jv_parse_sized(l->text, (int)l->len);
	if (jv_is_valid(*in))
		return 0;
	jv m = jv_invalid_get_msg(*in);
	*in = jv_invalid();
	if (*s == '{' || *s == '[') {
		snprintf(msg, n, "invalid JSON: %s", jv_get_kind(m) == JV_KIND_STRING ? jv_string_value(m) : "?");
		/* jq quotes the input in its message; keep the line short */
		char *w = strstr(msg, " (while parsing");
		if (w)
			*w = 0;
		jv_free(m);
		return -1;
	}
	jv_free(m);
	*in = jv_string_sized(l->text, (int)l->len);
	if (jv_is_valid(*in))
		return 0;
	jv_free(*in);
	*in = jv_invalid();
	return snprintf(msg, n, "the line is not valid UTF-8"), -1;
}

/* --cache: the record of an identical request made before, as this item's
 * (done); 0 when there is none. */
static int
from_cache(item *it)
{
	if (cache && mlm_cache_key(it->req, tp.model, tp.provider, base.schema, base.multi, it->ckey) < 0)
		it->ckey[0] = 0;
	if (!it->ckey[0])
		return 0;
	jv rec = mlm_cache_get(cache, it->ckey, opt.cache_age_ms);
	if (!jv_is_valid(rec)) {
		jv_free(rec);
		return 0;
	}
	/* the cached record is another item's: make it this one's */
	rec = jv_object_set(rec, jv_string("i"), jv_number((double)it->i));
	rec = jv_object_delete(rec, jv_string("input"));
	if (opt.input)
		rec = jv_object_set(rec, jv_string("input"), jv_copy(it->input));
	rec = jv_object_set(rec, jv_string("cached"), jv_true());
	rec = jv_object_set(rec, jv_string("ms"), jv_number(0));
	it->record = rec;
	item_done(it);
	w.cached++;
	return 1;
}

static item *
make_item(map_line *l)
{
	item *it = calloc(1, sizeof *it);
	it->i = l->i;
	it->pos = l->pos;
	l->pos = NULL;
	it->input = jv_null();
	it->req = jv_invalid();
	it->record = jv_invalid();
	char msg[1200];
	if (l->i < 0) {
		/* a file that could not be opened or read: no input line, no record */
		warnmsg("%s", it->pos);
		it->state = I_SKIP;
		it->i = -1;
		w.unopened++;
		return it;
	}
	if (l->toolong) {
		mlm_hash_hex(it->pos, strlen(it->pos), it->id);
		snprintf(msg, sizeof msg, "line longer than %ld bytes (%zu)", opt.max_line, l->len);
		item_fail_input(it, "bad_input", msg);
		return it;
	}
	mlm_hash_hex(l->text, l->len, it->id);
	jv in;
	if (line_value(l, &in, msg, sizeof msg) < 0) {
		item_fail_input(it, "bad_input", msg);
		return it;
	}
	if (opt.input)
		it->input = jv_copy(in);
	jq_err[0] = 0;
	jv out;
	if (identity) {
		out = in;       /* the template "." needs no interpreter */
	} else {
		jq_start(jq, in, 0);
		out = jq_next(jq);
	}
	if (!jv_is_valid(out)) {
		jv m = jv_invalid_get_msg(out);
		if (jv_get_kind(m) == JV_KIND_STRING)
			snprintf(msg, sizeof msg, "template: %s", jv_string_value(m));
		else if (jq_err[0])
			snprintf(msg, sizeof msg, "template: %s", jq_err);
		else
			snprintf(msg, sizeof msg, "template: yields no value");
		jv_free(m);
		item_fail_input(it, "template", msg);
		return it;
	}
	/* only the first output counts; drain the rest */
	for (jv more = identity ? jv_invalid() : jq_next(jq); jv_is_valid(more); more = jq_next(jq))
		jv_free(more);
	if (to_request(it, out, msg, sizeof msg) < 0) {
		item_fail_input(it, "template", msg);
		return it;
	}
	mlm_req_hash(it->req, it->id);
	if (map_answered(it->i, it->id)) {
		it->state = I_SKIP;
		w.skipped++;
		return it;
	}
	if (!from_cache(it))
		it->state = I_READY;
	return it;
}

static void
item_free(item *it)
{
	jv_free(it->input);
	jv_free(it->req);
	jv_free(it->record);
	mlm_buf_free(&it->line);
	free(it->answer);
	free(it->model);
	free(it->pos);
	free(it);
}

/* ---- output ---- */

/* --text: one answer on one line, its newlines and backslashes escaped */
static void
text_line(const char *s, size_t n)
{
	mlm_buf b = { 0 };
	b.max = 2 * n + 1 > MLM_BUF_DEFAULT_MAX ? 2 * n + 1 : 0;   /* room for every escape */
	int cut = mlm_buf_add(&b, "", 0);
	for (size_t k = 0; k < n && !cut; k++) {
		if (s[k] == '\n')
			cut |= mlm_buf_add(&b, "\\n", 2);
		else if (s[k] == '\\')
			cut |= mlm_buf_add(&b, "\\\\", 2);
		else if (s[k] == '\r')
			cut |= mlm_buf_add(&b, "\\r", 2);
		else
			cut |= mlm_buf_add(&b, s + k, 1);
	}
	if (cut)	/* never a cut answer on standard output */
		die(EX_SOMEFAIL, "standard output: out of memory for an answer of %zu bytes", n);
	out_line(b.p, b.len, 0);
	mlm_buf_free(&b);
}

/*
 * An item has its record: as text, and at once in the journal, with one
 * write(2), whatever the reorder window still holds back for standard
 * output, so that a crash loses no answer that came back.
 */
static void
item_done(item *it)
{
	it->state = I_DONE;
	if (!it->line.p) {
		/* a record built here (bad input, template, cache): its text */
		jv r = it->record;
		it->record = jv_invalid();
		jv ok = mlm_jfield(r, "ok");
		it->ok = jv_get_kind(ok) == JV_KIND_TRUE;
		jv_free(ok);
		jv t = mlm_jfield(r, "text");
		if (opt.text && jv_get_kind(t) == JV_KIND_STRING)
			it->answer = mlm_strndup(jv_string_value(t), (size_t)jv_string_length_bytes(jv_copy(t)));
		jv_free(t);
		if (mlm_json_dump(&it->line, r) < 0)
			die(EX_SOMEFAIL, "out of memory writing record %ld", it->i);
		jv_free(r);
	}
	if (!journal || opt.dry_run)
		return;
	char err[MLM_ERRLEN];
	if (mlm_buf_add(&it->line, "\n", 1) < 0)
		die(EX_SOMEFAIL, "out of memory writing record %ld", it->i);
	if (mlm_journal_append(journal, it->line.p, it->line.len, err, sizeof err) < 0)
		die(EX_SOMEFAIL, "%s; --resume redoes the rest", err);
}

/* In output order: the counts, and standard output (the records, or with
 * --text the answers; with -o the records are in the journal already). */
static void
write_record(item *it)
{
	if (it->ok)
		w.ok++;
	else
		w.failed++;
	w.done++;
	if (opt.f32) {
		if (map_embed_f32(stdout, it->line.p, it->line.len, emb.dims) < 0)
			die(EX_SOMEFAIL, "standard output: %s", strerror(errno));
	} else if (opt.emit)
		tool_to_record(opt.emit, jv_invalid(), it->line.p, it->line.len, opt.multi);
	else if (opt.text)
		text_line(it->answer ? it->answer : "", it->answer ? strlen(it->answer) : 0);
	else if (!journal || opt.dry_run)
		out_line(it->line.p, it->line.len, 0);
	mlm_buf_free(&it->line);
}

static void
flush_window(void)
{
	/* ordered: from the head while done; unordered: every done item */
	item **pp = &w.head, *prev = NULL;
	while (*pp) {
		item *it = *pp;
		if (it->state == I_DONE || it->state == I_SKIP) {
			if (it->state == I_DONE)
				write_record(it);
			*pp = it->next;
			if (w.tail == it)
				w.tail = prev;
			if (w.ready_head == it)
				w.ready_head = it->next;
			w.n--;
			item_free(it);
			continue;
		}
		if (!opt.unordered)
			break;
		prev = it;
		pp = &it->next;
	}
}

/* ---- calls ---- */

static void
call_done(void *u, mlm_result *r)
{
	item *it = u;
	if (it->state != I_FLIGHT)
		return;         /* the other half of a hedge already won */
	if (!r->ok && it->hedge_call && it->call && r->kind == MLM_TIMEOUT && !strcmp(r->msg, "cancelled"))
		return;
	w.inflight--;
	/* the record's text, "i" and "id" first, then the result */
	mlm_buf *b = &it->line;
	int e = mlm_buf_puts(b, "{\"i\":") | mlm_json_num(b, (double)it->i) |
	    mlm_buf_puts(b, ",\"id\":\"") | mlm_buf_puts(b, it->id) | mlm_buf_puts(b, "\"");
	e |= mlm_result_write(b, r);
	if (it->hedged)
		e |= mlm_buf_puts(b, ",\"hedged\":true");
	if (opt.input) {
		e |= mlm_buf_puts(b, ",\"input\":");
		e |= mlm_json_dump(b, it->input);
	}
	e |= mlm_buf_puts(b, "}");
	if (opt.text && r->ok && !(it->answer = mlm_strdup(r->text ? r->text : "")))
		e = -1;
	if (e)
		die(EX_SOMEFAIL, "out of memory writing record %ld", it->i);
	it->ok = r->ok;
	if (r->ok) {
		map_progress_provider(r->entry->provider);
		if (it->ckey[0])
			mlm_cache_put(cache, it->ckey, b->p, b->len);
	}
	if (r->nattempts > 1)
		w.failovers++;
	item_done(it);
	/* a hedge: cancel the other call */
	if (it->hedge_call) {
		long other = it->hedge_call;
		it->hedge_call = 0;
		long c = it->call;
		it->call = 0;
		/* whichever finished, cancel both ids; the finished one is gone already */
		if (c)
			mlm_engine_cancel(tp.engine, c);
		if (other)
			mlm_engine_cancel(tp.engine, other);
	}
}

static void
submit(item *it)
{
	mlm_call_opts o = base;
	if (it->model)
		o.pick.model = it->model;
	jv req = jv_copy(it->req);
	if (it->model)          /* the model travels as a pick, not in the body */
		req = jv_object_delete(req, jv_string("model"));
	it->state = I_FLIGHT;
	it->t0 = mlm_mono_ms();
	w.inflight++;
	it->call = mlm_engine_submit(tp.engine, req, &o, call_done, NULL, it);
}

/* ---- --embed: inputs in batches ---- */

typedef struct ebatch {
	int n, model;           /* items, and the index of the model asked */
	item *v[];
} ebatch;
static long embed_calls;
static int64_t last_input;

static void embed_done(void *u, mlm_result *r);

static void
embed_call(ebatch *b)
{
	jv texts = jv_array();
	long tok = 0;
	for (int k = 0; k < b->n; k++) {
		texts = jv_array_append(texts, jv_array_get(mlm_jfield(b->v[k]->req, "embed"), 0));
		tok += map_embed_tokens(b->v[k]->req);
	}
	mlm_call_opts o = base;
	o.pick.model = emb.models[b->model];
	o.pick.need_tokens = map_embed_need(&emb, tok);    /* paced under tokens/minute */
	long id = mlm_engine_submit(tp.engine, map_embed_batch_req(&emb, texts), &o, embed_done,
	    NULL, b);
	for (int k = 0; k < b->n; k++)
		b->v[k]->call = id;
}

/* Ready items in input order, packed up to the inputs and tokens a
 * request takes (map_embed_fits). flush: 2 at the end of input, 1 with
 * the window full. */
static void
embed_submit(int flush)
{
	while (embed_calls < opt.jobs) {
		ebatch *b = malloc(sizeof *b + (size_t)emb.batch * sizeof b->v[0]);
		if (!b)
			die(EX_SOMEFAIL, "out of memory");
		b->n = 0;
		b->model = 0;
		long tok = 0;
		int tok_full = 0;
		for (item *it = w.ready_head; it && b->n < emb.batch; it = it->next) {
			if (it->state != I_READY)
				continue;
			long t = map_embed_tokens(it->req);
			if (!map_embed_fits(&emb, b->n, tok, t)) {
				tok_full = 1;
				break;
			}
			tok += t;
			b->v[b->n++] = it;
			if (map_embed_alone(&emb, t)) {
				tok_full = 1;   /* over the per-input limit: a request of its own */
				break;
			}
		}
		/* a small batch: at the end of input; with the window full only
		 * when nothing is in flight to free it; when input stalls */
		int small_ok = flush == 2 || (flush == 1 ? embed_calls == 0 :
		    mlm_mono_ms() - last_input >= 200);
		if (!b->n || (b->n < emb.batch && !tok_full && !small_ok)) {
			free(b);
			return;
		}
		for (int k = 0; k < b->n; k++) {
			b->v[k]->state = I_FLIGHT;
			b->v[k]->t0 = mlm_mono_ms();
		}
		w.inflight += b->n;
		embed_calls++;
		embed_call(b);
	}
}

static void
embed_done(void *u, mlm_result *r)
{
	ebatch *b = u;
	if (!r->ok && sigs) {
		/* interrupted: no record, --resume asks again */
		for (int k = 0; k < b->n; k++)
			b->v[k]->state = I_SKIP;
		goto out;
	}
	if (!r->ok && b->n > 1 && (r->kind == MLM_INVALID_REQUEST || r->kind == MLM_TOO_LARGE)) {
		/* one input may be to blame (too long, refused): halve the batch
		 * until it is found, so that the others are embedded */
		int h = b->n / 2;
		ebatch *c = malloc(sizeof *c + (size_t)(b->n - h) * sizeof c->v[0]);
		if (!c)
			die(EX_SOMEFAIL, "out of memory");
		c->n = b->n - h;
		c->model = b->model;
		memcpy(c->v, b->v + h, (size_t)c->n * sizeof c->v[0]);
		b->n = h;
		embed_calls++;
		embed_call(b);
		embed_call(c);
		return;
	}
	if (!r->ok && b->model + 1 < emb.nmodels) {
		b->model++;     /* every entry of this model failed it: the next model */
		embed_call(b);
		return;
	}
	char why[300];
	if (!r->ok && b->n == 1 && map_embed_note_limit(&emb, &tp.pool, r, b->model,
	    map_embed_tokens(b->v[0]->req), why, sizeof why))
		warnmsg("%s: %s", b->v[0]->pos, why);   /* bad input, as a bad line is */
	jv vecs = r->ok ? jv_parse(r->text) : jv_null();
	for (int k = 0; k < b->n; k++) {
		item *it = b->v[k];
		if (it->state != I_FLIGHT)
			continue;
		mlm_buf *l = &it->line;
		int e = mlm_buf_printf(l, "{\"i\":%ld,\"id\":\"%s\"", it->i, it->id);
		e |= map_embed_record(l, r, vecs, k, b->n);
		if (opt.input) {
			e |= mlm_buf_puts(l, ",\"input\":");
			e |= mlm_json_dump(l, it->input);
		}
		e |= mlm_buf_puts(l, "}");
		if (e)
			die(EX_SOMEFAIL, "out of memory writing record %ld", it->i);
		it->ok = r->ok;
		if (r->ok) {
			map_progress_provider(r->entry->provider);
			if (it->ckey[0])
				mlm_cache_put(cache, it->ckey, l->p, l->len);
		}
		if (r->nattempts > 1 || b->model)
			w.failovers++;
		item_done(it);
	}
	jv_free(vecs);
out:
	w.inflight -= b->n;
	embed_calls--;
	free(b);
}

/* --embed: the model of the run (exit 2 for a mix, 78 for none) */
static void
embed_open(const char *glob)
{
	char err[MLM_ERRLEN];
	int r = map_embed_models(&emb, &tp.pool, glob ? glob : tp.model, tp.provider, opt.fallback,
	    opt.nfallback, err, sizeof err);
	if (r < 0)
		die(r == -1 ? EX_USAGE_ : EX_CONFIG_, "%s", err);
}

static void
maybe_hedge(void)
{
	if (!opt.hedge)
		return;
	int64_t now = mlm_mono_ms();
	long seen = w.done + w.inflight;
	for (item *it = w.head; it; it = it->next) {
		if (it->state != I_FLIGHT || it->hedged || !it->call)
			continue;
		if ((double)(w.hedges + 1) > opt.hedge_max / 100.0 * (double)(seen > 0 ? seen : 1))
			return;
		int idx;
		int64_t st;
		if (mlm_engine_call_attempt(tp.engine, it->call, &idx, &st) < 0)
			continue;
		double p95 = mlm_sched_p95(tp.sched, idx);
		if (p95 < 0 || (double)(now - st) < p95 || now - st < 50)
			continue;
		mlm_call_opts o = base;
		if (it->model)
			o.pick.model = it->model;
		o.pick.avoid_owner = tp.pool.v[idx].quota;
		jv req = jv_object_delete(jv_copy(it->req), jv_string("model"));
		it->hedged = 1;
		w.hedges++;
		/* the item still counts once in flight: the first call to finish wins */
		it->hedge_call = mlm_engine_submit(tp.engine, req, &o, call_done, NULL, it);
	}
}

static void
on_signal(int sig)
{
	(void)sig;
	sigs++;
	map_read_wakeup();
}

static void
progress(int final)
{
	map_counts c = { w.done, w.ok, w.failed, w.skipped, w.cached, w.failovers, w.t0 };
	map_progress(final, &c);
}

/* ---- dry run ---- */

static void
dry_run(item *it)
{
	if (it->state == I_DONE) {
		write_record(it);
		return;
	}
	if (it->state != I_READY)
		return;
	jv o = jv_object();
	o = jv_object_set(o, jv_string("i"), jv_number((double)it->i));
	o = jv_object_set(o, jv_string("id"), jv_string(it->id));
	o = jv_object_set(o, jv_string("request"), jv_copy(it->req));
	for (size_t k = 0; k < tp.pool.n; k++) {
		mlm_entry *e = &tp.pool.v[k];
		if (!mlm_glob(opt.embed ? emb.models[0] : it->model ? it->model : base.pick.model, e->model))
			continue;
		mlm_httpreq hr;
		memset(&hr, 0, sizeof hr);
		char err[MLM_ERRLEN];
		jv req = jv_object_delete(jv_copy(it->req), jv_string("model"));
		if (mlm_adapter_for(e->wire, req)->build(e, "KEY-NOT-SHOWN", req, 0, &hr, err, sizeof err) == 0) {
			o = jv_object_set(o, jv_string("entry"), jv_string(e->id));
			o = jv_object_set(o, jv_string("url"), jv_string(hr.shown_url ? hr.shown_url : hr.url));
			o = jv_object_set(o, jv_string("body"), jv_parse(hr.body));
		}
		jv_free(req);
		mlm_httpreq_free(&hr);
		break;
	}
	out_json(o, 0);
	w.done++;
}

/* The options into opt, tp and emb; dies on a bad one. */
static void
parse_options(int argc, char **argv)
{
	int c;
	while ((c = getopt_long(argc, argv, "hj:m:o:p:qs:t:uv", longopts, NULL)) != -1) {
		if (tool_pool_opt(&tp, c, optarg))
			continue;
		switch (c) {
		case 'h': usage(0); break;
		case O_VERSION: tool_version();
		case 'j': opt.jobs = opt_long("--jobs", optarg, 1, 4096); break;
		case 'o': opt.output = optarg; break;
		case 'q': opt.quiet = 1; break;
		case 's': opt.system = optarg; break;
		case 't': opt.temperature = opt_double("--temperature", optarg, 0, 2); break;
		case 'u': opt.unordered = 1; break;
		case O_MAXTOK: opt.max_tokens = opt_long("--max-tokens", optarg, 1, 10000000); break;
		case O_TIMEOUT: opt.timeout_ms = opt_duration_ms("--timeout", optarg); break;
		case O_RETRIES: opt.retries = opt_long("--retries", optarg, 1, 1000); break;
		case O_MAXWAIT: opt.max_wait = opt_duration_ms("--max-wait", optarg); break;
		case O_INPUT: opt.input = 1; break;
		case O_NOINPUT: opt.input = 0; break;
		case O_TEXT: opt.text = 1; break;
		case O_DRYRUN: opt.dry_run = 1; break;
		case O_CACHE: opt.cache = 1; break;
		case O_CACHEAGE: opt.cache_age_ms = opt_duration_ms("--cache-max-age", optarg); break;
		case O_HEDGE: opt.hedge = 1; break;
		case O_HEDGEMAX: opt.hedge_max = opt_double("--hedge-max", optarg, 0, 100); break;
		case O_PROGRESS: opt.progress = 1; break;
		case O_RESUME: opt.resume = 1; break;
		case O_RETRYFAILED: opt.retry_failed = 1; break;
		case O_MAXLINE: opt.max_line = opt_long("--max-line", optarg, 16, 1L << 30); break;
		case O_SCHEMA: opt.schema = optarg; break;
		case O_MULTI: opt.multi = 1; break;
		case O_EMBED: opt.embed = 1; break;
		case O_DIMS: emb.dims = opt_long("--dimensions", optarg, 1, 65536); break;
		case O_BATCH: opt.batch_max = opt_long("--batch", optarg, 1, 100000); break;
		case O_TOOLS: opt.tools_file = optarg; break;
		case O_EMBEDFB:
			if (opt.nfallback == 16)
				die(EX_USAGE_, "--embed-fallback: at most 16 models");
			opt.fallback[opt.nfallback++] = optarg;
			break;
		case O_TO:
			if (!strcmp(optarg, "f32")) {
				opt.f32 = 1;    /* --embed: float32 rows */
				break;
			}
			if ((opt.to = mlm_fmt_to_parse(optarg)) < 0)
				die(EX_USAGE_, "--to: unknown format '%s' (json, c, c-decl, c-value, sh, "
				    "tsv, csv, py, go, rs, ts)", optarg);
			break;
		default: usage(2);
		}
	}
}

/* The options that do not go together (2), before anything is opened. */
static void
check_options(void)
{
	if (opt.resume && !opt.output)
		die(EX_USAGE_, "--resume needs -o FILE");
	if (opt.retry_failed && !opt.resume)
		die(EX_USAGE_, "--retry-failed goes with --resume");
	/* an existing journal: refused (2) or in use (75) before anything else */
	if (opt.output && access(opt.output, F_OK) == 0)
		journal = map_journal_open(opt.output, opt.resume);
	if (tp.strategy)
		tool_strategy("--strategy", tp.strategy, EX_USAGE_);
	if (opt.multi && !opt.schema)
		die(EX_USAGE_, "--multi goes with --schema");
	if (opt.to >= 0 && !opt.schema)
		die(EX_USAGE_, "--to goes with --schema");
	if (opt.f32 && (!opt.embed || !emb.dims || !opt.output || opt.resume || opt.unordered))
		die(EX_USAGE_, "--to f32 goes with --embed, --dimensions N and -o FILE (the records), "
		    "without --resume or -u");
	if ((emb.dims || opt.nfallback || opt.batch_max) && !opt.embed)
		die(EX_USAGE_, "%s goes with --embed", emb.dims ? "--dimensions" : opt.batch_max ? "--batch" :
		    "--embed-fallback");
	if (opt.embed && (opt.schema || opt.hedge || opt.text || opt.system || opt.max_tokens ||
	    opt.temperature >= 0))
		die(EX_USAGE_, "--embed does not go with %s", opt.schema ? "--schema" : opt.hedge ?
		    "--hedge" : opt.text ? "--text" : opt.system ? "--system" : opt.max_tokens ?
		    "--max-tokens" : "--temperature");
	if (opt.tools_file && (opt.embed || opt.schema || opt.text || opt.cache))
		die(EX_USAGE_, "--tools does not go with --embed, --schema, --text or --cache");
	opt.tools = opt.tools_file ? tc_load(opt.tools_file) : jv_invalid();
}

/* The template: "." needs no interpreter, and compiling jq's builtins costs ~15 ms */
static void
compile_template(const char *program)
{
	identity = !strcmp(program, ".");
	if (identity)
		return;
	jq = jq_init();
	if (!jq)
		die(EX_CONFIG_, "cannot start jq");
	jq_set_error_cb(jq, jq_error_cb, NULL);
	jq_err[0] = 0;
	if (!jq_compile(jq, program))
		die(EX_USAGE_, "template: %s", jq_err[0] ? jq_err : "does not compile");
}

/* The pool, the call options, the cache, the journal, the signals. */
static void
open_run(mlm_schema *schema)
{
	const char *embed_glob = tp.model;
	if (opt.embed)
		tp.model = NULL;        /* fallback models are outside -m */
	tool_pool_open(&tp);
	if (opt.embed)
		embed_open(embed_glob);
	if (opt.batch_max && opt.batch_max < emb.batch)
		emb.batch = opt.batch_max;  /* --batch lowers the provider's limit, never raises it */
	mlm_call_opts_init(&base);
	base.verbose = tp.verbose;
	if (opt.timeout_ms)
		base.total_ms = base.first_byte_ms = opt.timeout_ms;
	if (opt.retries)
		base.max_attempts = (int)opt.retries;
	base.max_wait_ms = opt.max_wait >= 0 ? opt.max_wait : 15 * 60 * 1000;  /* a batch waits out cooldowns */
	base.schema = schema;
	base.multi = opt.multi;
	if (opt.cache) {
		char err[MLM_ERRLEN];
		cache = mlm_cache_open(err, sizeof err);
		if (!cache)
			warnmsg("warning: cache unavailable: %s", err);
	}
	if (opt.output && (opt.resume || !opt.dry_run) && !journal)
		journal = map_journal_open(opt.output, opt.resume);   /* a new one is created only now */
	if (opt.resume)
		map_journal_rewrite(journal, opt.output, 1, opt.retry_failed);
	map_progress_init(!opt.quiet && (opt.progress || isatty(2)), opt.quiet, opt.dry_run, tp.sched);

	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

}

/* Input into the window while it has room. */
static void
take_input(long window_max)
{
	while (!w.eof && w.n < window_max) {
		map_line *l = map_read_pop();
		if (!l)
			break;
		if (l->eof) {
			w.eof = 1;
			free(l);
			break;
		}
		item *it = make_item(l);
		last_input = mlm_mono_ms();
		map_line_free(l);
		if (w.tail)
			w.tail->next = it;
		else
			w.head = it;
		w.tail = it;
		if (!w.ready_head)
			w.ready_head = it;
		w.n++;
		if (opt.dry_run) {
			dry_run(it);
			it->state = I_SKIP;
		}
	}
}

/* Ready items submitted, oldest first (with --embed: in batches). */
static void
submit_ready(long window_max)
{
	if (!opt.dry_run) {
		if (opt.embed)
			embed_submit(w.eof ? 2 : w.n >= window_max);
		else
			for (item *it = w.ready_head; it && w.inflight < opt.jobs; it = it->next)
				if (it->state == I_READY)
					submit(it);
		while (w.ready_head && w.ready_head->state != I_READY)
			w.ready_head = w.ready_head->next;
	}
}

/* Interrupted: whatever finished is written; the rest has no record (resume does it). */
static void
stop_inflight(void)
{
	for (item *it = w.head; it; it = it->next)
		if (it->state == I_FLIGHT) {
			it->state = I_SKIP;
			if (it->call)
				mlm_engine_cancel(tp.engine, it->call);
			if (it->hedge_call)
				mlm_engine_cancel(tp.engine, it->hedge_call);
		}
	opt.unordered = 1;
	flush_window();
}

/* The main loop: input, calls, records, until all input is answered or
 * an interrupt's grace ends. 1 when interrupted. */
static int
run(long window_max)
{
	int64_t grace_end = 0;
	int stopping = 0;
	for (;;) {
		if (sigs && !stopping) {
			stopping = 1;
			grace_end = mlm_mono_ms() + 5000;
			warnmsg("interrupted: finishing %ld requests in flight (again to stop now)", w.inflight);
		}
		if (stopping && (sigs > 1 || mlm_mono_ms() > grace_end || w.inflight == 0))
			break;
		if (!stopping) {
			take_input(window_max);
			submit_ready(window_max);
		}
		flush_window();
		if (w.eof && !w.head)
			break;
		maybe_hedge();
		out_flush();    /* this turn's records, before the engine waits */
		mlm_engine_run(tp.engine, w.inflight ? 200 : 50);
		tool_store_warn(&tp);
		flush_window();
		progress(0);
	}
	if (stopping)
		stop_inflight();
	return stopping;
}

int
main(int argc, char **argv)
{
	prog = "llm-map";
	/* the keys are in this process's memory: never in a core file */
	setrlimit(RLIMIT_CORE, &(struct rlimit){ 0, 0 });
	parse_options(argc, argv);
	argc -= optind;
	argv += optind;
	check_options();
	out_batch();    /* records go out once a turn (run), not once each */
	mlm_schema *schema = opt.schema ? tool_load_schema(opt.schema) : NULL;
	if (opt.to >= 0)
		opt.emit = tool_to_open(schema, opt.to);
	const char *program = argc > 0 ? argv[0] : ".";
	if (!*program)
		program = ".";
	if (argc > 0)
		argc--, argv++;
	if (argc == 0 && isatty(0))
		usage(2);
	compile_template(program);
	open_run(schema);

	long window_max = opt.jobs * 4 > 1024 ? opt.jobs * 4 : 1024;
	if (opt.embed && window_max < emb.batch * 2)
		window_max = emb.batch * 2;
	map_read_start(argv, argc, (size_t)opt.max_line, tp.engine);
	w.t0 = mlm_mono_ms();
	int stopping = run(window_max);
	progress(1);
	int code = w.failed ? (w.ok || w.skipped || w.cached ? EX_SOMEFAIL : EX_NOENTRY) : 0;
	if (!code && w.unopened)
		code = EX_SOMEFAIL;     /* a missing input file is not success */
	if (stopping)
		code = EX_INTR;
	char err[MLM_ERRLEN];
	if (journal && mlm_journal_sync(journal, err, sizeof err) < 0)
		die(EX_SOMEFAIL, "%s", err);
	/* a resumed input whose line changed has an older record too: keep the last */
	if (journal && opt.resume && w.done)
		map_journal_rewrite(journal, opt.output, 0, 0);
	if (opt.emit)
		tool_to_close(opt.emit);
	out_close();
	if (jq)
		jq_teardown(&jq);
	/* the reader thread may be blocked on input: do not wait for it */
	_exit(code);
}
