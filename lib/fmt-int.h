/*
 * fmt-int.h — what llm-fmt's stages in lib/ share among themselves and with
 * the provider dialects of the adapters (adapter-*-schema.c); not for tools,
 * which see only fmt.h.
 *
 * The stages, one prefix:
 *   fmt-schema.c        the schema tree, detection of the kind, shared helpers
 *   fmt-schema-dsl.c    the concise DSL in and out
 *   fmt-schema-json.c   JSON Schema in, plain JSON Schema out
 *   fmt-schema-c.c      C declarations in
 *   fmt-node.c          parsed values as written (mlm_fnode), diagnostics
 *   fmt-repair.c        the tolerant parser and its repair journal
 *   fmt-extract.c       candidates in model text, the conservation check
 *   fmt-validate.c      coercion and validation against a schema
 *   fmt-emit.c          emitters: names, the API; fmt-emit-c.c, -flat.c, -lang.c
 *                       the families of output languages
 */
#ifndef MLM_FMT_INT_H
#define MLM_FMT_INT_H

#include "fmt.h"

/* A parsed value as written: strings decoded (may hold NUL), numbers with
 * their lexeme, keys in order, duplicates kept for the validator to see. */
enum { FN_NULL = 0, FN_BOOL, FN_NUM, FN_STR, FN_ARR, FN_OBJ };
typedef struct mlm_fnode {
	int t;
	int b;                 /* FN_BOOL */
	double num;            /* FN_NUM */
	char *s;               /* FN_STR: bytes; FN_NUM: the lexeme */
	size_t slen;
	struct mlm_fnode **kid;/* FN_ARR items / FN_OBJ values */
	char **key;            /* FN_OBJ keys */
	size_t *klen;
	size_t n, cap;
	size_t off;            /* byte offset in the text */
} mlm_fnode;
void mlm_fnode_free(mlm_fnode *n);
mlm_fnode *mlm_fnode_from_jv(jv v);            /* consumes v */
jv mlm_fnode_to_jv(const mlm_fnode *n);
mlm_fnode *mlm_fnode_new(int t, size_t off);
/* Appends v to an array (key NULL) or object p; takes key and v. -1 when out of memory. */
int mlm_fnode_add(mlm_fnode *p, char *key, size_t klen, mlm_fnode *v);

/* An append that sets b->over when refused (the text would pass the cap):
 * the caller tests the flag once when done and fails, never using a cut
 * text. */
void mlm_fmt_add(mlm_buf *b, const void *s, size_t n);

/* ---------- fmt-repair.c: the tolerant parser ---------- */

typedef struct mlm_fcand {
	mlm_fnode *v;
	jv diag;               /* its repair journal */
	size_t start, end;     /* the bytes it was read from */
	int truncated;         /* the text ended inside it */
} mlm_fcand;
/* Parses one value at [start, n) with the repairs tier allows, spending
 * from *budget (bytes the whole search may still read); whole: only space
 * and comments may follow. 0 with *c filled, or -1 with the reason in why. */
int mlm_fmt_parse_at(const char *s, size_t n, size_t start, int tier, int whole, size_t *budget,
    mlm_fcand *c, char *why, size_t whylen);

/* Shared with the conservation check, so that both sides decode alike:
 * curly quotes at s[i] (1 “ 2 ” 3 ‘ 4 ’; 0 none); a code point as UTF-8;
 * one escape at s[i] == '\\' decoded into b (the bytes consumed, 0 at the
 * end of text; *kind 0 normal, 1 invalid escape kept, 2 lone surrogate
 * replaced, 3 \\'); the length of a valid UTF-8 sequence at u (0: invalid). */
int mlm_fmt_curly(const char *s, size_t n, size_t i);
void mlm_fmt_put_utf8(mlm_buf *b, unsigned cp);
size_t mlm_fmt_decode_escape(const char *s, size_t n, size_t i, mlm_buf *b, int *kind);
size_t mlm_fmt_utf8_len(const unsigned char *u, size_t r);

/* ---------- fmt-extract.c ---------- */

/* Candidate values found in text, in preference order; *diags[i] holds each
 * candidate's repairs. Returns the count (<= max), and sets *why to a parse
 * error line when none parsed. */
size_t mlm_fmt_candidates(const char *text, size_t len, int tier, int multi,
    mlm_fnode **cand, jv *diags, size_t max, char *why, size_t whylen);
/* The conservation check: 0 when every string (and key) of n occurs in the
 * JSON-unescaped text; else -1 with the offending string in why. */
int mlm_fmt_conserved(const mlm_fnode *n, const char *text, size_t len,
    char *why, size_t whylen);
jv mlm_fmt_diag(const char *kind, const char *code, const char *path, long off,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* ---------- fmt-validate.c ---------- */

/* o, or the defaults when NULL, with max_errors set */
void mlm_fmt_opts_default(const mlm_fmt_opts *o, mlm_fmt_opts *d);
/* Coerces and validates one node against s (item: the item schema under
 * --multi, whose {"items": [...]} is unwrapped; NULL otherwise). 0 or -1;
 * *out and *diag set; *ncoerce the coercions made; the first error in first. */
int mlm_fmt_validate_node(const mlm_schema *s, const mlm_schema *item, const mlm_fnode *n,
    const mlm_fmt_opts *o, jv *out, jv *diag, size_t *ncoerce, char *first, size_t firstlen);

/* A number as schemas and messages show it (fmt-schema.c): "%.0f" when
 * integral and below 1e15, else "%.17g". */
void mlm_fmt_num(char *b, size_t n, double v);

/* ---------- fmt-schema.c: the tree, shared by the readers and lowerings ---------- */

#define MLM_SCHEMA_MAX_DEPTH 64   /* nesting a reader accepts */
mlm_schema *mlm_fmt_node_new(int type);
mlm_schema *mlm_fmt_node_copy(const mlm_schema *s);
/* Adds a property (name copied). 1 when the name is taken, -1 when out of memory. */
int mlm_fmt_add_prop(mlm_schema *o, const char *name, size_t nlen, mlm_schema *v, int required);
/* JSON Schema's word for a type ("string", ...), NULL for enum and any */
const char *mlm_fmt_type_name(int t);
/* the JSON type of an enum's values: "string", "integer", "number" or NULL (mixed) */
const char *mlm_fmt_enum_type(jv enums);
/* Appends one note (what a dialect cannot say in a keyword) to *extra, a
 * jv string, with "; " between notes. */
void mlm_fmt_note(jv *extra, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Sets "description" on o (consumed, returned): s's own, then the notes in
 * parentheses ("(format: uri; default: 3)"). Consumes extra. */
jv mlm_fmt_describe(jv o, const mlm_schema *s, jv extra);
/* "type": tn, or [tn, "null"] when nullable; nothing when tn is NULL. */
jv mlm_fmt_lower_type(jv o, const char *tn, int nullable);
/* "enum": s's values, null added when nullable. */
jv mlm_fmt_lower_enum(jv o, const mlm_schema *s, int nullable);
/* The range keywords of s's type: minimum/maximum, minLength/maxLength or
 * minItems/maxItems; exclusiveMinimum/Maximum when s says so and the
 * dialect has them (exclusive). */
void mlm_fmt_range_words(const mlm_schema *s, int exclusive, const char **lo, const char **hi);
/* Sets the range of s (if any) under the words given. */
jv mlm_fmt_lower_range(jv o, const mlm_schema *s, const char *lo, const char *hi);

/* ---------- fmt-emit*.c: the emitters ---------- */

/* ---------- appends ----------
 * The emitters append without a test after each append: an append the
 * buffer refuses (the output would pass its cap) sets the buffer's sticky
 * flag `over`, a temporary buffer's flag is carried into the one it is
 * copied to (out_buf), and the entry points (mlm_fmt_emit_begin, _value,
 * _end) turn a set flag into an error: an output that would be cut is never
 * written cut. */
static inline void
out_add(mlm_buf *b, const void *s, size_t n)
{
	if (mlm_buf_add(b, s, n) < 0)
		b->over = 1;
}

static inline void
out_puts(mlm_buf *b, const char *s)
{
	out_add(b, s, strlen(s));
}

static inline void __attribute__((format(printf, 2, 3)))
out_printf(mlm_buf *b, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->over = 1;
		return;
	}
	out_add(b, s, (size_t)n);
	free(s);
}

/* appends what src holds, and its flag */
static inline void
out_buf(mlm_buf *b, const mlm_buf *src)
{
	if (src->over)
		b->over = 1;
	out_add(b, src->p ? src->p : "", src->len);
}

typedef struct nset {
	char **v;
	size_t n;
} nset;

typedef struct ninfo {
	const mlm_schema *s;
	char *ctag;          /* C struct/enum tag */
	char *camel;         /* Go/Rust/TS/Python type name */
	char **cmem;         /* per prop: C member */
	char **gomem;        /* per prop: Go field */
	char **rsmem;        /* per prop: Rust field */
	char **enumr;        /* per enum value: C enumerator */
	size_t nprop, nenum;
} ninfo;

struct mlm_emitter {
	const mlm_schema *s;
	mlm_emit_opts o;
	char *name, *camelname;
	ninfo *ni;
	size_t nni;
	nset ctags, ctypes_camel, cenums;
	size_t count;
	int failed;
	mlm_buf tsvcols;     /* unused placeholder for future column lists */
};

/* A family of output languages (fmt-emit-c.c, -flat.c, -lang.c): what comes
 * before the values (NULL: nothing), one value numbered idx, what comes
 * after (NULL: nothing). Each returns 0 or -1 with err set; an append past
 * the cap only sets b->over, which the API turns into the error. */
typedef struct mlm_emit_family {
	int (*begin)(mlm_emitter *e, mlm_buf *b, char *err, size_t errlen);
	int (*value)(mlm_emitter *e, jv v, size_t idx, mlm_buf *b, char *err, size_t errlen);
	int (*end)(mlm_emitter *e, mlm_buf *b, char *err, size_t errlen);
} mlm_emit_family;
extern const mlm_emit_family mlm_emit_c, mlm_emit_c_decl, mlm_emit_c_value;   /* fmt-emit-c.c */
extern const mlm_emit_family mlm_emit_sh, mlm_emit_tsv;                       /* fmt-emit-flat.c (tsv: also csv) */
extern const mlm_emit_family mlm_emit_py, mlm_emit_go, mlm_emit_rs, mlm_emit_ts; /* fmt-emit-lang.c */

/* shared by the families (fmt-emit.c) */
int mlm_emit_nset_has(const nset *s, const char *x);
const char *mlm_emit_nset_unique(nset *s, char *x); /* takes x; x, or x_2, x_3...: the stored name */
void mlm_emit_nset_free(nset *s);
char *mlm_emit_ident(const char *k, int upper);   /* [A-Za-z0-9_], other runs as '_' */
char *mlm_emit_c_ident(const char *k);            /* a C member or identifier part */
char *mlm_emit_camel(const char *k);              /* CamelCase for Go/Rust/TS types */
ninfo *mlm_emit_info(mlm_emitter *e, const mlm_schema *s);
int mlm_emit_is_obj(const mlm_schema *s);         /* an object with properties */
int mlm_emit_is_str_enum(const mlm_schema *s);
int mlm_emit_num_enum(const mlm_schema *s);       /* 1 all integers, 2 some fractional, 0 strings/mixed */
int mlm_emit_integral(const mlm_schema *t);       /* written as an integer */
void mlm_emit_ll_text(char *b, size_t n, double d);
void mlm_emit_dbl(char *b, size_t n, double v);
const char *mlm_emit_jstr(jv v, size_t *len);
const char *mlm_emit_short_escape(unsigned char c);
void mlm_emit_cut(mlm_buf *b, size_t len);        /* b as it was at len */
void mlm_emit_ind(mlm_buf *b, int n);             /* n tabs */
int mlm_emit_c_check(const mlm_schema *s, const char *path, char *err, size_t errlen); /* fmt-emit-c.c */

#endif
