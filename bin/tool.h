/*
 * tool.h — what every tool's main shares: messages, exit codes, the pool
 * and store set-up, attempt tracing (-v, LLM_LOG), and record output.
 * Unlike lib/, this code prints and exits: it is the tools' side.
 */
#ifndef TOOL_H
#define TOOL_H

#include <stdio.h>
#include "mlm.h"
#include "setup.h"

/* exit status, as in design.md and many-llm(7) */
enum {
	EX_OK_ = 0, EX_SOMEFAIL = 1, EX_USAGE_ = 2, EX_DATA = 65, EX_NOENTRY = 69,
	EX_CONFIG_ = 78, EX_INTR = 130,
};

extern const char *prog;

/* --version, the same in every tool: "llm-ask 0.1.0" on stdout, exit 0 */
enum { O_VERSION = 0x1000 };
void tool_version(void) __attribute__((noreturn));

/* The pool options: TOOL_POOL_OPTIONS (--env, --model, --provider,
 * --verbose) go in the option table of every tool with a pool, and
 * TOOL_POOL_FILE_OPTIONS (--log, --pool, --strategy) in those that call
 * (llm-ask, llm-map, llm-serve); -m and -p are short options where the
 * tool's short string says so. tool_pool_opt handles them all: 1 when c
 * was one (tests/0010-options-sync.t reads these two lists). */
enum { O_ENV = 0x1001, O_POOL, O_STRATEGY, O_LOG };
#define TOOL_POOL_OPTIONS \
	{ "env", required_argument, NULL, O_ENV }, \
	{ "model", required_argument, NULL, 'm' }, \
	{ "provider", required_argument, NULL, 'p' }, \
	{ "verbose", no_argument, NULL, 'v' }
#define TOOL_POOL_FILE_OPTIONS \
	{ "log", required_argument, NULL, O_LOG }, \
	{ "pool", required_argument, NULL, O_POOL }, \
	{ "strategy", required_argument, NULL, O_STRATEGY }
struct tool_pool;
int tool_pool_opt(struct tool_pool *t, int c, const char *arg);
/* The one check of a strategy name: its number, or a one-line error naming
 * what (--strategy, or FILE:LINE: LLM_STRATEGY) and the names, exit code. */
int tool_strategy(const char *what, const char *name, int code);

/* "prog: message" on stderr, one line */
void warnmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* warnmsg then exit(code) */
void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

/* Options every pool-using tool takes. */
typedef struct tool_pool {
	const char *env_file;    /* --env */
	const char *pool_file;   /* --pool, else LLM_POOL */
	const char *provider;    /* --provider glob */
	const char *model;       /* --model glob */
	const char *strategy;    /* --strategy */
	const char *log_file;    /* --log, else LLM_LOG */
	int verbose;
	int list_env;            /* llm-pool -v: list every variable and what became of it */
	int model_env, provider_env;    /* --model/--provider came from LLM_MODEL/LLM_PROVIDER */
	/* set up by tool_pool_open (lib/setup.c): t->setup, or its members by name */
	int tty;                 /* stderr is a terminal: long waits are announced */
	union {
		mlm_setup setup;
		struct { MLM_SETUP_FIELDS };
	};
	FILE *log;
	char env_read[1024];     /* the files read, for messages: ", .env, ~/..." */
} tool_pool;

/* Reads the variables: the user file ($XDG_CONFIG_HOME/many-llm/env, else
 * ~/.config/many-llm/env), ./.env, then --env FILE, each replacing what the
 * one before set; the process environment wins over all. Exits 78 on a
 * malformed or unreadable file; warns about a file others may read. */
void tool_env_load(tool_pool *t);
/* After the pool is built: a warning for each likely mistake among the
 * variables (a mistyped name, an empty key...), and with t->list_env one
 * line per variable: used, dropped or ignored, and why. */
void tool_env_report(tool_pool *t, int from_pool_file);
/* --model, --provider and --strategy default to LLM_MODEL, LLM_PROVIDER and
 * LLM_STRATEGY (environment or files); returns the strategy (exits 2 when
 * --strategy is unknown, 78 when LLM_STRATEGY is). */
int tool_env_defaults(tool_pool *t);
/* The message of mlm_pool_from_env's failure, with the places looked at */
void tool_die_no_pool(tool_pool *t, const char *err) __attribute__((noreturn));

/* Loads the variables (tool_env_load), builds or reads the pool,
 * keeps entries matching --provider/--model, opens the store, scheduler and
 * engine. Exits 78 on a configuration error, 2 on a bad strategy. */
void tool_pool_open(tool_pool *t);
void tool_pool_close(tool_pool *t);
/* Prints the store's degradation warning once. */
void tool_store_warn(tool_pool *t);
/* -v's line for one attempt record (borrowed): "prog: attempt: ENTRY: KIND ..." */
void tool_print_attempt(jv a);
/* A pool file with inline keys readable by group or others: a warning.
 * Entries from index `from` on came from path. */
void tool_warn_key_file(const char *path, const mlm_pool *p, size_t from);

/* Writes one line (s, then '\n') to stdout; flushes when stdout is not a
 * regular file or flush is set. Exits on a write error (EPIPE: quietly). */
void out_line(const char *s, size_t n, int flush);
/* From now on out_line flushes only when asked, and the caller calls
 * out_flush() before it waits (a tool that writes many records a turn);
 * call before anything is written to stdout. */
void out_batch(void);
/* Flushes stdout; exits on a write error as out_line does. */
void out_flush(void);
/* jv record → one line on stdout (consumes j) */
void out_json(jv j, int flush);
/* At exit: flush and check stdout; a full disk is an error. */
void out_close(void);

/* Number parsing with bounds; dies with a usage error naming the option. */
long opt_long(const char *opt, const char *s, long min, long max);
double opt_double(const char *opt, const char *s, double min, double max);

/* A timeout like "30", "2.5", "500ms", "2m" → ms; dies on nonsense. */
long opt_duration_ms(const char *opt, const char *s);

/* --schema SPEC: the DSL, a JSON Schema, a C struct, or @FILE (also a path
 * ending in .json, .h, .c or .dsl). Dies with a usage error naming the
 * position when it does not parse. */
struct mlm_schema *tool_load_schema(const char *spec);
void tool_free_schema(struct mlm_schema *s);

/* --to FORMAT of llm-map: the data of each result record printed in a
 * format (the header at open, the footer at close), not the records.
 * tool_to_record takes the record as jv (borrowed) or as JSON text; a
 * failed record prints nothing but a line on stderr. */
struct mlm_emitter *tool_to_open(const struct mlm_schema *s, int to);
void tool_to_record(struct mlm_emitter *e, jv rec, const char *text, size_t len, int multi);
void tool_to_close(struct mlm_emitter *e);
/* catalog-cli.c: the catalog's load warnings, once; and the merged catalog
 * as NDJSON on stdout, filtered by provider and model globs (NULL: all). */
void tool_catalog_warn(void);
int tool_catalog_print(const char *provider, const char *model);
/* llm-pool --discover: lists each provider's models, caches them; exit code. */
int tool_discover(tool_pool *t);

/* Reads all of f into a malloc'd NUL-terminated string (bounded). */
char *slurp(FILE *f, size_t max, size_t *len);

#endif
