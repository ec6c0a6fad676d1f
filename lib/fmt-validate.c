/*
 * fmt-validate.c — coercion and validation of a parsed value against a
 * schema (mlm_fmt_validate, and for each candidate of mlm_fmt_extract in
 * fmt-extract.c).
 *
 * Levels (llm-fmt.md 10.4): strict coerces nothing; safe makes the changes
 * a reader would not dispute ("36" -> 36, "yes" -> true, "Admin" -> admin,
 * x -> [x], a missing field with a default); lenient also rounds, reads
 * "$1,234.50" and "1/5", unwraps [x] -> x, matches enum prefixes, and reads
 * "N/A" as null. Every coercion is reported with its JSON path; every error
 * is one line `$.path: reason`.
 */

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fmt-int.h"

#define MAX_SAFE_INT 9007199254740992.0   /* 2^53 */

typedef struct vctx {
	int level, extra;
	size_t max_errors, nerr, ncoerce;
	jv diag;
	char first[600];
	mlm_buf path;
} vctx;

/* the index of s among n names (indexed by their enum), -1 if absent */
static int
word_index(const char *const *names, int n, const char *s)
{
	for (int i = 0; s && i < n; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

int
mlm_fmt_level_parse(const char *s)
{
	static const char *const names[] = {
		[MLM_FMT_STRICT] = "strict", [MLM_FMT_SAFE] = "safe", [MLM_FMT_LENIENT] = "lenient",
	};
	return word_index(names, (int)(sizeof names / sizeof names[0]), s);
}

int
mlm_fmt_repair_parse(const char *s)
{
	static const char *const names[] = {
		[MLM_FMT_REPAIR_NONE] = "none", [MLM_FMT_REPAIR_SAFE] = "safe",
		[MLM_FMT_REPAIR_AGGRESSIVE] = "aggressive",
	};
	return word_index(names, (int)(sizeof names / sizeof names[0]), s);
}

static const char *
P(vctx *v)
{
	return v->path.p ? v->path.p : "$";
}

static void
verr(vctx *v, const char *code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
verr(vctx *v, const char *code, const char *fmt, ...)
{
	char msg[500];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	v->nerr++;
	if (v->nerr == 1)
		snprintf(v->first, sizeof v->first, "%s: %s", P(v), msg);
	if (v->nerr <= v->max_errors)
		v->diag = jv_array_append(v->diag, mlm_fmt_diag("error", code, P(v), -1, "%s: %s", P(v), msg));
}

static void
vnote(vctx *v, const char *kind, const char *code, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void
vnote(vctx *v, const char *kind, const char *code, const char *fmt, ...)
{
	char msg[500];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (!strcmp(kind, "coerce"))
		v->ncoerce++;
	v->diag = jv_array_append(v->diag, mlm_fmt_diag(kind, code, P(v), -1, "%s: %s", P(v), msg));
}

/* "got" text: "five" (string), 36.6 (number), an object, ... */
static void
got(const mlm_fnode *n, char *b, size_t bl)
{
	switch (n->t) {
	case FN_NULL: snprintf(b, bl, "null"); break;
	case FN_BOOL: snprintf(b, bl, "%s (boolean)", n->b ? "true" : "false"); break;
	case FN_NUM: snprintf(b, bl, "%.40s (number)", n->s); break;
	case FN_ARR: snprintf(b, bl, "an array"); break;
	case FN_OBJ: snprintf(b, bl, "an object"); break;
	case FN_STR: {
		jv s = jv_dump_string(jv_string_sized(n->s, (int)n->slen), 0);
		const char *t = jv_string_value(s);
		size_t l = strlen(t);
		if (l > 48)
			snprintf(b, bl, "%.40s...\" (string)", t);
		else
			snprintf(b, bl, "%s (string)", t);
		jv_free(s);
		break;
	}
	}
}

static const char *
tname(const mlm_schema *s)
{
	switch (s->type) {
	case MLM_ST_STRING: return s->format ? s->format : "string";
	case MLM_ST_INTEGER: return "integer";
	case MLM_ST_NUMBER: return "number";
	case MLM_ST_BOOLEAN: return "boolean";
	case MLM_ST_ARRAY: return "array";
	case MLM_ST_OBJECT: return "object";
	case MLM_ST_ENUM: return "enum";
	}
	return "any";
}

static void
push_key(vctx *v, const char *k, size_t kl)
{
	int plain = kl > 0 && (isalpha((unsigned char)k[0]) || k[0] == '_');
	for (size_t i = 0; i < kl && plain; i++)
		if (!isalnum((unsigned char)k[i]) && k[i] != '_')
			plain = 0;
	if (plain) {
		mlm_fmt_add(&v->path, ".", 1);
		mlm_fmt_add(&v->path, k, kl);
	} else {
		jv q = jv_dump_string(jv_string_sized(k, (int)kl), 0);
		mlm_fmt_add(&v->path, "[", 1);
		mlm_fmt_add(&v->path, jv_string_value(q), (size_t)jv_string_length_bytes(jv_copy(q)));
		mlm_fmt_add(&v->path, "]", 1);
		jv_free(q);
	}
}

/* back to the path as it was at base, before push_key or an index */
static void
pop_path(vctx *v, size_t base)
{
	v->path.len = base;
	if (v->path.p)
		v->path.p[base] = 0;
}

/* trimmed copy of a string node, NUL-free; NULL if it holds NUL */
static char *
trimmed(const mlm_fnode *n)
{
	if (memchr(n->s, 0, n->slen))
		return NULL;
	size_t a = 0, e = n->slen;
	while (a < e && isspace((unsigned char)n->s[a]))
		a++;
	while (e > a && isspace((unsigned char)n->s[e - 1]))
		e--;
	return mlm_strndup(n->s + a, e - a);
}

/* strict decimal: -?digits[.digits][e[+-]digits], whole string */
static int
decimal(const char *t, double *out, int *integral_lexeme)
{
	const char *p = t;
	if (*p == '-' || *p == '+')
		p++;
	if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
		return -1;
	char *end;
	double x = strtod(t, &end);
	if (*end || !isfinite(x) || end == t)
		return -1;
	for (const char *q = t; *q; q++)
		if (!(isdigit((unsigned char)*q) || *q == '.' || *q == 'e' || *q == 'E' || *q == '-' || *q == '+'))
			return -1;
	*integral_lexeme = !strpbrk(t, ".eE");
	*out = x;
	return 0;
}

/* lenient numbers: "$1,234.56", "1 234", "12%", "1/5", "€3" */
static int
lenient_number(const char *t, double *out)
{
	char b[128];
	size_t k = 0;
	int digits = 0, frac = 0;
	const char *slash = NULL;
	for (const unsigned char *p = (const unsigned char *)t; *p; p++) {
		if (isdigit(*p)) {
			digits++;
			if (k < sizeof b - 1)
				b[k++] = (char)*p;
		} else if (*p == '.' || *p == '-' || *p == '+' || *p == 'e' || *p == 'E') {
			if ((*p == 'e' || *p == 'E') && !digits)
				return -1;
			if (k < sizeof b - 1)
				b[k++] = (char)*p;
		} else if (*p == '/') {
			if (slash || !digits)
				return -1;
			slash = (const char *)p;
			if (k < sizeof b - 1)
				b[k++] = '/';
			frac = 1;
		} else if (*p == ',' || *p == ' ' || *p == '_' || *p == '\'' || *p == '$' || *p == '%' || *p >= 0x80) {
			/* separators, currency symbols */
			continue;
		} else
			return -1;
	}
	b[k] = 0;
	if (!digits)
		return -1;
	char *end;
	if (frac) {
		char *sl = strchr(b, '/');
		*sl = 0;
		double a = strtod(b, &end);
		if (*end)
			return -1;
		double c = strtod(sl + 1, &end);
		if (*end || c == 0)
			return -1;
		*out = a / c;
		return isfinite(*out) ? 0 : -1;
	}
	double x = strtod(b, &end);
	if (*end || !isfinite(x))
		return -1;
	*out = x;
	return 0;
}

static int
check_format(const char *f, const char *s, size_t n)
{
	if (memchr(s, 0, n))
		return -1;
	if (!strcmp(f, "date") || !strcmp(f, "date-time")) {
		int y, m, d;
		if (n < 10 || !isdigit((unsigned char)s[0]) || sscanf(s, "%4d-%2d-%2d", &y, &m, &d) != 3 ||
		    s[4] != '-' || s[7] != '-')
			return -1;
		static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
		if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
			return -1;
		for (int k = 0; k < 10; k++)
			if (k != 4 && k != 7 && !isdigit((unsigned char)s[k]))
				return -1;
		if (!strcmp(f, "date"))
			return n == 10 ? 0 : -1;
		if (n < 19 || (s[10] != 'T' && s[10] != 't' && s[10] != ' '))
			return -1;
		int hh, mm, ss;
		if (sscanf(s + 11, "%2d:%2d:%2d", &hh, &mm, &ss) != 3 || s[13] != ':' || s[16] != ':' ||
		    hh > 23 || mm > 59 || ss > 60)
			return -1;
		size_t k = 19;
		if (k < n && s[k] == '.') {
			k++;
			if (k >= n || !isdigit((unsigned char)s[k]))
				return -1;
			while (k < n && isdigit((unsigned char)s[k]))
				k++;
		}
		if (k < n && (s[k] == 'Z' || s[k] == 'z'))
			return k + 1 == n ? 0 : -1;
		if (k + 6 == n && (s[k] == '+' || s[k] == '-') && isdigit((unsigned char)s[k + 1]) &&
		    isdigit((unsigned char)s[k + 2]) && s[k + 3] == ':' && isdigit((unsigned char)s[k + 4]) &&
		    isdigit((unsigned char)s[k + 5]))
			return 0;
		return -1;
	}
	if (!strcmp(f, "email")) {
		const char *at = memchr(s, '@', n);
		if (!at || at == s || at == s + n - 1 || memchr(at + 1, '@', n - (size_t)(at - s) - 1))
			return -1;
		for (size_t k = 0; k < n; k++)
			if (isspace((unsigned char)s[k]) || (unsigned char)s[k] < 0x20)
				return -1;
		const char *dot = memchr(at + 1, '.', n - (size_t)(at - s) - 1);
		return dot && dot != at + 1 && dot != s + n - 1 ? 0 : -1;
	}
	if (!strcmp(f, "uri")) {
		if (!n || !isalpha((unsigned char)s[0]))
			return -1;
		size_t k = 1;
		while (k < n && (isalnum((unsigned char)s[k]) || s[k] == '+' || s[k] == '.' || s[k] == '-'))
			k++;
		if (k >= n || s[k] != ':' || k + 1 >= n)
			return -1;
		for (size_t j = 0; j < n; j++)
			if ((unsigned char)s[j] <= 0x20)
				return -1;
		return 0;
	}
	if (!strcmp(f, "uuid")) {
		if (n != 36)
			return -1;
		for (size_t k = 0; k < 36; k++) {
			if (k == 8 || k == 13 || k == 18 || k == 23) {
				if (s[k] != '-')
					return -1;
			} else if (!isxdigit((unsigned char)s[k]))
				return -1;
		}
		return 0;
	}
	return 0;
}

/* does an integer lexeme ("-0012", "36") say exactly x? (catches 2^53+1) */
static int
same_integer(const char *lex, double x)
{
	if (strpbrk(lex, ".eE"))
		return 1;
	const char *p = lex;
	if (*p == '-' || *p == '+')
		p++;
	while (*p == '0' && p[1])
		p++;
	char b[64];
	snprintf(b, sizeof b, "%.0f", fabs(x));
	return !strcmp(b, p);
}

static size_t
utf8_count(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			c++;
	return c;
}

/* x broke the bound named by code ("minimum", "maximum"); -1 */
static int
out_of_range(vctx *v, const char *code, const char *cmp, int excl, double bound, double x)
{
	char nb[64], xb[64];
	mlm_fmt_num(nb, sizeof nb, bound);
	mlm_fmt_num(xb, sizeof xb, x);
	verr(v, code, "%s is %s the %s %s%s", xb, cmp, code, excl ? "(exclusive) " : "", nb);
	return -1;
}

static int
check_range(vctx *v, const mlm_schema *s, double x)
{
	if (s->has_min && (s->excl_min ? x <= s->min : x < s->min))
		return out_of_range(v, "minimum", "less than", s->excl_min, s->min, x);
	if (s->has_max && (s->excl_max ? x >= s->max : x > s->max))
		return out_of_range(v, "maximum", "greater than", s->excl_max, s->max, x);
	return 0;
}

static void
enum_list(const mlm_schema *s, char *b, size_t bl)
{
	mlm_buf t = {0};
	jv_array_foreach(s->enums, k, x) {
		if (k)
			mlm_fmt_add(&t, "|", 1);
		if (jv_get_kind(x) == JV_KIND_STRING)
			mlm_fmt_add(&t, jv_string_value(x), (size_t)jv_string_length_bytes(jv_copy(x)));
		else {
			char nb[64];
			mlm_fmt_num(nb, sizeof nb, jv_number_value(x));
			mlm_fmt_add(&t, nb, strlen(nb));
		}
		jv_free(x);
	}
	snprintf(b, bl, "%.200s%s", t.p ? t.p : "", t.len > 200 || t.over ? "..." : "");
	mlm_buf_free(&t);
}

/* folded: lower-case, runs of space/_/- as one space, trimmed */
static char *
fold(const char *s, size_t n)
{
	char *o = malloc(n + 1);
	size_t k = 0;
	int sp = 0;
	if (!o)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isspace(c) || c == '_' || c == '-') {
			sp = k > 0;
			continue;
		}
		if (sp)
			o[k++] = ' ';
		sp = 0;
		o[k++] = (char)tolower(c);
	}
	o[k] = 0;
	return o;
}

static jv coerce(vctx *v, const mlm_schema *s, const mlm_fnode *n, int depth);

static jv
coerce_enum(vctx *v, const mlm_schema *s, const mlm_fnode *n)
{
	char g[128], lst[260];
	/* exact */
	jv_array_foreach(s->enums, k, x) {
		int hit = 0;
		if (jv_get_kind(x) == JV_KIND_STRING && n->t == FN_STR)
			hit = (size_t)jv_string_length_bytes(jv_copy(x)) == n->slen && !memcmp(jv_string_value(x), n->s, n->slen);
		else if (jv_get_kind(x) == JV_KIND_NUMBER && n->t == FN_NUM)
			hit = jv_number_value(x) == n->num;
		if (hit)
			return x;
		jv_free(x);
	}
	if (v->level >= MLM_FMT_SAFE) {
		/* numbers from strings, strings from numbers */
		jv_array_foreach(s->enums, k, x) {
			int hit = 0;
			if (jv_get_kind(x) == JV_KIND_NUMBER && n->t == FN_STR) {
				char *t = trimmed(n);
				double d;
				int il;
				hit = t && decimal(t, &d, &il) == 0 && d == jv_number_value(x);
				free(t);
			} else if (jv_get_kind(x) == JV_KIND_STRING && n->t == FN_NUM)
				hit = strlen(jv_string_value(x)) == n->slen && !strcmp(jv_string_value(x), n->s);
			if (hit) {
				got(n, g, sizeof g);
				vnote(v, "coerce", "enum_type", "read %s as the enum value", g);
				return x;
			}
			jv_free(x);
		}
		if (n->t == FN_STR) {
			char *f = fold(n->s, n->slen);
			int hits = 0;
			jv pick = jv_invalid();
			jv_array_foreach(s->enums, k, x) {
				if (jv_get_kind(x) == JV_KIND_STRING) {
					char *e = fold(jv_string_value(x), strlen(jv_string_value(x)));
					if (f && e && !strcmp(e, f)) {
						hits++;
						jv_free(pick);
						pick = jv_copy(x);
					}
					free(e);
				}
				jv_free(x);
			}
			if (hits != 1 && v->level >= MLM_FMT_LENIENT && f && *f) {
				/* unique prefix, then unique substring */
				for (int mode = 0; mode < 2 && hits != 1; mode++) {
					hits = 0;
					jv_free(pick);
					pick = jv_invalid();
					jv_array_foreach(s->enums, k, x) {
						if (jv_get_kind(x) == JV_KIND_STRING) {
							char *e = fold(jv_string_value(x), strlen(jv_string_value(x)));
							int m = e && (mode == 0 ? !strncmp(e, f, strlen(f)) : (strstr(f, e) != NULL));
							if (m && *e) {
								hits++;
								jv_free(pick);
								pick = jv_copy(x);
							}
							free(e);
						}
						jv_free(x);
					}
				}
			}
			free(f);
			if (hits == 1) {
				got(n, g, sizeof g);
				vnote(v, "coerce", "enum_fold", "read %s as \"%s\"", g, jv_string_value(pick));
				return pick;
			}
			jv_free(pick);
		}
	}
	got(n, g, sizeof g);
	enum_list(s, lst, sizeof lst);
	verr(v, "enum", "expected one of %s, got %s", lst, g);
	return jv_invalid();
}

static int
is_null_word(const mlm_fnode *n, int level)
{
	char *t = trimmed(n);
	if (!t)
		return 0;
	int r = !strcasecmp(t, "null");
	if (level >= MLM_FMT_LENIENT)
		r = r || !*t || !strcasecmp(t, "n/a") || !strcasecmp(t, "na") || !strcasecmp(t, "none") ||
		    !strcasecmp(t, "nil") || !strcmp(t, "-") || !strcasecmp(t, "unknown");
	free(t);
	return r;
}

/* a schema default, held to the schema like any value */
static jv
use_default(vctx *v, const mlm_schema *s, int depth)
{
	mlm_fnode *d = mlm_fnode_from_jv(jv_copy(s->dflt));
	if (!d) {
		verr(v, "oom", "out of memory");
		return jv_invalid();
	}
	size_t before = v->nerr;
	jv x = coerce(v, s, d, depth + 1);
	mlm_fnode_free(d);
	if (v->nerr > before && v->nerr <= v->max_errors) {
		/* say that the default was at fault */
		verr(v, "default", "the schema's default does not fit the schema");
	}
	return x;
}

static jv
coerce_object(vctx *v, const mlm_schema *s, const mlm_fnode *n, int depth)
{
	size_t base = v->path.len;
	jv o = jv_object();
	int bad = 0;
	char *used = calloc(n->n + 1, 1);
	if (!used) {
		verr(v, "oom", "out of memory");
		jv_free(o);
		return jv_invalid();
	}
	/* duplicate keys */
	for (size_t i = 0; i < n->n; i++)
		for (size_t j = 0; j < i; j++)
			if (n->klen[i] == n->klen[j] && !memcmp(n->key[i], n->key[j], n->klen[i])) {
				push_key(v, n->key[i], n->klen[i]);
				verr(v, "duplicate_key", "the key occurs more than once");
				pop_path(v, base);
				bad = 1;
				break;
			}
	for (size_t p = 0; p < s->nprops; p++) {
		const mlm_sprop *pr = &s->props[p];
		size_t pl = strlen(pr->name);
		long at = -1;
		for (size_t i = 0; i < n->n; i++)
			if (!used[i] && n->klen[i] == pl && !memcmp(n->key[i], pr->name, pl)) {
				at = (long)i;
				break;
			}
		if (at < 0 && v->level >= MLM_FMT_LENIENT) {
			for (size_t i = 0; i < n->n; i++)
				if (!used[i] && n->klen[i] == pl && !strncasecmp(n->key[i], pr->name, pl)) {
					at = (long)i;
					push_key(v, pr->name, pl);
					vnote(v, "coerce", "key_case", "read key \"%.*s\" as \"%s\"", (int)n->klen[i], n->key[i], pr->name);
					pop_path(v, base);
					break;
				}
		}
		if (at < 0) {
			/* a default stands in for a missing key, required or not;
			 * only a required one is worth a note */
			if (jv_is_valid(pr->s->dflt) && v->level >= MLM_FMT_SAFE) {
				push_key(v, pr->name, pl);
				if (pr->required)
					vnote(v, "coerce", "default", "missing: used the default");
				jv x = use_default(v, pr->s, depth);
				pop_path(v, base);
				if (jv_is_valid(x))
					o = jv_object_set(o, jv_string(pr->name), x);
				else {
					jv_free(x);
					bad = 1;
				}
			} else if (pr->required) {
				verr(v, "required", "missing required field \"%s\"", pr->name);
				bad = 1;
			} else if (pr->s->nullable)
				o = jv_object_set(o, jv_string(pr->name), jv_null());
			continue;
		}
		used[at] = 1;
		push_key(v, pr->name, pl);
		jv x = coerce(v, pr->s, n->kid[at], depth + 1);
		pop_path(v, base);
		if (!jv_is_valid(x)) {
			jv_free(x);
			bad = 1;
			continue;
		}
		o = jv_object_set(o, jv_string(pr->name), x);
	}
	for (size_t i = 0; i < n->n; i++) {
		if (used[i])
			continue;
		int dup = 0;
		for (size_t j = 0; j < n->n; j++)
			if (used[j] && n->klen[i] == n->klen[j] && !memcmp(n->key[i], n->key[j], n->klen[i]))
				dup = 1;
		if (dup)
			continue;
		push_key(v, n->key[i], n->klen[i]);
		if (v->level == MLM_FMT_STRICT || v->extra == MLM_FMT_EXTRA_ERROR) {
			verr(v, "extra_key", "unexpected field (not in the schema)");
			bad = 1;
		} else if (v->extra == MLM_FMT_EXTRA_KEEP) {
			vnote(v, "warning", "extra_key", "kept a field that is not in the schema");
			o = jv_object_set(o, jv_string_sized(n->key[i], (int)n->klen[i]), mlm_fnode_to_jv(n->kid[i]));
		} else
			vnote(v, "warning", "extra_key", "dropped a field that is not in the schema");
		pop_path(v, base);
	}
	free(used);
	if (bad) {
		jv_free(o);
		return jv_invalid();
	}
	return o;
}

/* a null word ("null"; at lenient also "N/A", "none", ...) in a string
 * where the schema allows null: 1 when it is read as null (an enum that
 * lists the word itself keeps it) */
static int
null_word(vctx *v, const mlm_schema *s, const mlm_fnode *n)
{
	if (!(s->nullable && n->t == FN_STR &&
	    ((v->level >= MLM_FMT_SAFE && s->type != MLM_ST_STRING && s->type != MLM_ST_ANY &&
	      is_null_word(n, MLM_FMT_SAFE)) ||
	     (v->level >= MLM_FMT_LENIENT && s->type != MLM_ST_ANY && is_null_word(n, MLM_FMT_LENIENT)))))
		return 0;
	if (s->type == MLM_ST_ENUM) {
		int listed = 0;
		jv_array_foreach(s->enums, k, x) {
			if (jv_get_kind(x) == JV_KIND_STRING && strlen(jv_string_value(x)) == n->slen &&
			    !memcmp(jv_string_value(x), n->s, n->slen))
				listed = 1;
			jv_free(x);
		}
		if (listed)
			return 0;
	}
	char g[128];
	got(n, g, sizeof g);
	vnote(v, "coerce", "string_to_null", "read %s as null", g);
	return 1;
}

static jv
coerce_string(vctx *v, const mlm_schema *s, const mlm_fnode *n)
{
	char g[128];
	jv r;
	if (n->t == FN_STR)
		r = jv_string_sized(n->s, (int)n->slen);
	else if (n->t == FN_NUM && v->level >= MLM_FMT_SAFE) {
		got(n, g, sizeof g);
		vnote(v, "coerce", "number_to_string", "read %s as a string", g);
		r = jv_string_sized(n->s, (int)n->slen);
	} else if (n->t == FN_BOOL && v->level >= MLM_FMT_LENIENT) {
		vnote(v, "coerce", "bool_to_string", "read %s as a string", n->b ? "true" : "false");
		r = jv_string(n->b ? "true" : "false");
	} else {
		got(n, g, sizeof g);
		verr(v, "type", "expected %s, got %s", tname(s), g);
		return jv_invalid();
	}
	const char *sv = jv_string_value(r);
	size_t sl = (size_t)jv_string_length_bytes(jv_copy(r));
	if (s->format && check_format(s->format, sv, sl) < 0) {
		got(n, g, sizeof g);
		verr(v, "format", "expected %s, got %s", s->format, g);
		jv_free(r);
		return jv_invalid();
	}
	size_t cl = utf8_count(sv, sl);
	if (s->has_min && (double)cl < s->min) {
		verr(v, "minLength", "string of %zu characters is shorter than %.0f", cl, s->min);
		jv_free(r);
		return jv_invalid();
	}
	if (s->has_max && (double)cl > s->max) {
		verr(v, "maxLength", "string of %zu characters is longer than %.0f", cl, s->max);
		jv_free(r);
		return jv_invalid();
	}
	return r;
}

/* A number held in a string (safe; lenient also "$1,234.50", "1/5"): 0
 * with *x and *lexint (written as an integer), or -1 after an error. */
static int
number_of_string(vctx *v, const mlm_schema *s, const mlm_fnode *n, double *x, int *lexint)
{
	char g[128];
	int isint = s->type == MLM_ST_INTEGER, il;
	double d;
	char *t = trimmed(n);
	int okd = t && decimal(t, &d, &il) == 0;
	if (okd && isint && il && !same_integer(t, d)) {
		free(t);
		verr(v, "range", "integer out of range (beyond +/-2^53)");
		return -1;
	}
	if (okd) {
		*x = d;
		*lexint = il || (*x == floor(*x) && strspn(strchr(t, '.') ? strchr(t, '.') + 1 : "", "0") ==
		    strlen(strchr(t, '.') ? strchr(t, '.') + 1 : "") && !strpbrk(t, "eE"));
	} else if (t && v->level >= MLM_FMT_LENIENT && lenient_number(t, &d) == 0) {
		*x = d;
		*lexint = 0;
	} else {
		free(t);
		got(n, g, sizeof g);
		verr(v, "type", "expected %s, got %s", tname(s), g);
		return -1;
	}
	free(t);
	got(n, g, sizeof g);
	vnote(v, "coerce", isint ? "string_to_int" : "string_to_number", "read %s as a number", g);
	if (isint && *x == floor(*x))
		*lexint = 1;
	return 0;
}

/* x as an integer: rounded (lenient), a float spelling read (safe), within
 * +/-2^53; 0 or -1 after an error */
static int
integer_of(vctx *v, const mlm_fnode *n, double *x, int lexint)
{
	char g[128];
	if (*x != floor(*x)) {
		if (v->level >= MLM_FMT_LENIENT) {
			double r = round(*x);
			char xb[64];
			mlm_fmt_num(xb, sizeof xb, *x);
			vnote(v, "coerce", "round", "rounded %s to %.0f", xb, r);
			*x = r;
		} else {
			got(n, g, sizeof g);
			verr(v, "type", "expected integer, got %s", g);
			return -1;
		}
	} else if (!lexint) {
		if (v->level == MLM_FMT_STRICT) {
			got(n, g, sizeof g);
			verr(v, "type", "expected integer, got %s", g);
			return -1;
		}
		if (n->t == FN_NUM)
			vnote(v, "coerce", "float_to_int", "read %s as an integer", n->s);
	}
	if (fabs(*x) > MAX_SAFE_INT || (n->t == FN_NUM && !same_integer(n->s, *x))) {
		verr(v, "range", "integer out of range (beyond +/-2^53)");
		return -1;
	}
	return 0;
}

static jv
coerce_number(vctx *v, const mlm_schema *s, const mlm_fnode *n)
{
	char g[128];
	double x;
	int lexint;
	if (n->t == FN_NUM) {
		x = n->num;
		lexint = !strpbrk(n->s, ".eE");
	} else if (n->t == FN_STR && v->level >= MLM_FMT_SAFE) {
		if (number_of_string(v, s, n, &x, &lexint) < 0)
			return jv_invalid();
	} else if (n->t == FN_BOOL && v->level >= MLM_FMT_LENIENT) {
		vnote(v, "coerce", "bool_to_number", "read %s as %d", n->b ? "true" : "false", n->b);
		x = n->b;
		lexint = 1;
	} else {
		got(n, g, sizeof g);
		verr(v, "type", "expected %s, got %s", tname(s), g);
		return jv_invalid();
	}
	if (s->type == MLM_ST_INTEGER && integer_of(v, n, &x, lexint) < 0)
		return jv_invalid();
	if (check_range(v, s, x) < 0)
		return jv_invalid();
	return jv_number(x);
}

static jv
coerce_bool(vctx *v, const mlm_fnode *n)
{
	char g[128];
	if (n->t == FN_BOOL)
		return jv_bool(n->b);
	if (n->t == FN_STR && v->level >= MLM_FMT_SAFE) {
		char *t = trimmed(n);
		int r = -1;
		if (t) {
			if (!strcasecmp(t, "true") || !strcasecmp(t, "yes") || !strcmp(t, "1"))
				r = 1;
			else if (!strcasecmp(t, "false") || !strcasecmp(t, "no") || !strcmp(t, "0"))
				r = 0;
			else if (v->level >= MLM_FMT_LENIENT) {
				if (!strcasecmp(t, "on") || !strcasecmp(t, "y") || !strcasecmp(t, "t"))
					r = 1;
				else if (!strcasecmp(t, "off") || !strcasecmp(t, "n") || !strcasecmp(t, "f"))
					r = 0;
			}
		}
		free(t);
		if (r >= 0) {
			got(n, g, sizeof g);
			vnote(v, "coerce", "string_to_bool", "read %s as %s", g, r ? "true" : "false");
			return jv_bool(r);
		}
	}
	if (n->t == FN_NUM && v->level >= MLM_FMT_SAFE && (n->num == 0 || n->num == 1)) {
		vnote(v, "coerce", "number_to_bool", "read %s as %s", n->s, n->num ? "true" : "false");
		return jv_bool(n->num != 0);
	}
	got(n, g, sizeof g);
	verr(v, "type", "expected boolean, got %s", g);
	return jv_invalid();
}

/* a single value as a one-item array (safe) */
static jv
coerce_single(vctx *v, const mlm_schema *s, const mlm_fnode *n, int depth)
{
	char g[128];
	if (v->level >= MLM_FMT_SAFE && (n->t != FN_OBJ || s->items->type == MLM_ST_OBJECT ||
	    s->items->type == MLM_ST_ANY)) {
		vnote(v, "coerce", "single_to_array", "read a single value as a one-item array");
		size_t base = v->path.len;
		mlm_fmt_add(&v->path, "[0]", 3);
		jv x = coerce(v, s->items, n, depth + 1);
		pop_path(v, base);
		if (!jv_is_valid(x))
			return x;
		if (check_range(v, s, 1) < 0) {
			jv_free(x);
			return jv_invalid();
		}
		return jv_array_append(jv_array(), x);
	}
	got(n, g, sizeof g);
	verr(v, "type", "expected array, got %s", g);
	return jv_invalid();
}

static jv
coerce_array(vctx *v, const mlm_schema *s, const mlm_fnode *n, int depth)
{
	if (n->t != FN_ARR)
		return coerce_single(v, s, n, depth);
	jv a = jv_array();
	int bad = 0;
	size_t base = v->path.len;
	for (size_t i = 0; i < n->n; i++) {
		char ix[32];
		mlm_fmt_add(&v->path, ix, (size_t)snprintf(ix, sizeof ix, "[%zu]", i));
		jv x = coerce(v, s->items, n->kid[i], depth + 1);
		pop_path(v, base);
		if (!jv_is_valid(x)) {
			jv_free(x);
			bad = 1;
			if (v->nerr > v->max_errors)
				break;
			continue;
		}
		a = jv_array_append(a, x);
	}
	if (!bad && ((s->has_min && (double)n->n < s->min) || (s->has_max && (double)n->n > s->max))) {
		verr(v, s->has_min && (double)n->n < s->min ? "minItems" : "maxItems",
		    "%zu items, expected %s%.0f", n->n, s->has_min && (double)n->n < s->min ? "at least " : "at most ",
		    s->has_min && (double)n->n < s->min ? s->min : s->max);
		bad = 1;
	}
	if (bad) {
		jv_free(a);
		return jv_invalid();
	}
	return a;
}

static jv
coerce(vctx *v, const mlm_schema *s, const mlm_fnode *n, int depth)
{
	char g[128];
	if (depth > 200) {
		verr(v, "depth", "nested too deeply");
		return jv_invalid();
	}
	if (n->t == FN_NULL) {
		if (s->nullable || s->type == MLM_ST_ANY)
			return jv_null();
		verr(v, "type", "expected %s, got null", tname(s));
		return jv_invalid();
	}
	if (null_word(v, s, n))
		return jv_null();
	/* [x] -> x (lenient) */
	if (n->t == FN_ARR && s->type != MLM_ST_ARRAY && s->type != MLM_ST_ANY && n->n == 1 &&
	    v->level >= MLM_FMT_LENIENT) {
		vnote(v, "coerce", "array_to_single", "read a one-item array as its item");
		return coerce(v, s, n->kid[0], depth + 1);
	}
	switch (s->type) {
	case MLM_ST_ANY:
		return mlm_fnode_to_jv(n);
	case MLM_ST_STRING:
		return coerce_string(v, s, n);
	case MLM_ST_INTEGER:
	case MLM_ST_NUMBER:
		return coerce_number(v, s, n);
	case MLM_ST_BOOLEAN:
		return coerce_bool(v, n);
	case MLM_ST_ENUM:
		return coerce_enum(v, s, n);
	case MLM_ST_ARRAY:
		return coerce_array(v, s, n, depth);
	case MLM_ST_OBJECT:
		if (n->t != FN_OBJ) {
			got(n, g, sizeof g);
			verr(v, "type", "expected object, got %s", g);
			return jv_invalid();
		}
		return coerce_object(v, s, n, depth);
	}
	return jv_invalid();
}

/* --multi: {"items": [...]} -> [...] */
static const mlm_fnode *
unwrap_multi(vctx *v, const mlm_schema *item, const mlm_fnode *n)
{
	if (n->t != FN_OBJ || n->n != 1 || n->kid[0]->t != FN_ARR)
		return n;
	if (item->type == MLM_ST_OBJECT)
		for (size_t p = 0; p < item->nprops; p++)
			if (strlen(item->props[p].name) == n->klen[0] && !memcmp(item->props[p].name, n->key[0], n->klen[0]))
				return n;
	vnote(v, "coerce", "unwrap_items", "read the array under \"%.*s\" as the items",
	    (int)(n->klen[0] > 40 ? 40 : n->klen[0]), n->key[0]);
	return n->kid[0];
}

/* A root that is not an object came back under {"items": ...}, as OpenAI's
 * strict mode wants it sent (mlm_schema_openai). */
static const mlm_fnode *
unwrap_root(vctx *v, const mlm_schema *s, const mlm_fnode *n)
{
	if (s->type == MLM_ST_OBJECT || s->type == MLM_ST_ANY || n->t != FN_OBJ || n->n != 1 ||
	    n->klen[0] != 5 || memcmp(n->key[0], "items", 5))
		return n;
	vnote(v, "coerce", "unwrap_items", "read the value under \"items\" as the answer");
	return n->kid[0];
}

void
mlm_fmt_opts_default(const mlm_fmt_opts *o, mlm_fmt_opts *d)
{
	if (o)
		*d = *o;
	else {
		memset(d, 0, sizeof *d);
		d->level = MLM_FMT_SAFE;
		d->repair = MLM_FMT_REPAIR_SAFE;
	}
	if (!d->max_errors)
		d->max_errors = 20;
}

/* validates one node; returns 0/-1; *out, *diag set */
int
mlm_fmt_validate_node(const mlm_schema *s, const mlm_schema *item, const mlm_fnode *n, const mlm_fmt_opts *o,
    jv *out, jv *diag, size_t *ncoerce, char *first, size_t firstlen)
{
	vctx v = {0};
	v.level = o->level;
	v.extra = o->extra;
	v.max_errors = o->max_errors;
	v.diag = jv_array();
	mlm_fmt_add(&v.path, "$", 1);
	if (item)
		n = unwrap_multi(&v, item, n);
	else
		n = unwrap_root(&v, s, n);
	jv r = coerce(&v, s, n, 0);
	int over = v.path.over;
	mlm_buf_free(&v.path);
	if (over) {
		/* a path past the cap: its messages would name a cut path */
		jv_free(r);
		r = jv_invalid();
		snprintf(v.first, sizeof v.first, "$: a key path too long to name");
		v.diag = jv_array_append(v.diag, mlm_fmt_diag("error", "too_large", "$", -1, "%s", v.first));
	}
	*diag = v.diag;
	*ncoerce = v.ncoerce;
	if (!jv_is_valid(r) || v.nerr) {
		jv_free(r);
		*out = jv_null();
		snprintf(first, firstlen, "%s", v.first[0] ? v.first : "$: invalid");
		return -1;
	}
	*out = r;
	return 0;
}

int
mlm_fmt_validate(const mlm_schema *s, jv value, const mlm_fmt_opts *o, jv *out, jv *diag,
    char *err, size_t errlen)
{
	mlm_fmt_opts d;
	mlm_fmt_opts_default(o, &d);
	mlm_fnode *n = mlm_fnode_from_jv(value);
	mlm_schema *eff = d.multi ? mlm_schema_array_of(s) : NULL;
	size_t nc;
	char first[600];
	*out = jv_null();
	*diag = jv_array();
	if (!n || (d.multi && !eff)) {
		mlm_fnode_free(n);
		mlm_schema_free(eff);
		return mlm_err(err, errlen, "out of memory");
	}
	jv_free(*diag);
	int r = mlm_fmt_validate_node(eff ? eff : s, eff ? s : NULL, n, &d, out, diag, &nc, first, sizeof first);
	mlm_fnode_free(n);
	mlm_schema_free(eff);
	if (r < 0)
		return mlm_err(err, errlen, "%s", first);
	return 0;
}
