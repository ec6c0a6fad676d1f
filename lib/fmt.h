/*
 * fmt.h — llm-fmt's library: schemas, extraction and repair of JSON from
 * model output, validation with coercion, and emitters (JSON, C, sh, TSV,
 * CSV, Python, Go, Rust, TypeScript). Shared by llm-fmt, llm-ask --schema
 * and llm-map --schema.
 *
 * Pipeline:  text ──mlm_fmt_extract──▶ candidates (whole text, code fences,
 * balanced {…}/[…] spans, NDJSON joined) ──tolerant parse + repair journal──▶
 * conservation check ──coerce + validate (levels)──▶ jv ──emitter──▶ bytes.
 * Each stage is a file under lib/fmt-*.c (the map is in fmt-int.h, their
 * private header); the provider dialects in adapter-*-schema.c.
 *
 * Ownership (mlm.h conventions hold: no printing, no exiting, -1/NULL plus
 * one line in err):
 *  - mlm_schema_parse*() return a tree the caller frees with
 *    mlm_schema_free(). The tree is read-only for everybody else; its
 *    layout is public so that emitters and tools can walk it.
 *  - Functions returning jv return a new reference (the caller frees it).
 *    Functions taking jv consume it unless the comment says "borrows".
 *  - *out and *diag are set on every return (jv_null()/jv_array() at worst)
 *    and then belong to the caller.
 *  - char * results are malloc'd; the caller free()s them.
 *  - An emitter borrows its schema: the schema must outlive it.
 *
 * Numbers: values go through jv (doubles). Integers outside ±2^53 are
 * refused with a path-named error instead of silently losing digits.
 */
#ifndef MLM_FMT_H
#define MLM_FMT_H

#include <stddef.h>
#include <jv.h>
#include "mlm.h"

/* ---------- fmt-schema*.c: the schema tree ---------- */

enum mlm_stype {
	MLM_ST_STRING = 1,
	MLM_ST_INTEGER,
	MLM_ST_NUMBER,
	MLM_ST_BOOLEAN,
	MLM_ST_ENUM,       /* values in .enums (strings and/or numbers) */
	MLM_ST_ARRAY,      /* item schema in .items */
	MLM_ST_OBJECT,     /* properties in .props, schema order */
	MLM_ST_ANY         /* any JSON value */
};

struct mlm_schema;

typedef struct mlm_sprop {
	char *name;                /* the JSON key, as written */
	int required;              /* must be present (it may still be nullable) */
	struct mlm_schema *s;
} mlm_sprop;

typedef struct mlm_schema {
	int type;                  /* MLM_ST_* */
	int nullable;              /* null is a valid value */
	char *format;              /* "date", "date-time", "email", "uri", "uuid", or NULL */
	char *desc;                /* description, or NULL */
	jv dflt;                   /* default value, or jv_invalid() */
	int has_min, has_max;      /* value range (integer/number), length in  */
	double min, max;           /* characters (string), item count (array)  */
	int excl_min, excl_max;    /* exclusiveMinimum/Maximum (numbers only) */
	mlm_sprop *props;          /* object */
	size_t nprops;
	int closed;                /* object: additionalProperties:false was asked */
	struct mlm_schema *items;  /* array */
	jv enums;                  /* enum: jv array of the values; else jv_invalid() */
} mlm_schema;

/*
 * Parses a schema given as text. The kind is detected from the text:
 *  - starts with '{'                         → JSON Schema
 *  - starts with "struct", "typedef", "enum", "#", "//" or "/" "*"
 *                                            → C declarations (see _parse_c)
 *  - anything else                           → the concise DSL (_parse_dsl)
 * The library never reads files: "@FILE" and paths are the tool's job.
 * Errors name the position: "line 2, column 7: unknown type \"years\"".
 */
mlm_schema *mlm_schema_parse(const char *spec, char *err, size_t errlen);

/*
 * The concise DSL, a strict superset of simonw/llm's:
 *   name, age int, tags [str], address {street, city, zip str?}, role admin|user
 * Fields: `name[?] [type][?] [range] [= default] [: description]`.
 * Types: str string int integer float number bool boolean any date datetime
 * email uri uuid; `[T]` or `T[]` arrays; `[fields]` arrays of objects;
 * `{fields}` objects; `a|b|"c d"|1` enums; ranges `0..150`, `..280`, `1..`.
 * If a newline occurs outside brackets, fields are one per line and
 * descriptions may hold commas (as in llm); '#' starts a comment line.
 * An outer `[ fields ]` makes the root an array of objects.
 */
mlm_schema *mlm_schema_parse_dsl(const char *spec, char *err, size_t errlen);

/* A JSON Schema document (text). Supports type (with "null"), properties,
 * required, items, enum, const, description, default, format, minimum,
 * maximum, exclusiveMinimum/Maximum, minLength, maxLength, minItems, maxItems,
 * additionalProperties, nullable (OpenAPI), anyOf/oneOf of {T, null}, local
 * $ref into $defs/definitions. Keywords it cannot enforce (pattern,
 * allOf, not, ...) are refused with the schema path. */
mlm_schema *mlm_schema_parse_json(const char *text, char *err, size_t errlen);
/* The same from a parsed document (borrows doc). */
mlm_schema *mlm_schema_from_jv(jv doc, char *err, size_t errlen);

/* C declarations: structs (also typedef'd), enums, members of type
 * char * / const char *, char x[N], integer types, double/float, bool,
 * enum E, struct S (by value), struct S * (nullable), `T *x; size_t
 * x_count;` (array), `bool has_x;` (makes x nullable), `x_json` (any).
 * A comment after a member becomes its description. The root is the
 * struct named root, or the last struct defined when root is NULL. */
mlm_schema *mlm_schema_parse_c(const char *text, const char *root,
    char *err, size_t errlen);

void mlm_schema_free(mlm_schema *s);

/* A new schema whose root is an array of copies of s (for --multi). */
mlm_schema *mlm_schema_array_of(const mlm_schema *s);

/* Lowering. Each returns a new jv object. */
jv mlm_schema_jsonschema(const mlm_schema *s);   /* plain JSON Schema; the same as llm for llm's DSL */
/* The provider dialects live with the adapters that send them.
 * adapter-openai-schema.c: OpenAI strict json_schema subset: object root (an
 * array root is wrapped as {"items": [...]}), additionalProperties:false and
 * every key required on every object, optional keys as [T,"null"],
 * unsupported keywords moved into the description. */
jv mlm_schema_openai(const mlm_schema *s);
/* The same from a JSON Schema (borrowed; as the engine puts it in the
 * neutral request); invalid, with err set, when strict mode cannot say it:
 * an "any" value or object, a mixed enum, past OpenAI's nesting, property
 * or enum limits. */
jv mlm_schema_openai_strict(jv js, char *err, size_t errlen);
/* adapter-gemini-schema.c: Gemini responseSchema (OpenAPI subset):
 * upper-case types, nullable, propertyOrdering, no additionalProperties,
 * enum values as strings. */
jv mlm_schema_gemini(const mlm_schema *s);
/* The same from a JSON Schema (borrowed); invalid, with err set, for an
 * "any" value, which it has no type for, or an object without properties. */
jv mlm_schema_gemini_dialect(jv js, char *err, size_t errlen);
/* The DSL text (malloc'd); parses back to the same schema. */
char *mlm_schema_dsl(const mlm_schema *s);

/* ---------- extraction, repair, validation (fmt-extract.c, fmt-repair.c, fmt-validate.c) ---------- */

enum { MLM_FMT_STRICT = 0, MLM_FMT_SAFE = 1, MLM_FMT_LENIENT = 2 };        /* coercion level */
enum { MLM_FMT_REPAIR_NONE = 0, MLM_FMT_REPAIR_SAFE = 1, MLM_FMT_REPAIR_AGGRESSIVE = 2 };
enum { MLM_FMT_EXTRA_DROP = 0, MLM_FMT_EXTRA_ERROR, MLM_FMT_EXTRA_KEEP };

typedef struct mlm_fmt_opts {
	int level;         /* MLM_FMT_STRICT/SAFE/LENIENT; default SAFE */
	int repair;        /* MLM_FMT_REPAIR_*; default SAFE */
	int multi;         /* the answer holds many items of the schema: *out is an array */
	int extra;         /* extra keys at SAFE/LENIENT: MLM_FMT_EXTRA_*; STRICT always errors */
	size_t max_errors; /* validation errors collected (0 = 20) */
} mlm_fmt_opts;

/* Level/tier names: "strict" "safe" "lenient" / "none" "safe" "aggressive"; -1 if unknown. */
int mlm_fmt_level_parse(const char *s);
int mlm_fmt_repair_parse(const char *s);

/*
 * Pulls the value the schema describes out of model text: the whole text,
 * code fences, values starting at any '{' or '[' in prose, NDJSON joined,
 * JSON held in a JSON string; values inside <think>...</think> only when
 * nothing outside exists. The one that validates wins; with several, the
 * most items (multi), then the fewest repairs+coercions, then the first.
 * Then repairs by tier, the conservation check (a repair may never change
 * a string's content), coercion and validation.
 *
 * Returns 0 with the validated value in *out, or -1 with *out = jv_null()
 * and the first error in err (e.g. `$.jobs[1].years: expected integer, got
 * "five" (string)`). o may be NULL (defaults).
 *
 * *diag is always an array of objects, one per event, in order:
 *   {"kind":"repair"|"coerce"|"warning"|"error"|"note", "code":"trailing_comma",
 *    "path":"$.a" (coerce/error/warning), "offset":N (repair: byte offset in text),
 *    "message":"one line for humans"}
 * Notable codes: "truncated" (repair: the text ended inside the value),
 * "no_json" (error: no candidate at all), "lossy" (error: conservation failed).
 * Only the chosen candidate's repairs and coercions are reported; on failure,
 * the errors of the most promising candidate.
 */
int mlm_fmt_extract(const mlm_schema *s, const char *text, size_t len,
    const mlm_fmt_opts *o, jv *out, jv *diag, char *err, size_t errlen);

/* Validates and coerces an already parsed value (consumed): what extract does
 * after parsing. Same results as mlm_fmt_extract. */
int mlm_fmt_validate(const mlm_schema *s, jv value, const mlm_fmt_opts *o,
    jv *out, jv *diag, char *err, size_t errlen);

/* Strict RFC 8259 parse of one whole value (white space around it only).
 * Returns 0, or -1 with "line L, column C: reason" in err. (libjq 1.6's
 * jv_parse leaks on some errors; this does not.) */
int mlm_fmt_parse_json(const char *text, size_t len, jv *out, char *err, size_t errlen);

/* Tolerant parse only (no schema): the repaired value of the first candidate
 * that parses, with its repair journal in *diag. Returns 0 or -1. */
int mlm_fmt_repair(const char *text, size_t len, int tier, jv *out, jv *diag,
    char *err, size_t errlen);

/* ---------- fmt-emit*.c: output forms ---------- */

enum mlm_fmt_to {
	MLM_TO_JSON = 0, MLM_TO_C, MLM_TO_C_DECL, MLM_TO_C_VALUE, MLM_TO_SH,
	MLM_TO_TSV, MLM_TO_CSV, MLM_TO_PY, MLM_TO_GO, MLM_TO_RS, MLM_TO_TS,
	MLM_TO__N
};
int mlm_fmt_to_parse(const char *s);          /* "json", "c", "c-decl", ...; -1 if unknown */
const char *mlm_fmt_to_name(int to);

typedef struct mlm_emit_opts {
	int to;                /* MLM_TO_* */
	const char *name;      /* type name for c/go/rs/ts/py (default "llm_result") */
	const char *prefix;    /* sh variable prefix (default "LLM_") */
	int header;            /* tsv/csv: write a header line first */
	int upper;             /* sh: upper-case variable names */
	int c_nul;             /* c: 0 = a NUL inside a string is an error; 1 = escape it and
	                          add a `size_t <member>_len` after every string member */
	int ascii;             /* c: bytes >= 0x80 as octal escapes */
} mlm_emit_opts;

typedef struct mlm_emitter mlm_emitter;

/* Prepares names and types for s (borrowed; must outlive the emitter). Fails
 * when the schema cannot be expressed in the target (e.g. nested arrays in C). */
mlm_emitter *mlm_fmt_emitter_new(const mlm_schema *s, const mlm_emit_opts *o,
    char *err, size_t errlen);
/* Appends what comes once before the values: C/Go/Rust/TS/Python type
 * declarations, a TSV/CSV header. */
int mlm_fmt_emit_begin(mlm_emitter *e, mlm_buf *b, char *err, size_t errlen);
/* Appends one value (borrows v; it must have been validated against s),
 * ending with a newline. Values are numbered from 0 (C: <name>_0, ...). */
int mlm_fmt_emit_value(mlm_emitter *e, jv v, mlm_buf *b, char *err, size_t errlen);
/* Appends what comes once after the values (C: <name>_all[] and <name>_count). */
int mlm_fmt_emit_end(mlm_emitter *e, mlm_buf *b, char *err, size_t errlen);
void mlm_fmt_emitter_free(mlm_emitter *e);

#endif
