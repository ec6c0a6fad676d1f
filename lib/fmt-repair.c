/*
 * fmt-repair.c — the tolerant JSON parser of llm-fmt.
 *
 * Each candidate the extraction finds (fmt-extract.c) is read by one
 * recursive-descent parser whose every deviation from RFC 8259 is a
 * journaled repair, allowed or refused by tier:
 *   none        strict JSON
 *   safe        edits that cannot change a string's content: BOM, comments,
 *               trailing/extra commas, single/curly-quoted strings, unquoted
 *               keys, Python/JS literals, NaN/Infinity -> null, special
 *               whitespace, raw control characters, unknown escapes kept,
 *               truncated text closed (incomplete scalars are dropped, never
 *               guessed)
 *   aggressive  also guesses: unescaped inner quotes, missing commas,
 *               unquoted string values, missing values, ellipses, doubly
 *               escaped JSON
 * The conservation check (fmt-extract.c) then proves that every string of
 * the result occurs in the JSON-unescaped text.
 */

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt-int.h"

#define MAX_NEST 256

/* ---------- the tolerant parser ---------- */

typedef struct rp {
	const char *s;
	size_t n, i;
	int tier;
	int depth;
	int truncated;
	int failed;
	size_t fail_off;
	char why[300];
	jv diag;
	size_t *budget;        /* bytes the whole search may still spend */
	unsigned seen;         /* repair codes already journaled (bit per code) */
} rp;

static void
line_col(const char *s, size_t off, size_t *line, size_t *col)
{
	*line = 1;
	*col = 1;
	for (size_t k = 0; k < off; k++) {
		if (s[k] == '\n') {
			(*line)++;
			*col = 1;
		} else if (((unsigned char)s[k] & 0xC0) != 0x80)
			(*col)++;
	}
}

static int
rp_fail(rp *p, size_t off, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
rp_fail(rp *p, size_t off, const char *fmt, ...)
{
	if (p->failed)
		return -1;
	p->failed = 1;
	p->fail_off = off;
	char msg[200];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	size_t l, c;
	line_col(p->s, off, &l, &c);
	snprintf(p->why, sizeof p->why, "line %zu, column %zu: %s", l, c, msg);
	return -1;
}

enum {
	R_BOM, R_COMMENT, R_TRAILING_COMMA, R_EXTRA_COMMA, R_SINGLE_QUOTE, R_CURLY_QUOTE,
	R_UNQUOTED_KEY, R_PY_LITERAL, R_JS_LITERAL, R_NAN, R_SPECIAL_WS, R_CONTROL_CHAR,
	R_INVALID_ESCAPE, R_NUMBER_FORMAT, R_LONE_SURROGATE, R_INVALID_UTF8, R_TRUNCATED,
	R_INNER_QUOTE, R_MISSING_COMMA, R_UNQUOTED_VALUE, R_MISSING_VALUE, R_ELLIPSIS,
	R__N
};
static const struct {
	const char *code;
	int tier;
	const char *what;
} rinfo[R__N] = {
	{"bom", 1, "removed a byte order mark"},
	{"comment", 1, "removed a comment"},
	{"trailing_comma", 1, "removed a trailing comma"},
	{"extra_comma", 1, "removed an extra comma"},
	{"single_quote", 1, "read a single-quoted string"},
	{"curly_quote", 1, "read a string in curly quotes"},
	{"unquoted_key", 1, "quoted an unquoted key"},
	{"python_literal", 1, "read a Python/other-case literal as JSON"},
	{"js_literal", 1, "read undefined as null"},
	{"nan", 1, "read NaN/Infinity as null"},
	{"special_whitespace", 1, "treated special whitespace as a space"},
	{"control_char", 1, "kept a raw control character inside a string"},
	{"invalid_escape", 1, "kept an invalid escape as written"},
	{"number_format", 1, "read a non-JSON number spelling"},
	{"lone_surrogate", 1, "replaced a lone UTF-16 surrogate with U+FFFD"},
	{"invalid_utf8", 1, "replaced invalid UTF-8 with U+FFFD"},
	{"truncated", 1, "the text ended inside the value: closed it"},
	{"inner_quote", 2, "kept an unescaped quote inside a string"},
	{"missing_comma", 2, "inserted a missing comma"},
	{"unquoted_value", 2, "quoted an unquoted string value"},
	{"missing_value", 2, "read a missing value as null"},
	{"ellipsis", 2, "removed an ellipsis"},
};

/* journals a repair; fails when the tier does not allow it */
static int
rp_repair(rp *p, int code, size_t off, const char *extra)
{
	if (p->tier < rinfo[code].tier) {
		static const char *const need[] = {"", "--repair safe", "--repair aggressive"};
		if (code == R_TRUNCATED)
			return rp_fail(p, off, "unexpected end of text");
		return rp_fail(p, off, "invalid JSON (%s needs %s)", rinfo[code].code, need[rinfo[code].tier]);
	}
	/* one journal entry per code and offset area is enough for humans */
	size_t l, c;
	line_col(p->s, off, &l, &c);
	p->diag = jv_array_append(p->diag, mlm_fmt_diag("repair", rinfo[code].code, NULL, (long)off,
	    "%s%s%s (line %zu, column %zu)", rinfo[code].what, extra ? ": " : "", extra ? extra : "", l, c));
	p->seen |= 1u << code;
	return 0;
}

static int
spend(rp *p, size_t k)
{
	if (*p->budget < k) {
		*p->budget = 0;
		return -1;
	}
	*p->budget -= k;
	return 0;
}

/* special whitespace: returns its length in bytes, or 0 */
static size_t
special_ws(const char *s, size_t n, size_t i)
{
	const unsigned char *u = (const unsigned char *)s + i;
	size_t r = n - i;
	if (r >= 2 && u[0] == 0xC2 && u[1] == 0xA0)
		return 2;
	if (r >= 3 && u[0] == 0xE2 && u[1] == 0x80 && (u[2] <= 0x8A || u[2] == 0xAF || u[2] == 0xA8 || u[2] == 0xA9))
		return 3;
	if (r >= 3 && u[0] == 0xE2 && u[1] == 0x81 && u[2] == 0x9F)
		return 3;
	if (r >= 3 && u[0] == 0xE3 && u[1] == 0x80 && u[2] == 0x80)
		return 3;
	if (r >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF)
		return 3;
	return 0;
}

/* curly quotes: 1 “ 2 ” 3 ‘ 4 ’ ; 0 none */
int
mlm_fmt_curly(const char *s, size_t n, size_t i)
{
	const unsigned char *u = (const unsigned char *)s + i;
	if (n - i >= 3 && u[0] == 0xE2 && u[1] == 0x80) {
		if (u[2] == 0x9C)
			return 1;
		if (u[2] == 0x9D)
			return 2;
		if (u[2] == 0x98)
			return 3;
		if (u[2] == 0x99)
			return 4;
	}
	return 0;
}

/* whitespace and comments; 0, or -1 when a repair is refused */
static int
rp_ws(rp *p)
{
	for (;;) {
		if (p->i >= p->n)
			return 0;
		char c = p->s[p->i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			p->i++;
			continue;
		}
		size_t w = special_ws(p->s, p->n, p->i);
		if (w) {
			int isbom = (unsigned char)p->s[p->i] == 0xEF;
			if (!(p->seen & (1u << (isbom ? R_BOM : R_SPECIAL_WS))) || p->tier < 1)
				if (rp_repair(p, isbom ? R_BOM : R_SPECIAL_WS, p->i, NULL) < 0)
					return -1;
			p->i += w;
			continue;
		}
		if (c == '/' && p->i + 1 < p->n && (p->s[p->i + 1] == '/' || p->s[p->i + 1] == '*')) {
			if (rp_repair(p, R_COMMENT, p->i, NULL) < 0)
				return -1;
			if (p->s[p->i + 1] == '/') {
				while (p->i < p->n && p->s[p->i] != '\n')
					p->i++;
			} else {
				p->i += 2;
				while (p->i + 1 < p->n && !(p->s[p->i] == '*' && p->s[p->i + 1] == '/'))
					p->i++;
				p->i = p->i + 1 < p->n ? p->i + 2 : p->n;
			}
			continue;
		}
		if (c == '#') {
			if (rp_repair(p, R_COMMENT, p->i, NULL) < 0)
				return -1;
			while (p->i < p->n && p->s[p->i] != '\n')
				p->i++;
			continue;
		}
		return 0;
	}
}

static int
hex4(const char *s, size_t n, size_t i, unsigned *out)
{
	if (i + 4 > n)
		return -1;
	unsigned v = 0;
	for (int k = 0; k < 4; k++) {
		int h = mlm_hexval((unsigned char)s[i + k]);
		if (h < 0)
			return -1;
		v = v * 16 + (unsigned)h;
	}
	*out = v;
	return 0;
}

void
mlm_fmt_put_utf8(mlm_buf *b, unsigned cp)
{
	char u[4];
	size_t k;
	if (cp < 0x80)
		u[0] = (char)cp, k = 1;
	else if (cp < 0x800)
		u[0] = (char)(0xC0 | cp >> 6), u[1] = (char)(0x80 | (cp & 0x3F)), k = 2;
	else if (cp < 0x10000)
		u[0] = (char)(0xE0 | cp >> 12), u[1] = (char)(0x80 | ((cp >> 6) & 0x3F)),
		u[2] = (char)(0x80 | (cp & 0x3F)), k = 3;
	else
		u[0] = (char)(0xF0 | cp >> 18), u[1] = (char)(0x80 | ((cp >> 12) & 0x3F)),
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), u[3] = (char)(0x80 | (cp & 0x3F)), k = 4;
	mlm_fmt_add(b, u, k);
}

/*
 * One escape at s[i] == '\\'. Appends the decoded bytes; returns the bytes
 * consumed (>= 1), 0 at end of text. *kind: 0 normal, 1 invalid escape kept
 * as written, 2 lone surrogate replaced. Shared with the conservation check
 * so that both sides decode alike.
 */
size_t
mlm_fmt_decode_escape(const char *s, size_t n, size_t i, mlm_buf *b, int *kind)
{
	*kind = 0;
	if (i + 1 >= n)
		return 0;
	char e = s[i + 1];
	const char *simple = "\"\\/bfnrt'";
	const char *to = "\"\\/\b\f\n\r\t'";
	const char *hit = strchr(simple, e);
	if (hit && e) {
		mlm_fmt_add(b, to + (hit - simple), 1);
		if (e == '\'')
			*kind = 3;
		return 2;
	}
	if (e == 'u') {
		unsigned cp;
		if (hex4(s, n, i + 2, &cp) < 0) {
			if (i + 6 > n && n - i < 6) {
				/* cut inside the escape */
				int ok = 1;
				for (size_t k = i + 2; k < n; k++)
					if (mlm_hexval((unsigned char)s[k]) < 0)
						ok = 0;
				if (ok)
					return 0;
			}
			mlm_fmt_add(b, s + i, 2);
			*kind = 1;
			return 2;
		}
		if (cp >= 0xD800 && cp <= 0xDBFF) {
			unsigned lo;
			if (i + 12 <= n && s[i + 6] == '\\' && s[i + 7] == 'u' && hex4(s, n, i + 8, &lo) == 0 &&
			    lo >= 0xDC00 && lo <= 0xDFFF) {
				mlm_fmt_put_utf8(b, 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00));
				return 12;
			}
			if (i + 12 > n && i + 6 == n)
				return 0;
			mlm_fmt_put_utf8(b, 0xFFFD);
			*kind = 2;
			return 6;
		}
		if (cp >= 0xDC00 && cp <= 0xDFFF) {
			mlm_fmt_put_utf8(b, 0xFFFD);
			*kind = 2;
			return 6;
		}
		mlm_fmt_put_utf8(b, cp);
		return 6;
	}
	/* unknown escape: kept as written */
	mlm_fmt_add(b, s + i, 2);
	*kind = 1;
	return 2;
}

/* length of a valid UTF-8 sequence at s[i], 0 if invalid */
size_t
mlm_fmt_utf8_len(const unsigned char *u, size_t r)
{
	if (u[0] < 0x80)
		return 1;
	size_t k;
	unsigned cp;
	if ((u[0] & 0xE0) == 0xC0)
		k = 2, cp = u[0] & 0x1F;
	else if ((u[0] & 0xF0) == 0xE0)
		k = 3, cp = u[0] & 0x0F;
	else if ((u[0] & 0xF8) == 0xF0)
		k = 4, cp = u[0] & 0x07;
	else
		return 0;
	if (r < k)
		return 0;
	for (size_t j = 1; j < k; j++) {
		if ((u[j] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (u[j] & 0x3F);
	}
	if ((k == 2 && cp < 0x80) || (k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return k;
}

/* is the quote at p->i (of len ql) a real closer? (aggressive heuristic) */
static int
real_closer(rp *p, size_t after, int in_key)
{
	size_t k = after;
	while (k < p->n && (p->s[k] == ' ' || p->s[k] == '\t' || p->s[k] == '\r' || p->s[k] == '\n'))
		k++;
	if (k >= p->n)
		return 1;
	char c = p->s[k];
	if (in_key)
		return c == ':';
	if (c == '"' || c == '\'') {
		/* another quoted token follows: a missing comma if it ends like a key or an item */
		size_t e = k + 1;
		while (e < p->n && p->s[e] != c && p->s[e] != '\n')
			e++;
		if (e >= p->n || p->s[e] != c)
			return 0;
		e++;
		while (e < p->n && (p->s[e] == ' ' || p->s[e] == '\t' || p->s[e] == '\r' || p->s[e] == '\n'))
			e++;
		return e >= p->n || p->s[e] == ':' || p->s[e] == ',' || p->s[e] == ']' || p->s[e] == '}';
	}
	return c == ',' || c == '}' || c == ']' || c == ':' || c == '/' || c == '#';
}

/* a string at p->i (opening quote). Returns 0 and the bytes, 1 when the
 * text ends inside it, -1 on error. */
static int
rp_string(rp *p, char **out, size_t *outlen, int in_key)
{
	size_t start = p->i;
	int open = 0;   /* '"', '\'', or curly code */
	size_t ql = 1;
	if (p->s[p->i] == '"')
		open = '"';
	else if (p->s[p->i] == '\'') {
		open = '\'';
		if (rp_repair(p, R_SINGLE_QUOTE, p->i, NULL) < 0)
			return -1;
	} else {
		open = mlm_fmt_curly(p->s, p->n, p->i);
		ql = 3;
		if (rp_repair(p, R_CURLY_QUOTE, p->i, NULL) < 0)
			return -1;
	}
	p->i += ql;
	mlm_buf b = {0};
	mlm_fmt_add(&b, "", 0);
	int ctl = 0, bad = 0, esc = 0, sur = 0;
	for (;;) {
		if (p->i >= p->n) {
			mlm_buf_free(&b);
			if (p->tier < 1)
				return rp_fail(p, start, "unterminated string");
			return 1;
		}
		unsigned char c = (unsigned char)p->s[p->i];
		/* closers */
		int close = 0;
		size_t cl = 1;
		if (open == '"' && c == '"')
			close = 1;
		else if (open == '\'' && c == '\'')
			close = 1;
		else if (open >= 1 && open <= 4 && c == 0xE2) {
			int q = mlm_fmt_curly(p->s, p->n, p->i);
			if ((open <= 2 && q == 2) || (open >= 3 && q == 4))
				close = 1, cl = 3;
		}
		if (close) {
			if (p->tier >= 2 && open != 4 && !real_closer(p, p->i + cl, in_key)) {
				if (rp_repair(p, R_INNER_QUOTE, p->i, NULL) < 0) {
					mlm_buf_free(&b);
					return -1;
				}
				mlm_fmt_add(&b, p->s + p->i, cl);
				p->i += cl;
				continue;
			}
			p->i += cl;
			break;
		}
		if (c == '\\') {
			int kind;
			size_t k = mlm_fmt_decode_escape(p->s, p->n, p->i, &b, &kind);
			if (k == 0) {
				mlm_buf_free(&b);
				if (p->tier < 1)
					return rp_fail(p, p->i, "unterminated string");
				return 1;
			}
			if (kind == 3 && open != '\'')
				kind = 1;
			if ((kind == 1 && !esc) || (kind == 2 && !sur)) {
				if (rp_repair(p, kind == 1 ? R_INVALID_ESCAPE : R_LONE_SURROGATE, p->i, NULL) < 0) {
					mlm_buf_free(&b);
					return -1;
				}
				if (kind == 1)
					esc = 1;
				else
					sur = 1;
			}
			p->i += k;
			continue;
		}
		if (c < 0x20) {
			if (!ctl && rp_repair(p, R_CONTROL_CHAR, p->i, NULL) < 0) {
				mlm_buf_free(&b);
				return -1;
			}
			ctl = 1;
			mlm_fmt_add(&b, &c, 1);
			p->i++;
			continue;
		}
		if (c >= 0x80) {
			size_t k = mlm_fmt_utf8_len((const unsigned char *)p->s + p->i, p->n - p->i);
			if (k == 0) {
				if (!bad && rp_repair(p, R_INVALID_UTF8, p->i, NULL) < 0) {
					mlm_buf_free(&b);
					return -1;
				}
				bad = 1;
				mlm_fmt_put_utf8(&b, 0xFFFD);
				p->i++;
				continue;
			}
			mlm_fmt_add(&b, p->s + p->i, k);
			p->i += k;
			continue;
		}
		mlm_fmt_add(&b, &c, 1);
		p->i++;
	}
	if (b.over) {
		mlm_buf_free(&b);
		return rp_fail(p, p->i, "string too long");
	}
	*out = b.p;
	*outlen = b.len;
	return 0;
}

static int
is_key_byte(const char *s, size_t n, size_t i)
{
	unsigned char c = (unsigned char)s[i];
	if (c >= 0x80)
		return !mlm_fmt_curly(s, n, i) && !special_ws(s, n, i);
	return isalnum(c) || c == '_' || c == '$' || c == '-' || c == '.' || c == '@';
}

static int rp_value(rp *p, mlm_fnode **out);

/* the next token starts a value? (for missing commas) */
static int
starts_value(rp *p)
{
	if (p->i >= p->n)
		return 0;
	unsigned char c = (unsigned char)p->s[p->i];
	return c == '"' || c == '\'' || c == '{' || c == '[' || c == '-' || isalnum(c) || mlm_fmt_curly(p->s, p->n, p->i);
}

static int
rp_ellipsis(rp *p)
{
	if (p->i + 3 <= p->n && !memcmp(p->s + p->i, "...", 3)) {
		if (rp_repair(p, R_ELLIPSIS, p->i, NULL) < 0)
			return -1;
		p->i += 3;
		return 1;
	}
	if (p->i + 3 <= p->n && !memcmp(p->s + p->i, "\xE2\x80\xA6", 3)) {
		if (rp_repair(p, R_ELLIPSIS, p->i, NULL) < 0)
			return -1;
		p->i += 3;
		return 1;
	}
	return 0;
}

/* the text ended inside a value: journal it and close what is open */
static int
rp_cut(rp *p, size_t off, const char *extra)
{
	if (rp_repair(p, R_TRUNCATED, off, extra) < 0)
		return -1;
	p->truncated = 1;
	return 0;
}

/* white space inside an object entry: 0 more text follows, 1 the text
 * ended there (journaled), -1 on error */
static int
rp_ws_more(rp *p)
{
	if (rp_ws(p) < 0)
		return -1;
	if (p->i < p->n)
		return 0;
	return rp_cut(p, p->n, NULL) < 0 ? -1 : 1;
}

/* where an object or an array stands between its items */
typedef struct seps {
	int need_comma, last_comma;
	size_t comma_at;
} seps;

enum { SEP_ITEM = 0, SEP_END = 1, SEP_AGAIN = 2 };

/*
 * Objects and arrays punctuate their items alike: this reads what comes
 * before the next item (white space, commas, an ellipsis, the closer).
 * SEP_ITEM: an item starts at p->i; SEP_END: the container is closed or
 * the text ended; SEP_AGAIN: something was skipped, look again; -1 error.
 */
static int
rp_sep(rp *p, seps *q, char close)
{
	if (rp_ws(p) < 0)
		return -1;
	if (p->i >= p->n)
		return rp_cut(p, p->i, NULL) < 0 ? -1 : SEP_END;
	char c = p->s[p->i];
	if (c == close) {
		if (q->last_comma && rp_repair(p, R_TRAILING_COMMA, q->comma_at, NULL) < 0)
			return -1;
		p->i++;
		return SEP_END;
	}
	if (c == ',') {
		if ((!q->need_comma || q->last_comma) && rp_repair(p, R_EXTRA_COMMA, p->i, NULL) < 0)
			return -1;
		q->comma_at = p->i;
		q->last_comma = 1;
		q->need_comma = 0;
		p->i++;
		return SEP_AGAIN;
	}
	if (p->tier >= 2) {
		int e = rp_ellipsis(p);
		if (e < 0)
			return -1;
		if (e)
			return SEP_AGAIN;
	}
	if (q->need_comma) {
		char other = close == '}' ? ']' : '}';
		if (p->tier >= 2 && starts_value(p)) {
			if (rp_repair(p, R_MISSING_COMMA, p->i, NULL) < 0)
				return -1;
		} else if (c == other)
			return rp_fail(p, p->i, "expected '%c' but found '%c'", close, other);
		else
			return rp_fail(p, p->i, "expected ',' or '%c'", close);
	}
	q->last_comma = 0;
	return SEP_ITEM;
}

/* one "key: value" entry into o: 0 added, 1 the text ended, -1 error */
static int
rp_entry(rp *p, mlm_fnode *o)
{
	char c = p->s[p->i];
	char *key = NULL;
	size_t klen = 0;
	int r;
	if (c == '"' || c == '\'' || (mlm_fmt_curly(p->s, p->n, p->i) && mlm_fmt_curly(p->s, p->n, p->i) != 4)) {
		r = rp_string(p, &key, &klen, 1);
		if (r < 0)
			return -1;
		if (r > 0)
			return rp_cut(p, p->n, NULL) < 0 ? -1 : 1;
	} else if (is_key_byte(p->s, p->n, p->i)) {
		size_t st = p->i;
		while (p->i < p->n && is_key_byte(p->s, p->n, p->i))
			p->i++;
		if (p->i >= p->n && p->tier >= 1)
			return rp_cut(p, p->n, NULL) < 0 ? -1 : 1;
		if (rp_repair(p, R_UNQUOTED_KEY, st, NULL) < 0)
			return -1;
		klen = p->i - st;
		key = mlm_strndup(p->s + st, klen);
	} else
		return rp_fail(p, p->i, "expected a key");
	if ((r = rp_ws_more(p)) != 0) {
		free(key);
		return r;
	}
	if (p->s[p->i] != ':') {
		free(key);
		return rp_fail(p, p->i, "expected ':' after the key");
	}
	p->i++;
	if ((r = rp_ws_more(p)) != 0) {
		free(key);
		return r;
	}
	mlm_fnode *v = NULL;
	if (p->s[p->i] == ',' || p->s[p->i] == '}') {
		if (rp_repair(p, R_MISSING_VALUE, p->i, NULL) < 0) {
			free(key);
			return -1;
		}
		v = mlm_fnode_new(FN_NULL, p->i);
	} else if ((r = rp_value(p, &v)) != 0) {
		free(key);
		if (r < 0)
			return -1;
		/* incomplete at the end: dropped */
		return rp_cut(p, p->n, "dropped the incomplete last value") < 0 ? -1 : 1;
	}
	if (mlm_fnode_add(o, key, klen, v) < 0) {
		free(key);
		mlm_fnode_free(v);
		return rp_fail(p, p->i, "out of memory");
	}
	return 0;
}

/* one array item into a: 0 added, 1 the text ended, -1 error */
static int
rp_item(rp *p, mlm_fnode *a)
{
	mlm_fnode *v = NULL;
	int was = p->truncated;
	int r = rp_value(p, &v);
	if (r < 0)
		return -1;
	if (r == 0 && !was && p->truncated && (v->t == FN_OBJ || v->t == FN_ARR)) {
		/* the text ended inside this item: a partial item is not an item */
		r = rp_repair(p, R_TRUNCATED, p->n, "dropped the incomplete last item");
		mlm_fnode_free(v);
		return r < 0 ? -1 : 1;
	}
	if (r > 0)
		return rp_cut(p, p->n, "dropped the incomplete last value") < 0 ? -1 : 1;
	if (mlm_fnode_add(a, NULL, 0, v) < 0) {
		mlm_fnode_free(v);
		return rp_fail(p, p->i, "out of memory");
	}
	return 0;
}

/* an object (t FN_OBJ, closed by '}', entries) or an array (FN_ARR, ']',
 * items): the two differ only in what stands between the separators */
static int
rp_container(rp *p, mlm_fnode **out, int t, char close, int (*item)(rp *, mlm_fnode *))
{
	mlm_fnode *c = mlm_fnode_new(t, p->i);
	if (!c)
		return rp_fail(p, p->i, "out of memory");
	p->i++;
	seps q = {0};
	for (;;) {
		int r = rp_sep(p, &q, close);
		if (r == SEP_AGAIN)
			continue;
		if (r == SEP_ITEM)
			r = item(p, c);
		if (r < 0) {
			mlm_fnode_free(c);
			return -1;
		}
		if (r > 0)          /* SEP_END, or the text ended in the item */
			break;
		q.need_comma = 1;
	}
	*out = c;
	return 0;
}

static int
is_delim(rp *p, size_t k)
{
	if (k >= p->n)
		return 1;
	char c = p->s[k];
	return c == ',' || c == '}' || c == ']' || c == ':' || isspace((unsigned char)c) || c == '/' ||
	    c == '#' || special_ws(p->s, p->n, k);
}

static int
rp_number(rp *p, mlm_fnode **out)
{
	size_t st = p->i, k = p->i;
	int odd = 0;
	if (k < p->n && (p->s[k] == '-' || p->s[k] == '+')) {
		if (p->s[k] == '+')
			odd = 1;
		k++;
	}
	size_t ds = k;
	while (k < p->n && isdigit((unsigned char)p->s[k]))
		k++;
	size_t intdigits = k - ds;
	if (intdigits > 1 && p->s[ds] == '0')
		odd = 1;
	if (intdigits == 0)
		odd = 1;
	if (k < p->n && p->s[k] == '.') {
		k++;
		size_t fs = k;
		while (k < p->n && isdigit((unsigned char)p->s[k]))
			k++;
		if (k == fs)
			odd = 1;
		if (k == fs && intdigits == 0)
			return rp_fail(p, st, "bad number");
	} else if (intdigits == 0) {
		if (k >= p->n)
			return 1;
		return rp_fail(p, st, "bad number");
	}
	if (k < p->n && (p->s[k] == 'e' || p->s[k] == 'E')) {
		k++;
		if (k < p->n && (p->s[k] == '+' || p->s[k] == '-'))
			k++;
		size_t es = k;
		while (k < p->n && isdigit((unsigned char)p->s[k]))
			k++;
		if (k == es) {
			if (k >= p->n)
				return 1;
			return rp_fail(p, st, "bad number exponent");
		}
	}
	if (k >= p->n && p->depth > 1)
		return 1;           /* may have been cut: 12 of 123 */
	if (!is_delim(p, k))
		return rp_fail(p, k, "unexpected character after a number");
	if (odd && rp_repair(p, R_NUMBER_FORMAT, st, NULL) < 0)
		return -1;
	char tmp[400];
	size_t ln = k - st;
	if (ln >= sizeof tmp)
		return rp_fail(p, st, "number too long");
	memcpy(tmp, p->s + st, ln);
	tmp[ln] = 0;
	mlm_fnode *n = mlm_fnode_new(FN_NUM, st);
	if (!n)
		return rp_fail(p, st, "out of memory");
	n->num = strtod(tmp, NULL);
	n->s = strdup(tmp);
	n->slen = ln;
	if (!isfinite(n->num)) {
		mlm_fnode_free(n);
		return rp_fail(p, st, "number out of range");
	}
	p->i = k;
	*out = n;
	return 0;
}

static int
rp_word(rp *p, mlm_fnode **out)
{
	size_t st = p->i, k = p->i;
	while (k < p->n && (isalnum((unsigned char)p->s[k]) || p->s[k] == '_' || p->s[k] == '$'))
		k++;
	size_t wl = k - st;
	const char *w = p->s + st;
	static const struct { const char *w; int t, b, code; } lits[] = {
		{"true", FN_BOOL, 1, -1}, {"false", FN_BOOL, 0, -1}, {"null", FN_NULL, 0, -1},
		{"True", FN_BOOL, 1, R_PY_LITERAL}, {"False", FN_BOOL, 0, R_PY_LITERAL},
		{"None", FN_NULL, 0, R_PY_LITERAL}, {"TRUE", FN_BOOL, 1, R_PY_LITERAL},
		{"FALSE", FN_BOOL, 0, R_PY_LITERAL}, {"NULL", FN_NULL, 0, R_PY_LITERAL},
		{"Null", FN_NULL, 0, R_PY_LITERAL}, {"nil", FN_NULL, 0, R_PY_LITERAL},
		{"undefined", FN_NULL, 0, R_JS_LITERAL},
		{"NaN", FN_NULL, 0, R_NAN}, {"Infinity", FN_NULL, 0, R_NAN},
	};
	for (size_t j = 0; j < sizeof lits / sizeof lits[0]; j++) {
		size_t ll = strlen(lits[j].w);
		if (wl == ll && !memcmp(w, lits[j].w, ll)) {
			if (!is_delim(p, k)) {
				if (p->tier >= 2)
					break;
				return rp_fail(p, k, "unexpected character after %s", lits[j].w);
			}
			if (lits[j].code >= 0 && rp_repair(p, lits[j].code, st, NULL) < 0)
				return -1;
			mlm_fnode *n = mlm_fnode_new(lits[j].t, st);
			if (!n)
				return rp_fail(p, st, "out of memory");
			n->b = lits[j].b;
			p->i = k;
			*out = n;
			return 0;
		}
		if (k >= p->n && wl < ll && !memcmp(w, lits[j].w, wl) && p->depth > 1)
			return 1;   /* "tru" cut at the end */
	}
	if (p->tier >= 2 && p->depth > 1) {
		/* an unquoted string value: up to , } ] or the end of the line */
		size_t e = st;
		while (e < p->n && p->s[e] != ',' && p->s[e] != '}' && p->s[e] != ']' && p->s[e] != '\n')
			e++;
		if (e >= p->n)
			return 1;
		size_t te = e;
		while (te > st && isspace((unsigned char)p->s[te - 1]))
			te--;
		if (rp_repair(p, R_UNQUOTED_VALUE, st, NULL) < 0)
			return -1;
		mlm_fnode *n = mlm_fnode_new(FN_STR, st);
		if (!n)
			return rp_fail(p, st, "out of memory");
		n->s = mlm_strndup(p->s + st, te - st);
		n->slen = te - st;
		p->i = e;
		*out = n;
		return 0;
	}
	if (wl == 0)
		return rp_fail(p, st, "unexpected character '%c'", isprint((unsigned char)*w) ? *w : '?');
	return rp_fail(p, st, "unexpected word \"%.*s\"", (int)(wl > 40 ? 40 : wl), w);
}

/* 0 with *out, 1 when the text ends inside an incomplete scalar, -1 error */
static int
rp_value(rp *p, mlm_fnode **out)
{
	*out = NULL;
	if (p->depth >= MAX_NEST)
		return rp_fail(p, p->i, "nested deeper than %d", MAX_NEST);
	if (spend(p, 1) < 0)
		return rp_fail(p, p->i, "search budget spent");
	if (rp_ws(p) < 0)
		return -1;
	if (p->i >= p->n)
		return 1;
	unsigned char c = (unsigned char)p->s[p->i];
	int r;
	p->depth++;
	if (c == '{')
		r = rp_container(p, out, FN_OBJ, '}', rp_entry);
	else if (c == '[')
		r = rp_container(p, out, FN_ARR, ']', rp_item);
	else if (c == '"' || c == '\'' || (mlm_fmt_curly(p->s, p->n, p->i) && mlm_fmt_curly(p->s, p->n, p->i) != 4)) {
		size_t st = p->i;
		char *s;
		size_t sl;
		r = rp_string(p, &s, &sl, 0);
		if (r == 0) {
			mlm_fnode *n = mlm_fnode_new(FN_STR, st);
			if (!n) {
				free(s);
				r = rp_fail(p, st, "out of memory");
			} else {
				n->s = s;
				n->slen = sl;
				*out = n;
			}
		}
	} else if (c == '-' && p->i + 9 <= p->n && !memcmp(p->s + p->i, "-Infinity", 9)) {
		if ((r = rp_repair(p, R_NAN, p->i, NULL)) == 0) {
			*out = mlm_fnode_new(FN_NULL, p->i);
			p->i += 9;
		}
	} else if (c == '-' || c == '+' || c == '.' || isdigit(c))
		r = rp_number(p, out);
	else
		r = rp_word(p, out);
	p->depth--;
	if (r > 0)
		p->i = p->n;        /* an incomplete scalar runs to the end */
	return r;
}

/* ---------- one value, for the extraction ---------- */

int
mlm_fmt_parse_at(const char *s, size_t n, size_t start, int tier, int whole, size_t *budget,
    mlm_fcand *c, char *why, size_t whylen)
{
	rp p = {0};
	p.s = s;
	p.n = n;
	p.i = start;
	p.tier = tier;
	p.diag = jv_array();
	p.budget = budget;
	mlm_fnode *v = NULL;
	int r = rp_value(&p, &v);
	if (r == 0 && whole) {
		if (rp_ws(&p) == 0 && p.i < n) {
			size_t k = p.i;
			while (k < n && (s[k] == ';' || isspace((unsigned char)s[k])))
				k++;
			if (k < n)
				r = rp_fail(&p, p.i, "text after the value");
		} else if (p.failed)
			r = -1;
	}
	if (r > 0) {
		if (tier < 1)
			rp_fail(&p, n, "unexpected end of text");
		else
			rp_fail(&p, n, "no complete value");
		r = -1;
	}
	if (r < 0) {
		mlm_fnode_free(v);
		jv_free(p.diag);
		if (why && whylen)
			snprintf(why, whylen, "%s", p.why);
		return -1;
	}
	c->v = v;
	c->diag = p.diag;
	c->start = start;
	c->end = p.i;
	c->truncated = p.truncated;
	return 0;
}

int
mlm_fmt_parse_json(const char *text, size_t len, jv *out, char *err, size_t errlen)
{
	size_t budget = 4 * len + 1024;
	mlm_fcand c;
	char why[300];
	*out = jv_invalid();
	if (mlm_fmt_parse_at(text, len, 0, MLM_FMT_REPAIR_NONE, 1, &budget, &c, why, sizeof why) < 0)
		return mlm_err(err, errlen, "%s", why);
	jv_free(c.diag);
	*out = mlm_fnode_to_jv(c.v);
	mlm_fnode_free(c.v);
	return 0;
}
