/*
 * mlm.h — the internal API of libmanyllm, shared by every tool in bin/.
 *
 * Conventions, for the whole library:
 *  - Every exported symbol starts with mlm_ (types mlm_*, constants MLM_*).
 *  - The library never prints and never exits. A function that can fail
 *    returns -1 (or NULL) and writes one line, without a trailing newline,
 *    into the caller's `char *err` of `errlen` bytes (MLM_ERRLEN is enough).
 *    Tools prefix the program name and the input position.
 *  - jv values follow libjq's rule: every call consumes its jv arguments
 *    and returns a new reference, unless its comment says "borrows".
 *  - Strings returned as `char *` are the caller's to free(); `const char *`
 *    results are borrowed from the object they came from.
 *  - Input from outside (HTTP bodies, SSE, lines, .env files) is read into
 *    bounded buffers; going past a bound is an error, never a crash.
 */
#ifndef MLM_H
#define MLM_H

#include <stddef.h>
#include <stdint.h>
#include <stdarg.h>
#include <string.h>
#include <jv.h>
#include "sha256.h"

#define MLM_ERRLEN 512

/* ---------- util.c: buffers, strings, time, errors ---------- */

/* A growing byte buffer with a hard maximum (0 = MLM_BUF_DEFAULT_MAX). */
#define MLM_BUF_DEFAULT_MAX (64u << 20)
typedef struct mlm_buf {
	char *p;
	size_t len, cap, max;
	int over;       /* set by writers that check once at the end (fmt-*.c):
	                 * an append was refused, the output is not whole */
} mlm_buf;

/* An append's result must be checked: an output that would pass the cap is
 * an error, never a silently cut output. A file whose appends are not all
 * checked yet says so by defining MLM_APPENDS_UNCHECKED before this header
 * (each such file is a debt to pay, not a licence for new code). */
#ifdef MLM_APPENDS_UNCHECKED
#define MLM_MUST_CHECK
#else
#define MLM_MUST_CHECK __attribute__((warn_unused_result))
#endif
/* Appends n bytes; keeps p NUL-terminated. -1 when max would be passed or
 * memory runs out (then nothing is appended). Inline while there is room (a
 * JSON writer appends a few bytes at a time); mlm_buf_add_slow grows. */
MLM_MUST_CHECK int mlm_buf_add_slow(mlm_buf *b, const void *s, size_t n);
MLM_MUST_CHECK static inline int
mlm_buf_add(mlm_buf *b, const void *s, size_t n)
{
	if (b->p && b->cap - b->len > n && (!b->max || b->max - b->len > n)) {
		if (n)
			memcpy(b->p + b->len, s, n);
		b->len += n;
		b->p[b->len] = 0;
		return 0;
	}
	return mlm_buf_add_slow(b, s, n);
}
MLM_MUST_CHECK int mlm_buf_puts(mlm_buf *b, const char *s);
MLM_MUST_CHECK int mlm_buf_printf(mlm_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
MLM_MUST_CHECK int mlm_buf_vprintf(mlm_buf *b, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));
/* One line of a why-list (skip reasons, failed attempts: text for people)
 * into b (NULL: none). Never fails: a list past the cap ends with "...",
 * and b->over is set. Not for outputs, which must check each append. */
void mlm_buf_why(mlm_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mlm_buf_reset(mlm_buf *b);
/* A temporary file to write and then rename over its target: any old tmp
 * is removed, then tmp is made anew (O_EXCL, never through a planted
 * link) readable by its owner only (0600). NULL when it cannot be. */
FILE *mlm_tmp_create(const char *tmp);
/* The value of a hex digit, -1 for any other character. */
int mlm_hexval(int c);
void mlm_buf_free(mlm_buf *b);

/* ---------- json.c: JSON text of jv values ---------- */

/* A JSON string literal of s[0..n), escaped as libjq escapes. */
MLM_MUST_CHECK int mlm_json_str(mlm_buf *b, const char *s, size_t n);
/* Appends x (borrowed) as jv_dump_string(x, 0) would write it. */
MLM_MUST_CHECK int mlm_json_dump(mlm_buf *b, jv x);
/* A number as jv_dump_string writes jv_number(d). */
MLM_MUST_CHECK int mlm_json_num(mlm_buf *b, double d);
/* The member key[0..n) of o (borrowed), or jv_invalid() when o has none
 * or is no object: jv_object_get(jv_copy(o), jv_string(key)), its key
 * string made once per thread and address; mlm_jfield takes a C string. */
jv mlm_jget(jv o, const char *key, size_t n);
jv mlm_jfield(jv o, const char *key);
/* jv_string(key) for a key of a hot path's objects: made once per thread. */
jv mlm_jkey(const char *key);

/* A token tape over strict JSON text (RFC 8259), for the hot paths that
 * read a few fields of a provider's answer without building jv values.
 * Anything it does not take (bad or odd JSON, escaped keys, lone
 * surrogates, too many tokens) is for libjq's parser to decide. */
enum { MLM_J_NULL, MLM_J_TRUE, MLM_J_FALSE, MLM_J_NUMBER, MLM_J_STRING, MLM_J_ARRAY, MLM_J_OBJECT };
#define MLM_JDOC_MAX 1024
typedef struct mlm_jtok {
	int type, esc;          /* esc: a string with backslash escapes */
	int next;               /* the token after this value's subtree */
	size_t start, end;      /* strings: between the quotes */
} mlm_jtok;
typedef struct mlm_jdoc {
	const char *s;
	int n;
	mlm_jtok t[MLM_JDOC_MAX];
} mlm_jdoc;
/* 0, or -1 when the text is not strict JSON or has too many tokens. */
int mlm_jdoc_parse(mlm_jdoc *d, const char *s, size_t n);
/* The token at "a.0.b" under tok, as mlm_jpath walks: -1 absent or null,
 * -2 when an escaped key makes the answer uncertain. */
int mlm_jdoc_get(const mlm_jdoc *d, int tok, const char *path);
/* Appends a string token's text, decoded: -2 (nothing appended) when
 * libjq would change it (invalid UTF-8, lone surrogates), -1 when full. */
int mlm_jdoc_str(const mlm_jdoc *d, int tok, mlm_buf *out);
int mlm_jdoc_num(const mlm_jdoc *d, int tok, double *v);
/* Set by tests: every reader and writer takes libjq's path (to compare the
 * two); and the count of requests the plain writer wrote. */
extern int mlm_json_fast_off;
extern unsigned long mlm_json_fast_n;

/* Writes "fmt..." into err (errlen bytes); returns -1 for `return mlm_err(...)`. */
int mlm_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

char *mlm_strdup(const char *s);          /* NULL-safe; aborts never: NULL on ENOMEM */
char *mlm_strndup(const char *s, size_t n);
int64_t mlm_now_ms(void);                  /* wall clock, ms since the epoch */
int64_t mlm_mono_ms(void);                 /* monotonic clock, ms */
double mlm_mono_s(void);                   /* monotonic clock, seconds */

/* fnmatch(3)-style glob match, case-sensitive; NULL or "" pattern matches all. */
int mlm_glob(const char *pat, const char *s);

/*
 * Durations as providers write them, to milliseconds; -1 when unparseable:
 * "37s", "1.5s", "0s" (protobuf), "6m0s", "1h2m3.5s", "20ms", "250us" (Go),
 * "30" (plain seconds, Retry-After), and HTTP dates (Retry-After) relative
 * to now_ms.
 */
int64_t mlm_parse_duration_ms(const char *s, int64_t now_ms);

/* Replaces key material in s (in place): any of the given keys, and any
 * substring that looks like a provider key (sk-..., AIza..., gsk_..., id.secret),
 * with "[REDACTED]". keys may be NULL. */
void mlm_redact(char *s, const char *const *keys, size_t nkeys);

/* 1 when url would carry a key in clear to another machine: its scheme is
 * not https and its host (parsed as libcurl does: user info, ports,
 * brackets) is not localhost, 127.0.0.0/8 or ::1; or it cannot be parsed. */
int mlm_url_plain_remote(const char *url);

/* A short stable hex digest (16 hex chars, FNV-1a 64) of n bytes. */
void mlm_hash_hex(const void *p, size_t n, char out[17]);

/* A string → index hash table over borrowed strings (strindex.c). Zeroed
 * is empty; _find returns SIZE_MAX when absent; _put replaces. */
typedef struct mlm_strindex {
	struct mlm_strslot { const char *key; size_t idx; } *slot;
	size_t cap, n;
} mlm_strindex;
size_t mlm_strindex_find(const mlm_strindex *x, const char *s, size_t n);
int mlm_strindex_put(mlm_strindex *x, const char *key, size_t idx);
void mlm_strindex_free(mlm_strindex *x);

/* ---------- env.c: .env files and the environment ---------- */

typedef struct mlm_env mlm_env;

mlm_env *mlm_env_new(void);
/* Loads a dotenv file: comments, blank lines, `export ` prefix, single and
 * double quotes, escapes (\n \t \" \\ \$) inside double quotes, no expansion.
 * Errors name "file:line: reason". A later value for a name replaces it. */
int mlm_env_load(mlm_env *e, const char *path, char *err, size_t errlen);
/* Parses dotenv text held in memory (for tests and fuzzing). */
int mlm_env_parse(mlm_env *e, const char *name, const char *text, size_t len,
    char *err, size_t errlen);
/* Real environment first, then the file. Borrowed result, or NULL. */
const char *mlm_env_get(const mlm_env *e, const char *name);
/* Every variable name known (environment and file), sorted, no duplicates.
 * The array and strings are borrowed until the next call or mlm_env_free. */
size_t mlm_env_names(mlm_env *e, const char *const **names);
/* Where a name came from: "environment", or the file path. */
const char *mlm_env_origin(const mlm_env *e, const char *name);
/* The line of the file value in force (0: the environment, or unknown). */
int mlm_env_line(const mlm_env *e, const char *name);
/* Nonzero when the last file loaded is readable by group or others. */
int mlm_env_loose(const mlm_env *e);
/* Every NAME=value read from files, in reading order, with those that were
 * replaced by a later line or file, or are hidden by the environment
 * (by_origin set): for listings and diagnostics. Borrowed strings. */
typedef struct mlm_env_var {
	const char *name, *value, *origin;
	int line;
	const char *by_origin;     /* what replaced it ("environment", a file), or NULL */
	int by_line;
} mlm_env_var;
size_t mlm_env_count(const mlm_env *e);
int mlm_env_var_at(const mlm_env *e, size_t i, mlm_env_var *out);
void mlm_env_free(mlm_env *e);

/* ---------- envcheck.c: what became of each variable ---------- */

enum { MLM_VAR_USED = 0, MLM_VAR_DROPPED, MLM_VAR_IGNORED };
typedef struct mlm_var_note {
	char *name;
	char *where;       /* "FILE:LINE" or "environment" */
	int status;        /* MLM_VAR_*: used, dropped (a Many-LLM name that gave nothing), ignored */
	int warn;          /* a likely mistake: worth a warning */
	char *why;         /* "key of 3 entries", "not read; did you mean GEMINI_API_KEY_1?" */
} mlm_var_note;
struct mlm_pool;
/* Reviews the files' variables and the environment's Many-LLM-like names
 * against the pool built from them (from_pool_file: the pool was read from
 * a pool file instead). Returns the count; free with mlm_var_notes_free. */
size_t mlm_env_review(mlm_env *e, const struct mlm_pool *p, int from_pool_file,
    mlm_var_note **out);
const char *mlm_var_status_name(int status);
void mlm_var_notes_free(mlm_var_note *v, size_t n);

/* ---------- catalog.c: providers and their free-tier models (data) ---------- */

/* The wire formats to providers, one line each and the only place they are
 * registered: X(ID, name, chat adapter, embedding adapter). The enum below
 * (MLM_WIRE_ID), the names, the adapters' declarations and the registry in
 * adapters.c are all made from it. */
#define MLM_WIRES(X) \
	/* OpenAI chat completions and compatible hosts */ \
	X(OPENAI, "openai", mlm_adapter_openai, mlm_embed_adapter_openai) \
	/* Gemini generateContent */ \
	X(GEMINI, "gemini", mlm_adapter_gemini, mlm_embed_adapter_gemini) \
	/* Cloudflare Workers AI /ai/run/MODEL */ \
	X(CLOUDFLARE, "cloudflare", mlm_adapter_cloudflare, mlm_embed_adapter_cloudflare)

enum mlm_wire {
#define MLM_WIRE_ENUM(id, name, chat, embed) MLM_WIRE_##id,
	MLM_WIRES(MLM_WIRE_ENUM)
#undef MLM_WIRE_ENUM
	MLM_WIRE__N
};
/* adapters.c: a wire's name ("unknown" out of range), and back (-1 if unknown). */
const char *mlm_wire_name(int wire);
int mlm_wire_parse(const char *s);
const char *mlm_wire_names(void);          /* "openai, gemini, ...", for messages */

enum { MLM_RESET_NONE = 0, MLM_RESET_UTC, MLM_RESET_PACIFIC };
enum { MLM_WIN_RPM, MLM_WIN_RPH, MLM_WIN_RPD, MLM_WIN_RPMO, MLM_WIN_TPM, MLM_WIN_TPD,
	MLM_WIN_TPMO, MLM_WIN_CONC, MLM_WIN_NPD, MLM_WIN__N };
enum { MLM_WRESET_ROLLING = MLM_RESET_NONE, MLM_WRESET_UTC = MLM_RESET_UTC,
	MLM_WRESET_PACIFIC = MLM_RESET_PACIFIC, MLM_WRESET_MONTH, MLM_WRESET__N };

typedef struct mlm_limits {
	long rpm, rpd, tpm, conc;          /* 0 = not declared */
	int per_model;                     /* the provider meters per model */
	int reset;                         /* daily reset: MLM_RESET_* */
	/* every window by kind (MLM_WIN_*; 0 = not declared) with its reset
	 * rule (MLM_WRESET_*): windows.c honours those beyond the four above */
	long wmax[MLM_WIN__N];
	unsigned char wreset[MLM_WIN__N];
	long neu_in, neu_out;              /* neurons per million input and output
	                                    * tokens (Cloudflare), 0 unknown */
} mlm_limits;

/* One published limit window of the catalog, with where and when it was read.
 * The scheduler honours every kind (through mlm_limits; windows.c). */
typedef struct mlm_window {
	int kind;                          /* MLM_WIN_* */
	long max;
	int reset;                         /* MLM_WRESET_* */
	const char *source, *read;         /* URL and YYYY-MM-DD, NULL if not given */
} mlm_window;
const char *mlm_window_name(int kind);
const char *mlm_wreset_name(int reset);

typedef struct mlm_catalog_model {
	const char *model;
	mlm_limits lim;
	long window;                       /* context window in tokens, 0 unknown */
	unsigned features;                 /* MLM_FEAT_* */
	long dims;                         /* embedding models: default dimensions, 0 unknown */
	long max_batch;                    /* inputs one embedding request takes, 0 unknown */
	long max_input_tokens;             /* tokens of one input, 0 unknown */
	long max_batch_tokens;             /* tokens over one request's inputs, 0 unknown */
	const mlm_window *windows;         /* every published window */
	size_t nwindows;
	const char *origin;                /* "file:line" of the catalog line */
} mlm_catalog_model;
enum { MLM_FEAT_SCHEMA = 1, MLM_FEAT_JSON = 2, MLM_FEAT_STREAM = 4, MLM_FEAT_EMBED = 8,
	MLM_FEAT_VISION = 16, MLM_FEAT_TOOLS = 32 };

typedef struct mlm_provider {
	const char *name;                  /* "gemini", "openai", "cloudflare", "zhipu", ... */
	int wire;
	const char *base_url;              /* default; NULL: must come from NAME_BASE_URL */
	const mlm_catalog_model *models;   /* terminated by {NULL} */
	const char *source;                /* where the limits come from, and when */
	const char *const *keys;           /* key variable names (each also with _N) */
	size_t nkeys;
	mlm_limits lim;                    /* defaults for models not in the catalog */
	const mlm_window *windows;
	size_t nwindows;
	const char *read;                  /* the day source was read */
	const char *origin;                /* "file:line" of the provider line */
} mlm_provider;

/* Known provider by lower-case name, or NULL. */
const mlm_provider *mlm_provider_find(const char *name);
const mlm_provider *mlm_provider_at(size_t i);   /* NULL past the end */
const mlm_catalog_model *mlm_catalog_model_find(const mlm_provider *p, const char *model);

/* The catalog is data (catalog.ndjson, many-llm(5)): the built-in copy, then
 * the installed file, $XDG_CONFIG_HOME/many-llm/catalog.ndjson, $LLM_CATALOG
 * and the file given here, each overriding the earlier line by line. It is
 * loaded once, on first use; call this before. */
void mlm_catalog_add_file(const char *path);
/* Warnings from loading ("file:line: reason"): never fatal. Borrowed. */
size_t mlm_catalog_warnings(const char *const **w);
/* The merged catalog, one JSON object per provider and per model. */
jv mlm_catalog_json(void);

/* ---------- pool.c: entries ---------- */

typedef struct mlm_entry {
	char *id;          /* e.g. "gemini-1:gemini-2.5-flash"; never key material */
	char *provider;    /* lower-case provider name */
	int wire;
	char *model;
	char *base_url;    /* without a trailing slash, except cloudflare's ".../ai/run/" */
	char *key_env;     /* name of the variable holding the key, or NULL */
	char *key_cmd;     /* command printing the key, or NULL */
	char *key;         /* resolved key, in memory only; NULL until mlm_entry_key() */
	int key_inline;    /* the key came inline on a pool line */
	char *quota;       /* quota owner */
	int quota_auto;    /* none was declared: the scheduler charges the key
	                    * itself (by its keyed digest), quota only names it */
	int priority;      /* lower is tried first by `sequential` */
	double weight;     /* for random/weighted */
	mlm_limits lim;
	long window;
	unsigned features;
	char *origin;      /* "file:line" or "env:NAME", for messages */
} mlm_entry;

typedef struct mlm_pool {
	mlm_entry *v;
	size_t n, cap;
	const mlm_env *env;                /* borrowed, for key_env look-ups */
	mlm_strindex ids;                  /* entry id → index, for v[0..nids) */
	size_t nids;
} mlm_pool;

/* ---------- discover.c: which models a key may use ---------- */

/* Asks e's provider (wire, base URL) for its models with key; *models gets
 * the ids kept (free where the listing marks prices, e.g. OpenRouter's
 * ":free"; every listed chat model where it shows none). */
int mlm_discover(const mlm_entry *e, const char *key, jv *models, char *err, size_t errlen);
/* A cache line: {"provider","base_url","date","models"} (consumes models). */
jv mlm_discover_record(const mlm_entry *e, jv models);
/* The cache ($XDG_STATE_HOME/many-llm/models.ndjson) as {provider: line}. */
jv mlm_discover_cache_read(void);
int mlm_discover_cache_write(jv all, char *err, size_t errlen);
/* The cached models of prov as asked at base (malloc'd strings); 0 if none. */
size_t mlm_discover_cached(const char *prov, const char *base, char ***out);

/* Builds entries from variables (seed names and NAME_API_KEY[_N] + NAME_BASE_URL).
 * Returns the number of entries added, or -1. With none, err says which
 * variables were looked for and where. */
int mlm_pool_from_env(mlm_pool *p, const mlm_env *env, char *err, size_t errlen);
/* Parses one pool line (JSON object), fills defaults, appends it.
 * Returns 0, 1 if it was a duplicate id (dropped), or -1. */
int mlm_pool_add_line(mlm_pool *p, const char *line, size_t len, const char *origin,
    char *err, size_t errlen);
/* Loads a pool file ("-" = stdin); errors name file:line. */
int mlm_pool_load(mlm_pool *p, const char *path, char *err, size_t errlen);
/* The same, calling dup with the "file:line" of each duplicate dropped.
 * Both return -1 for a bad line and -2 when the file cannot be read. */
int mlm_pool_load_cb(mlm_pool *p, const char *path, void (*dup)(void *u, const char *origin),
    void *u, char *err, size_t errlen);
/* The entry as a pool line; with_key also writes an inline key it has. */
jv mlm_entry_json(const mlm_entry *e, int with_key);
/* Resolves the key (environment/.env, key_cmd once, or inline). */
int mlm_entry_key(mlm_entry *e, const mlm_env *env, char *err, size_t errlen);
/* Keeps the entries for which keep[i] is nonzero. */
void mlm_pool_filter(mlm_pool *p, const unsigned char *keep);
void mlm_pool_free(mlm_pool *p);
/* Every resolved key of the pool, for mlm_redact(). Borrowed strings;
 * the array is the caller's to free(). */
const char **mlm_pool_keys(const mlm_pool *p, size_t *n);

/* ---------- the neutral request (jv) ----------
 * {"system": str?, "messages": [{"role": "user"|"assistant"|"system", "content": str}],
 *  "temperature": num?, "max_tokens": int?, "stream": bool?,
 *  "schema": <JSON Schema object>?, "schema_name": str?, "json": bool?,
 *  "stop": [str]?, "top_p": num?, "top_k": int?, "seed": int?, "presence_penalty": num?,
 *  "frequency_penalty": num?}
 * mlm_req_prompt() builds the simplest one.
 */
jv mlm_req_prompt(const char *system, const char *prompt);

/* tools.c: function tools in the neutral request:
 *  "tools": [{"name", "description"?, "parameters"?}],
 *  "tool_choice": "auto"|"none"|"required"|{"name"}, "parallel_tool_calls": bool?,
 *  assistant messages with "tool_calls": [{"id","name","arguments": str}],
 *  and {"role": "tool", "tool_call_id", "content"} results.
 * Does the request use tools (declares them or carries calls or results)? */
int mlm_tools_used(jv req_borrowed);
/* OpenAI's chat shapes: the body (consumed) with tools, tool_choice,
 * parallel_tool_calls; one message's tool_calls/tool_call_id onto o. */
jv mlm_tools_openai_body(jv req_borrowed, jv body);
jv mlm_tools_openai_msg(jv msg_borrowed, jv o);
/* tools-gemini.c: Gemini's shapes: tools[].functionDeclarations and
 * toolConfig onto the body (consumed); message i of msgs (borrowed) as
 * contents when it carries tool calls or is a tool result (1), else 0, or
 * -1 with err; one response part's functionCall into a->tool_calls (1),
 * 0 for another part, -1 for a malformed one. */
jv mlm_tools_gemini_body(jv req_borrowed, jv body);
int mlm_tools_gemini_msg(jv msgs_borrowed, int i, jv *contents, char *err, size_t errlen);
struct mlm_answer;
int mlm_tools_gemini_part(jv part_borrowed, jv resp_borrowed, struct mlm_answer *a);
/* adapter-gemini.c: a JSON Schema (consumed) cut to the keywords Gemini's
 * responseJsonSchema and parametersJsonSchema take (others into the description) */
jv mlm_gemini_json_subset(jv schema);
/* Cloudflare's shapes: tools (the bare {name, description, parameters} of
 * its traditional function calling) onto the body (consumed), -1 with err
 * for a tool_choice other than auto; result.tool_calls back into a. */
jv mlm_tools_cf_body(jv req_borrowed, jv body, char *err, size_t errlen);
int mlm_tools_cf_take(jv calls_borrowed, struct mlm_answer *a);

/* parts.c: images in the neutral request. A message's "content" may be an
 * array of parts: {"type":"text","text"} and {"type":"image","url"}, the
 * URL a data URL ("data:MIME;base64,...") or http(s). */
int mlm_req_images(jv req_borrowed);            /* how many image parts */
/* OpenAI's parts (image_url) for a content (consumed; a string stays one);
 * urls: http(s) URLs may go (else refused as unsupported for entry e).
 * Invalid with err on a malformed part. */
jv mlm_parts_openai(jv content, const mlm_entry *e, int urls, char *err, size_t errlen);
/* Gemini's parts ({"text"}, {"inlineData":{"mimeType","data"}}); URLs refused. */
jv mlm_parts_gemini(jv content, const mlm_entry *e, char *err, size_t errlen);
/* The media type from a file's first bytes (PNG, JPEG, GIF, WebP, PDF), or NULL. */
const char *mlm_media_sniff(const void *p, size_t n);
char *mlm_dataurl_make(const char *mime, const void *p, size_t n);   /* malloc'd */
/* "data:MIME;base64,DATA": mime and *data (borrowed from url); -1 if not one. */
int mlm_dataurl_parse(const char *url, char mime[64], const char **data);
MLM_MUST_CHECK int mlm_b64_encode(mlm_buf *b, const void *p, size_t n);
/* Standard or URL-safe alphabet; -1 on another character or a full buffer. */
MLM_MUST_CHECK int mlm_b64_decode(mlm_buf *out, const char *s, size_t n);

/* params.c: the sampling parameters as adapters pass or refuse them.
 * req[key] is set (not null)? */
int mlm_param_has(jv req_borrowed, const char *key);
/* body (consumed) with req[key] set as as (NULL: key) when req has it. */
jv mlm_param_copy(jv req_borrowed, jv body, const char *key, const char *as);
/* req has key: -1 with err "unsupported parameter KEY: PROVIDER does not
 * take it" (the engine then tries another entry); else 0. */
int mlm_param_refuse(jv req_borrowed, const char *key, const mlm_entry *e, char *err,
    size_t errlen);
/* More than max stop sequences: -1 with err naming "stop". */
int mlm_param_stop_max(jv req_borrowed, int max, const mlm_entry *e, char *err, size_t errlen);

/* ---------- outcomes: the error kinds of design.md ---------- */

enum mlm_kind {
	MLM_OK = 0,
	MLM_RATE_LIMITED,
	MLM_QUOTA_EXHAUSTED,
	MLM_NO_CREDIT,
	MLM_AUTH,
	MLM_NOT_FOUND,
	MLM_OVERLOADED,
	MLM_SERVER,
	MLM_TIMEOUT,
	MLM_NETWORK,
	MLM_BAD_RESPONSE,
	MLM_TOO_LARGE,
	MLM_BLOCKED,
	MLM_UNSUPPORTED,
	MLM_INVALID_REQUEST,
	MLM_KIND__N
};
const char *mlm_kind_name(int kind);       /* "rate_limited", ... ; "ok" */
int mlm_kind_parse(const char *s);         /* -1 if unknown */

typedef struct mlm_outcome {
	int kind;
	long status;            /* HTTP status, 0 if none */
	int64_t retry_ms;       /* the provider's wait hint, -1 if none */
	int per_day;            /* a daily bucket ran out (park until reset) */
	int conc;               /* a 429 for too many requests in flight (its
	                         * message names concurrency, as Zhipu's 1302) */
	int refused;            /* nothing answers at the address: 1 connection
	                         * refused, 2 no such host; out at once */
	char msg[400];          /* one line, keys redacted by the caller */
} mlm_outcome;

/* ---------- http headers of an answer ---------- */

#define MLM_MAX_HEADERS 64
typedef struct mlm_headers {   /* all zero: empty */
	int n;
	unsigned off[MLM_MAX_HEADERS];  /* each "name\0value\0" in buf, the name lower-case */
	mlm_buf buf;
} mlm_headers;
const char *mlm_headers_get(const mlm_headers *h, const char *lcname);
void mlm_headers_add_line(mlm_headers *h, const char *line, size_t len);
void mlm_headers_reset(mlm_headers *h);     /* empty again, its buffer kept */
void mlm_headers_free(mlm_headers *h);

/* ---------- sse.c: one reader for every provider's event stream ---------- */

/* Called once per complete event. data is the joined data: lines (NUL-
 * terminated, dlen bytes); event is "" when no event: line was given.
 * A nonzero return stops the reader and is returned by mlm_sse_feed. */
typedef int (*mlm_sse_cb)(void *u, const char *event, const char *data, size_t dlen);

typedef struct mlm_sse {
	mlm_buf line, data;
	char event[64];
	int cr;             /* last byte seen was CR */
	int has_data;
	size_t max;         /* bound for one event (0 = 8 MiB) */
} mlm_sse;

void mlm_sse_init(mlm_sse *s, size_t max);
/* Feeds bytes in any chunking. Returns 0, the callback's nonzero value, or -1
 * when an event passes the bound. */
int mlm_sse_feed(mlm_sse *s, const char *p, size_t n, mlm_sse_cb cb, void *u);
/* At end of stream: dispatches a pending event that had no blank line after it. */
int mlm_sse_finish(mlm_sse *s, mlm_sse_cb cb, void *u);
void mlm_sse_free(mlm_sse *s);

/* ---------- adapters: one per wire format ---------- */

typedef struct mlm_httpreq {
	char *url;          /* malloc'd */
	char *body;         /* malloc'd JSON */
	char *hdr[8];       /* malloc'd "Name: value" lines (auth included), NULL-terminated */
	char *shown_url;    /* url for logs and --dry-run (no key), malloc'd */
	int stream;         /* the request as built streams (an adapter may turn
	                     * streaming off, e.g. Cloudflare JSON mode) */
} mlm_httpreq;
void mlm_httpreq_free(mlm_httpreq *r);

typedef struct mlm_answer {
	mlm_buf text;       /* the answer so far */
	char finish[32];    /* finish reason as the provider said it, "" if none */
	long in_tok, out_tok;  /* -1 unknown */
	int done;           /* a terminator or a finish reason was seen */
	jv tool_calls;      /* [{"id","name","arguments"}] the answer made; invalid: none */
} mlm_answer;
void mlm_answer_init(mlm_answer *a);
void mlm_answer_free(mlm_answer *a);
/* tools.c: */
/* choice.message.tool_calls (OpenAI) → a->tool_calls; -1 on a malformed one. */
int mlm_tools_openai_take(jv message_borrowed, mlm_answer *a);
/* A stream chunk's choices[0].delta.tool_calls (borrowed) into a->tool_calls:
 * pieces by "index", id and name as they come, arguments concatenated;
 * -1 on a hole in the indexes or more than MLM_TOOLS_MAX calls. */
#define MLM_TOOLS_MAX 128
int mlm_tools_openai_delta(jv tool_calls_borrowed, mlm_answer *a);
/* At the end of an answer: every call {"id","name","arguments"}, a missing
 * id "call_N", empty arguments "{}"; -1 when a call has no name. */
int mlm_tools_finish(mlm_answer *a);
/* The calls (borrowed) as records and llm-ask print them:
 * [{"id","name","arguments": the JSON value (its text when it is no JSON)}]. */
jv mlm_tools_calls_json(jv calls_borrowed);

typedef struct mlm_adapter {
	const char *name;
	/* Builds the HTTP request for entry e with key; req is borrowed. */
	int (*build)(const mlm_entry *e, const char *key, jv req, int stream,
	    mlm_httpreq *out, char *err, size_t errlen);
	/* A whole 2xx body. Returns 0 with a filled answer, or -1 with o filled
	 * (bad_response, blocked, ...). */
	int (*parse)(const mlm_entry *e, const char *body, size_t len,
	    mlm_answer *a, mlm_outcome *o);
	/* One stream event. Appends text to a; returns 0 to go on, 1 when the
	 * stream is complete, -1 with o filled on an in-stream error. */
	int (*event)(const mlm_entry *e, const char *event, const char *data, size_t len,
	    mlm_answer *a, mlm_outcome *o);
	/* A non-2xx answer (or one that failed to parse): fills o. */
	void (*classify)(const mlm_entry *e, long status, const mlm_headers *h,
	    const char *body, size_t len, mlm_outcome *o);
} mlm_adapter;

/* adapters.c: a wire's chat adapter (NULL out of range); the adapters of
 * every wire are declared from MLM_WIRES. */
const mlm_adapter *mlm_adapter_get(int wire);
#define MLM_WIRE_DECL(id, name, chat, embed) extern const mlm_adapter chat, embed;
MLM_WIRES(MLM_WIRE_DECL)
#undef MLM_WIRE_DECL

/* Shared by adapters: extracts the provider's wait hint from headers and
 * body (Retry-After, RetryInfo.retryDelay, x-ratelimit-reset-*, OpenRouter
 * X-RateLimit-Reset ms, "try again in 3.01s"/"retry in 37.42s" text). */
int64_t mlm_retry_hint(const mlm_headers *h, jv body_borrowed, const char *msg);
/* Generic classification from status + body shapes of providers.md §8. */
void mlm_classify_generic(long status, const mlm_headers *h, const char *body,
    size_t len, mlm_outcome *o);

/* classify.c, for adapter-*.c: a borrowed path look-up
 * ("error.details.0.code") giving a new reference or jv_null() when absent
 * or of the wrong shape; and (mlm_outcome_set) filling o with kind, status
 * and a one-line message (retry_ms -1, per_day 0). adapters.c: the body
 * reader below; the adapters' own request helpers are in adapter.h. */
jv mlm_jpath(jv v_borrowed, const char *path);
/* A body of len bytes parsed as JSON (jv_invalid() when it is not). */
jv mlm_parse_body(const char *body, size_t len);
void mlm_outcome_set(mlm_outcome *o, int kind, long status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* ---------- sched.c: choosing an entry; state.c: where its memory lives ---------- */

/*
 * Scheduler state is a set of records, one per scope:
 *   "e:ID"            one entry (not found, failures, latency)
 *   "k:KEYREF"        one key (auth failures, no credit)
 *   "o:OWNER[|MODEL]" one quota owner, per model where the provider meters so
 *                     (cooldowns, rate windows, in-flight)
 *   "m:PROVIDER/MODEL" a model at a provider (overload)
 * A store keeps them: in memory, in SQLite (shared by processes) or in Redis
 * (shared by machines). No key material is ever part of a scope or record.
 */
typedef struct mlm_srec {
	char scope[256];
	int64_t until_ms;       /* unavailable until then (cooling, parked, dead) */
	char kind[24];          /* why: an error kind name, "" when none */
	char why[160];
	int dead;               /* dead (auth, not found): only half-open probes */
	int fails;              /* consecutive failures */
	int64_t win_start;      /* start of the current minute window (ms) */
	double win_count, win_prev;  /* requests in this and the previous minute */
	double tok_count, tok_prev;  /* tokens likewise */
	int64_t day_start;      /* start of the current quota day (ms) */
	double day_count;
	long inflight;          /* leases not yet returned (store-maintained) */
	double lat_ms;          /* latency estimate (EWMA), 0 unknown */
	double lat_dev;         /* mean deviation, for p95 estimates */
	long n_ok, n_err;       /* totals */
	double learned_rpm;     /* learned per-minute limit, 0 none */
	double learned_conc;    /* learned requests-in-flight limit, 0 none */
	int64_t updated_ms;
	int64_t since_ms;       /* when the running cooldown began; negated
	                         * while a half-open probe holds the scope */
	/* windows.c: the windows beyond minute and day requests (MLM_WX_*):
	 * the start of each one's current period, its count and its last
	 * charge; the last period's count and when its last charge leaves a
	 * rolling window */
	int64_t wx_start[5], wx_last[5], wx_pexp[5];
	double wx_cur[5], wx_prev[5];
	double tok_avg, neu_avg;    /* tokens and neurons of an answer (EWMA), 0 unknown */
} mlm_srec;

/* The stored fields of mlm_srec, for stores that serialise records. */
enum { MLM_F_I64, MLM_F_INT, MLM_F_LONG, MLM_F_DBL, MLM_F_STR };
typedef struct mlm_srec_field {
	const char *name;
	int type;
	size_t off, size;
} mlm_srec_field;
extern const mlm_srec_field mlm_srec_fields[];
extern const size_t mlm_srec_nfields;

typedef struct mlm_store mlm_store;
typedef struct mlm_store_ops {
	const char *name;
	/* A transaction over the scopes: lock (shared stores), read, write, commit. */
	int (*begin)(mlm_store *s);
	void (*commit)(mlm_store *s);
	/* Loads the record of a scope; a scope never seen loads zeroed (0). */
	int (*load)(mlm_store *s, const char *scope, mlm_srec *r);
	int (*save)(mlm_store *s, const mlm_srec *r);
	/* In-flight leases: expire after ttl_ms if the holder dies. */
	int (*lease)(mlm_store *s, const char *scope, int64_t ttl_ms, uint64_t *id);
	void (*unlease)(mlm_store *s, const char *scope, uint64_t id);
	/* Calls cb for every record (for --status). */
	int (*each)(mlm_store *s, void (*cb)(void *u, const mlm_srec *r), void *u);
	/* Clears one scope (NULL: all). */
	int (*reset)(mlm_store *s, const char *scope);
	void (*close)(mlm_store *s);
} mlm_store_ops;
struct mlm_store {
	const mlm_store_ops *ops;
	char warn[MLM_ERRLEN];  /* a degradation to report once (fallback to memory...) */
	int warned;
	int degraded;           /* 1 while a shared store is unreachable and memory stands in */
	unsigned char secret[32];   /* keys the key digests: see mlm_store_secret */
	int has_secret;
};

/* Opens the store named by spec: NULL or "" (LLM_STATE, else SQLite under
 * $XDG_STATE_HOME/many-llm/state.db), "memory", a path, or redis://HOST:PORT/DB.
 * A store that cannot be opened falls back to memory with s->warn set. */
mlm_store *mlm_store_open(const char *spec, char *err, size_t errlen);
mlm_store *mlm_store_memory(void);
/* The random secret that keys the key digests of the state (HMAC-SHA256),
 * so a digest seen in the state or a status page cannot confirm a guessed
 * key: kept beside a SQLite file as FILE.secret (0600), in Redis as
 * mlm:secret, per process for memory. */
const unsigned char *mlm_store_secret(mlm_store *s);
/* A key's keyed digest, 16 hex digits. */
void mlm_store_key_digest(mlm_store *s, const char *key, char out[17]);
/* $XDG_STATE_HOME/many-llm/FILE (else ~/.local/state/...), making the
 * directories 0700. -1 when there is no home for it. */
int mlm_state_path(const char *file, char *out, size_t n);
/* The same; on failure why says what failed (the path and the reason). */
int mlm_state_path_why(const char *file, char *out, size_t n, char *why, size_t wl);
void mlm_store_close(mlm_store *s);

enum mlm_strategy {
	MLM_STRAT_SMART = 0, MLM_STRAT_SEQUENTIAL, MLM_STRAT_RANDOM, MLM_STRAT_ROUND_ROBIN,
	MLM_STRAT_WEIGHTED, MLM_STRAT_LEAST_BUSY, MLM_STRAT_LATENCY, MLM_STRAT_HEADROOM,
	MLM_STRAT__N
};
const char *mlm_strategy_name(int s);
int mlm_strategy_parse(const char *s);     /* -1 if unknown */

typedef struct mlm_sched mlm_sched;

/* What a call needs of an entry. */
typedef struct mlm_pick {
	const char *model;          /* glob over entry models, NULL any */
	const char *provider;       /* glob over providers, NULL any */
	long need_tokens;           /* estimated prompt + output tokens, 0 unknown */
	int need_schema;            /* prefer entries that take a schema natively */
	const unsigned char *tried; /* entries this call already tried (may be NULL) */
	const char *avoid_owner;    /* quota owner to avoid (hedging), NULL none */
	const char *entry;          /* glob over entry ids, NULL any */
	int ignore_state;           /* every matching entry, whatever the state says
	                             * (llm-pool --check probes dead ones too) */
	long items;                 /* an embedding batch's inputs (0: not one): what
	                             * a pick counts per minute where the provider
	                             * meters each input (Gemini) */
	unsigned need_caps;         /* MLM_FEAT_VISION, MLM_FEAT_TOOLS the request
	                             * needs (caps.c): entries without are skipped */
	int wait_dead;              /* a dead entry's probe time counts as a wait
	                             * (batches wait out an outage; a single call
	                             * fails at once) */
} mlm_pick;

mlm_sched *mlm_sched_new(mlm_pool *pool, mlm_store *store, int strategy);
void mlm_sched_free(mlm_sched *s);
void mlm_sched_set_strategy(mlm_sched *s, int strategy);
/* Picks an entry. Returns its index, or -1 with *wait_ms set to when the
 * soonest candidate frees up (-1: none ever will). why (may be NULL) gets one
 * line per skipped entry ("ID: cooling 12.3s (rate_limited)"). The pick takes
 * an in-flight lease and counts the request in the owner's windows. */
int mlm_sched_pick(mlm_sched *s, const mlm_pick *q, int64_t *wait_ms, uint64_t *lease,
    mlm_buf *why);
/* Reports the attempt's outcome: applies the action of its kind (design.md),
 * returns the lease, updates latency and learned limits. */
void mlm_sched_done(mlm_sched *s, int idx, uint64_t lease, const mlm_outcome *o,
    int64_t latency_ms, long tokens, const mlm_headers *h);
/* Batches: between mlm_sched_batch(s, 1) and (s, 0) every pick and outcome
 * shares one store transaction (nests). Nothing slow may happen inside. */
void mlm_sched_batch(mlm_sched *s, int on);
/* The entry's latency p95 estimate in ms, -1 before its first answer (for hedging). */
double mlm_sched_p95(mlm_sched *s, int idx);
/* Marks (entry, feature) unsupported in this process; asks about it. */
void mlm_sched_unsupported(mlm_sched *s, int idx, unsigned feature);
int mlm_sched_is_unsupported(const mlm_sched *s, int idx, unsigned feature);
/* After a pick that found nothing: the kind keeping the soonest entry away
 * ("auth" for dead keys, "quota_exhausted", "rate_limited", ...). */
const char *mlm_sched_block_kind(const mlm_sched *s);
/* And the entry (index) it would wait for, -1 when none. */
int mlm_sched_block_entry(const mlm_sched *s);
/* 1 when the soonest it would go is when a request in flight ends (a
 * concurrency slot): the engine wakes such a wait when one of its attempts
 * ends rather than after the wait. */
int mlm_sched_block_slot(const mlm_sched *s);
/* One line per matching entry that cannot be picked now, into why:
 * "ID: cooling 12.3s (kind: why)" or "ID: dead, probe in 3599.0s (...)". */
void mlm_sched_explain(mlm_sched *s, const mlm_pick *q, mlm_buf *why);
/* The scopes of entry idx (for status views): entry, key, owner, model. */
void mlm_sched_scopes(const mlm_sched *s, int idx, char e[256], char k[256], char o[256], char m[256]);
mlm_store *mlm_sched_store(mlm_sched *s);
const mlm_entry *mlm_sched_entry(const mlm_sched *s, int idx);

/* status.c: one entry as the scheduler sees it (the store is read; hold a
 * transaction around a loop over entries). */
typedef struct mlm_entry_status {
	const char *state;          /* "ok", "cooling", "parked", "dead" */
	int which;                  /* the scope keeping it away, -1 none */
	mlm_srec r[4];              /* entry, key, owner, model */
	char scope[4][256];
	int day_full;               /* parked: the declared daily limit is reached */
	int win_full;               /* parked: another window is full (windows.c) */
	int64_t win_until;          /* and when it frees */
	char win_why[160];
} mlm_entry_status;
void mlm_sched_entry_status(mlm_sched *s, int idx, int64_t now, mlm_entry_status *st);
/* The llm-pool --status record of entry idx (e is pool entry idx). */
jv mlm_sched_status_json(mlm_sched *s, const mlm_entry *e, int idx, int64_t now);
/* Requests in the last minute, from a record's sliding window. */
double mlm_srec_minute(const mlm_srec *r, int64_t now);
/* Queries for the tools (sched.c), so that bin/ never touches a store:
 * _cooling: entries kept away (any scope) at now, for llm-map's progress;
 * _soonest_free: the soonest time (ms) an entry whose model model_glob
 * matches (NULL: any) can be picked for a request of need_tokens (0:
 * unknown) — its cooldown, windows, tokens per minute and concurrency —
 * now when one can, -1 when none matches; *limited when that entry waits
 * on a rate limit or quota;
 * _reset: forgets the learned state, all of it (id_glob NULL) or that of
 * the entries id_glob matches (all four scopes), returning how many matched;
 * _store_name: "memory", "sqlite", "redis". Status loops hold a
 * transaction with mlm_sched_batch. */
long mlm_sched_cooling(mlm_sched *s, int64_t now);
int64_t mlm_sched_soonest_free(mlm_sched *s, const char *model_glob, long need_tokens,
    int64_t now, int *limited);
long mlm_sched_reset(mlm_sched *s, const char *id_glob);
const char *mlm_sched_store_name(const mlm_sched *s);
/* _store_degraded: a shared store is unreachable and memory stands in;
 * _store_warning: the store's degradation to report, once (NULL: none, or
 * already reported). */
int mlm_sched_store_degraded(const mlm_sched *s);
const char *mlm_sched_store_warning(mlm_sched *s);

/* caps.c: what a request needs of an entry, and whether the entry has it. */
/* MLM_FEAT_VISION when the request carries images, MLM_FEAT_TOOLS with tools. */
unsigned mlm_caps_need(jv req_borrowed);
/* The prompt's size in tokens, estimated (many-llm(7)): ASCII text a token
 * per 4 bytes, CJK a token per character, other text a token per 2
 * characters, 4 per message, 1000 per image. */
long mlm_caps_tokens(jv req_borrowed);
long mlm_caps_out_tokens(jv req_borrowed);      /* its max_tokens, 0 when not set */
/* Both of the above at once (a plain request in one pass). */
unsigned mlm_caps_need_tokens(jv req_borrowed, long *tokens);
/* "images", "tools" (the first capability in feat). */
const char *mlm_caps_name(unsigned feat);
/* 1 when entry idx cannot take q's request (capability learned or
 * catalogued, window, tokens per minute); why gets the reason. */
int mlm_caps_skip(const mlm_sched *s, int idx, const mlm_pick *q, mlm_buf *why);
/* Which feature an unsupported answer's message is about (learning). */
unsigned mlm_caps_learn(const char *msg);
/* A provider's refusal of images or tools to a model that takes none
 * (classify.c: such a 400 is unsupported, so it is learned). */
int mlm_caps_refusal_text(const char *msg);
/* When no entry matching q can take its request: the kind (unsupported,
 * too_large) and a message naming what was missing; else 0. */
int mlm_caps_unservable(const mlm_sched *s, const mlm_pool *p, const mlm_pick *q, char *msg,
    size_t n);
/* ---------- windows.c: the windows beyond rpm, rpd, tpm and conc ----------
 * Requests per hour and month, tokens per day and month, Cloudflare's
 * neurons per day, each with its reset rule, kept in the owner's record
 * (mlm_srec wx_*). Pure functions of the time given, so tests fix the clock.
 */
enum { MLM_WX_RPH, MLM_WX_RPMO, MLM_WX_TPD, MLM_WX_TPMO, MLM_WX_NPD, MLM_WX__N };
int mlm_wx_kind(int wx);                    /* its MLM_WIN_* */
/* The start of the period holding now, and the end of the period that
 * starts at start, for a window kind under a reset rule: hours on the UTC
 * hour, days at 00:00 UTC or midnight US Pacific (taken as 08:00 UTC, the
 * later of its two offsets), months on the 1st (UTC, or 08:00 UTC). */
int64_t mlm_win_period(int kind, int reset, int64_t now);
int64_t mlm_win_period_end(int kind, int reset, int64_t start);
/* The reset rule in force for a window of e (declared, else the entry's
 * daily reset for day windows, the calendar month for month windows). */
int mlm_win_reset(const mlm_limits *l, int kind);
/* Rolls the counters of owner record r forward to now. */
void mlm_win_roll(mlm_srec *r, const mlm_limits *l, int64_t now);
/* Usage of window wx in r at now: this period's count, and for a rolling
 * window the last period's too while its last charge is inside. */
double mlm_win_used(const mlm_srec *r, const mlm_limits *l, int wx, int64_t now);
/* Whether a pick may go now: 0, or -1 with *wait (ms, to when it frees),
 * *kind ("quota_exhausted", "rate_limited") and why one line. need_tokens:
 * the caller's estimate (0 unknown); inflight: the owner's other requests
 * not yet answered (their tokens are not charged yet). r is rolled. */
int mlm_win_check(mlm_srec *r, const mlm_limits *l, long need_tokens, long inflight,
    int64_t now, int64_t *wait, const char **kind, char *why, size_t wl);
/* Charges a pick (one request) and an answer's tokens and neurons. */
void mlm_win_charge_pick(mlm_srec *r, const mlm_limits *l, int64_t now);
void mlm_win_charge_answer(mlm_srec *r, const mlm_limits *l, long in_tok, long out_tok,
    int64_t now);
/* Neurons of an answer at rates per million tokens; the rates of a model:
 * the catalog's, else the documented estimate (MLM_NEURONS_IN/OUT). */
#define MLM_NEURONS_IN 26668
#define MLM_NEURONS_OUT 204805
double mlm_neurons(long neu_in, long neu_out, long in_tok, long out_tok);
void mlm_neuron_rates(const mlm_limits *l, long *in, long *out);
/* Usage against every declared window, for status views:
 * [{"window","used","limit","reset"?,"frees"?}] (integers; ms since the epoch). */
jv mlm_win_status_json(const mlm_srec *r, const mlm_limits *l, int64_t now);
/* A declared window (any kind but conc) full at now: 1 with *until. */
int mlm_win_full(const mlm_srec *r, const mlm_limits *l, int64_t now, int64_t *until,
    char *why, size_t wl);
/* The scheduler: charges an answer's reported tokens to entry idx's owner
 * (where the entry declares a token or neuron window). */
void mlm_sched_usage(mlm_sched *s, int idx, long in_tok, long out_tok);

/* ---------- engine.c: calls with failover on libcurl's multi interface ---------- */

typedef struct mlm_call_opts {
	int max_attempts;           /* default 10 */
	long connect_ms;            /* per attempt, default 10000 */
	long first_byte_ms;         /* per attempt, default 60000 */
	long total_ms;              /* per attempt, default 300000 */
	long max_wait_ms;           /* longest wait for a cooling entry, default 120000 */
	int stream;                 /* ask for a stream (deltas delivered as they come) */
	mlm_pick pick;
	int verbose;                /* collect a why line per decision */
	int no_restart;             /* a failure after streamed output ends the call
	                             * (llm-serve: bytes sent cannot be taken back) */
	/* Structured output: answers are validated against the schema (fmt.h)
	 * with the same code as llm-fmt. The schema goes to the provider natively
	 * where the entry takes it, else JSON mode plus the schema in the system
	 * prompt. An answer that does not validate is re-asked on the same entry
	 * (reask times, carrying the errors), then the call fails over. */
	const struct mlm_schema *schema;   /* borrowed; NULL: plain text */
	int multi;                  /* the answer holds many items of the schema */
	int reask;                  /* default 1 */
} mlm_call_opts;
void mlm_call_opts_init(mlm_call_opts *o);

typedef struct mlm_result {
	int ok;
	int kind;                   /* MLM_OK or the last attempt's kind */
	char msg[512];              /* failure: every attempt named, the last first */
	char *text;                 /* the answer (malloc'd), NULL on failure */
	const mlm_entry *entry;     /* who answered (or was tried last) */
	long in_tok, out_tok;
	int nattempts;
	jv attempts;                /* [{"entry","kind","status","ms"}], owned by the result */
	int64_t ms;
	int restarted;              /* a stream was cut after output and restarted */
	jv data;                    /* with a schema: the validated value; else invalid */
	jv tool_calls;              /* [{"id","name","arguments"}] when the answer calls
	                             * tools (the request's "tools"); else invalid */
} mlm_result;
void mlm_result_free(mlm_result *r);
/* The result record of design.md (without "i"/"id"). */
jv mlm_result_json(const mlm_result *r);
/* The same fields set on o (consumed), after what o holds already. */
jv mlm_result_json_to(jv o, const mlm_result *r);
/* The same fields as JSON text, each ",\"name\":value" (the caller
 * opens and closes the object): what dumping mlm_result_json_to writes,
 * without building it. */
int mlm_result_write(mlm_buf *b, const mlm_result *r);

typedef struct mlm_engine mlm_engine;
typedef void (*mlm_done_fn)(void *u, mlm_result *r);
/* Streamed text as it arrives; n == 0 with text == NULL means "what was shown
 * so far is void: the stream was cut and the call starts again elsewhere". */
typedef void (*mlm_delta_fn)(void *u, const mlm_entry *e, const char *text, size_t n);
/* One line per attempt or decision, for -v and LLM_LOG. */
typedef void (*mlm_trace_fn)(void *u, jv attempt);

mlm_engine *mlm_engine_new(mlm_pool *pool, mlm_sched *sched, char *err, size_t errlen);
void mlm_engine_free(mlm_engine *g);
void mlm_engine_trace(mlm_engine *g, mlm_trace_fn fn, void *u);
/* Starts a call; req is consumed. done is called exactly once, from
 * mlm_engine_run; the result is freed after it returns. Returns a call id. */
long mlm_engine_submit(mlm_engine *g, jv req, const mlm_call_opts *o,
    mlm_done_fn done, mlm_delta_fn delta, void *u);
/* Cancels a call (its done runs with kind timeout and "cancelled"). */
void mlm_engine_cancel(mlm_engine *g, long id);
/* Runs transfers for at most timeout_ms, and no longer than it takes to run
 * a done or delta callback (the caller may have work to add then); returns
 * the number of calls still active. */
int mlm_engine_run(mlm_engine *g, int timeout_ms);
int mlm_engine_active(const mlm_engine *g);
/* The attempt a call is running: entry index and its start (mono ms).
 * Returns -1 when the call is not running an attempt now. */
int mlm_engine_call_attempt(const mlm_engine *g, long id, int *idx, int64_t *start_ms);
/* Wakes a thread blocked in mlm_engine_run (safe from any thread). */
void mlm_engine_wakeup(mlm_engine *g);
/* Descriptors mlm_engine_run also waits on (readable), even with no call
 * active, so one thread can serve them and the transfers: an HTTP server's
 * epoll descriptor, a signalfd. Up to 4; n == 0 removes them. */
int mlm_engine_watch(mlm_engine *g, const int *fds, unsigned n);
/* After mlm_engine_run: bit i set when fds[i] was found readable. */
unsigned mlm_engine_watched(const mlm_engine *g);
/* Blocking convenience: one call to completion. */
int mlm_call(mlm_engine *g, jv req, const mlm_call_opts *o, mlm_delta_fn delta, void *u,
    mlm_result *out);

/* ---------- cache.c: answers by request hash ---------- */

typedef struct mlm_cache mlm_cache;
/* LLM_CACHE=PATH, else $XDG_STATE_HOME/many-llm/cache.db. NULL: no cache. */
mlm_cache *mlm_cache_open(char *err, size_t errlen);
/* The stored record for hash, or jv_invalid() (none, or older than max_age_ms > 0). */
jv mlm_cache_get(mlm_cache *c, const char *hash, int64_t max_age_ms);
/* Keeps a record, given as its JSON text. */
void mlm_cache_put(mlm_cache *c, const char *hash, const char *record, size_t len);
void mlm_cache_close(mlm_cache *c);
/* The content hash of a neutral request ("stream" left out). */
void mlm_req_hash(jv req_borrowed, char out[17]);
/* The cache's key for a call: SHA-256 (64 hex digits) over everything that
 * shapes what is sent and who may answer it: the neutral request ("stream"
 * left out, borrowed), the model and provider globs, the schema and multi.
 * -1 when out of memory. */
struct mlm_schema;
int mlm_cache_key(jv req_borrowed, const char *model, const char *provider,
    const struct mlm_schema *schema, int multi, char out[65]);


/* ---------- embed.c: embedding calls (embed-*.c: their wire formats) ----------
 * The neutral embedding request: {"embed": [str, ...], "dimensions": int?,
 * "task": str? (Gemini's taskType), "encoding_format": "float"|"base64"?}.
 * It goes through mlm_engine_submit/mlm_call like a chat request; the
 * result's text is a JSON array of vectors, one per input in input order,
 * and in_tok the provider's count of input tokens (-1 unknown). An answer
 * with another count of vectors fails over (bad_response), one whose
 * vectors have other dimensions than "dimensions" asks too (unsupported).
 */
/* texts: an array of strings, or one string (consumed). */
jv mlm_req_embed(jv texts, long dimensions, const char *task);
int mlm_req_is_embed(jv req_borrowed);
long mlm_embed_items(jv req_borrowed);          /* its inputs; 0 for a chat request */
/* adapters.c: the adapter for a request on a wire: embedding or chat. */
const mlm_adapter *mlm_adapter_for(int wire, jv req_borrowed);
/* The most inputs one request to the entry's provider may carry. */
long mlm_embed_batch_max(const mlm_entry *e);
/* The most tokens (summed over its inputs) one request may carry, 0 when
 * unknown; and a cautious guess of a text's tokens from its bytes. */
long mlm_embed_batch_tokens(const mlm_entry *e);
long mlm_embed_tokens_guess(size_t bytes);
/* The most tokens one input may have (the catalog's max_input_tokens), 0
 * when unknown. */
long mlm_embed_input_tokens(const mlm_entry *e);
/* How many of the leading texts (an array of strings, borrowed) one request
 * of at most max_items inputs and max_tokens estimated tokens carries (0: no
 * such limit): at least one when there is one. */
int mlm_embed_fit(jv texts_borrowed, long max_items, long max_tokens);
/* For embed-*.c: checks the entry and that req (borrowed) has a non-empty
 * "embed" array of strings, returned in *inputs; clears out. */
int mlm_embed_begin(const mlm_entry *e, jv req, mlm_httpreq *out, jv *inputs, char *err,
    size_t errlen);
long mlm_embed_dimensions(jv req_borrowed);     /* 0 when not asked */
/* Fills a from the provider's vectors (consumed: an array of arrays of
 * numbers or of base64 float32 strings); -1 with o filled when malformed. */
int mlm_embed_answer(jv vecs, long in_tok, mlm_answer *a, mlm_outcome *o);
/* After a parse: 0, or -1 with o filled when the answer does not fit req. */
int mlm_embed_check(jv req_borrowed, const mlm_answer *a, mlm_outcome *o);
int mlm_embed_no_event(const mlm_entry *e, const char *event, const char *data, size_t len,
    mlm_answer *a, mlm_outcome *o);

#endif
