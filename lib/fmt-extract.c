/*
 * fmt-extract.c — finding the value in model output: candidates from the
 * whole text, from code fences, from every '{' or '[' in the text (a value
 * parsed from there; its end is where the next search starts), NDJSON
 * joined, JSON held in a JSON string; the conservation check, which proves
 * that every string of a repaired value occurs in the JSON-unescaped text;
 * and the choice among the candidates that validate.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt-int.h"

/* code fences: ```lang\n ... ``` ; returns count of (start,end) pairs */
static size_t
find_fences(const char *s, size_t n, size_t *st, size_t *en, int *tagged, size_t max)
{
	size_t k = 0, i = 0;
	while (i < n && k < max) {
		/* at a line start */
		size_t ls = i;
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i + 3 <= n && (!memcmp(s + i, "```", 3) || !memcmp(s + i, "~~~", 3))) {
			char fc = s[i];
			size_t j = i;
			while (j < n && s[j] == fc)
				j++;
			size_t fl = j - i;
			size_t info = j;
			while (j < n && s[j] != '\n')
				j++;
			int tg = 0;
			if (j - info >= 4 && !strncasecmp(s + info, "json", 4))
				tg = 1;
			size_t cs = j < n ? j + 1 : n, ce = n;
			/* closing fence */
			size_t q = cs;
			while (q < n) {
				size_t l2 = q;
				while (q < n && (s[q] == ' ' || s[q] == '\t'))
					q++;
				size_t f2 = q;
				while (q < n && s[q] == fc)
					q++;
				if (q - f2 >= fl) {
					ce = l2;
					while (q < n && s[q] != '\n')
						q++;
					break;
				}
				while (q < n && s[q] != '\n')
					q++;
				if (q < n)
					q++;
			}
			st[k] = cs;
			en[k] = ce;
			tagged[k] = tg;
			k++;
			i = q < n ? q + 1 : n;
			continue;
		}
		(void)ls;
		while (i < n && s[i] != '\n')
			i++;
		if (i < n)
			i++;
	}
	return k;
}

/* a candidate already read from this offset */
static int
same_cand(const mlm_fcand *a, size_t na, size_t start)
{
	for (size_t k = 0; k < na; k++)
		if (a[k].start == start)
			return 1;
	return 0;
}

/* <think>...</think> and <thinking>...</thinking> spans (an unclosed one runs to the end) */
static size_t
think_blocks(const char *s, size_t n, size_t *st, size_t *en, size_t max)
{
	size_t k = 0, i = 0;
	while (k < max && i < n) {
		const char *o = memmem(s + i, n - i, "<think", 6);
		if (!o)
			break;
		size_t a = (size_t)(o - s);
		const char *gt = memchr(o, '>', n - a);
		if (!gt || (gt - o != 6 && gt - o != 9)) {
			i = a + 6;
			continue;
		}
		const char *c1 = memmem(gt, n - (size_t)(gt - s), "</think", 7);
		size_t e = c1 ? (size_t)(c1 - s) : n;
		st[k] = a;
		en[k] = e;
		k++;
		i = e + 1;
	}
	return k;
}

static int
in_blocks(size_t off, const size_t *st, const size_t *en, size_t nb)
{
	for (size_t k = 0; k < nb; k++)
		if (off >= st[k] && off < en[k])
			return 1;
	return 0;
}

/* the state of one search for candidates */
typedef struct search {
	const char *text;
	size_t len;
	int tier;
	size_t budget;           /* bytes the parses may still read */
	mlm_fcand *c;            /* found, in preference order */
	size_t nc, max;
	char w1[300];            /* the last parse error */
	char wb[300];            /* the error worth showing when none is found */
	size_t best_fail;        /* the span of that error */
	mlm_fnode *joined;       /* every value of 3., for 4. */
	jv jdiag;
	size_t jstart;
} search;

/* 1. the whole text */
static void
cand_whole(search *S)
{
	const char *text = S->text;
	size_t len = S->len;
	if (mlm_fmt_parse_at(text, len, 0, S->tier, 1, &S->budget, &S->c[S->nc], S->w1, sizeof S->w1) == 0) {
		S->nc++;
		return;
	}
	/* prose is not a parse error worth showing; JSON-looking text is */
	size_t a = 0;
	while (a < len && isspace((unsigned char)text[a]))
		a++;
	if (a == len)
		snprintf(S->wb, sizeof S->wb, "the text is empty");
	else if (strchr("{[\"'-0123456789", text[a]) || mlm_fmt_curly(text, len, a))
		snprintf(S->wb, sizeof S->wb, "%s", S->w1);
	S->best_fail = 0;
}

/* 2. code fences (tagged json first) */
static void
cand_fences(search *S)
{
	size_t fs[16], fe[16];
	int ft[16];
	size_t nf = find_fences(S->text, S->len, fs, fe, ft, 16);
	for (int pass = 1; pass >= 0; pass--)
		for (size_t k = 0; k < nf && S->nc < S->max; k++) {
			if (ft[k] != pass)
				continue;
			size_t a = fs[k];
			while (a < fe[k] && isspace((unsigned char)S->text[a]))
				a++;
			if (same_cand(S->c, S->nc, a))
				continue;
			mlm_fcand t;
			if (mlm_fmt_parse_at(S->text, fe[k], a, S->tier, 1, &S->budget, &t, S->w1, sizeof S->w1) == 0) {
				S->c[S->nc++] = t;
			} else if (fe[k] - a > S->best_fail) {
				S->best_fail = fe[k] - a;
				snprintf(S->wb, sizeof S->wb, "%s", S->w1);
			}
		}
}

/* keeps t among the first room candidates when there is room, or when it
 * is larger than the smallest (which it evicts); returns where t is kept,
 * or NULL (then the caller still owns t) */
static mlm_fcand *
cand_keep(search *S, mlm_fcand *t, size_t room)
{
	mlm_fcand *c = S->c;
	if (S->nc == room) {
		size_t small = 0;
		for (size_t k = 1; k < S->nc; k++)
			if (c[k].end - c[k].start < c[small].end - c[small].start)
				small = k;
		if (c[small].end - c[small].start < t->end - t->start) {
			mlm_fnode_free(c[small].v);
			jv_free(c[small].diag);
			memmove(c + small, c + small + 1, (S->nc - small - 1) * sizeof *c);
			S->nc--;
		}
	}
	if (S->nc < room) {
		c[S->nc] = *t;
		return &c[S->nc++];
	}
	return NULL;
}

/* a copy of got's value joins the others, for 4. */
static void
cand_join(search *S, const mlm_fcand *got)
{
	if (!S->joined || S->joined->n >= 4096)
		return;
	mlm_fnode *cp = mlm_fnode_from_jv(mlm_fnode_to_jv(got->v));
	if (!S->joined->n)
		S->jstart = got->start;
	if (!cp || mlm_fnode_add(S->joined, NULL, 0, cp) < 0)
		mlm_fnode_free(cp);
	jv_array_foreach(got->diag, q, x)
		S->jdiag = jv_array_append(S->jdiag, x);
}

/* 3. values from every '{' or '[' (JSON inside prose, NDJSON); when the
 * list is full, a larger value evicts the smallest one */
static void
cand_spans(search *S)
{
	size_t room = S->max > 2 ? S->max - 2 : S->max;   /* keep two for 4. and 5. */
	for (size_t i = 0; i < S->len && S->budget > 0; i++) {
		if (S->text[i] != '{' && S->text[i] != '[')
			continue;
		mlm_fcand t, *got = NULL;
		for (size_t k = 0; k < S->nc && !got; k++)
			if (S->c[k].start <= i && i < S->c[k].end)
				got = &S->c[k];   /* already (inside) a candidate: skip over it */
		if (!got && mlm_fmt_parse_at(S->text, S->len, i, S->tier, 0, &S->budget, &t, S->w1, sizeof S->w1) < 0) {
			/* remember the failure of the longest-looking span */
			size_t span = S->len - i;
			if (S->best_fail == 0 || (S->wb[0] == 0) || span > S->best_fail) {
				S->best_fail = span;
				snprintf(S->wb, sizeof S->wb, "%s", S->w1);
			}
			continue;
		}
		int own = 0;
		if (!got && !(got = cand_keep(S, &t, room)))
			got = &t, own = 1;
		cand_join(S, got);
		size_t e = got->end;
		if (own) {
			mlm_fnode_free(t.v);
			jv_free(t.diag);
		}
		if (e > i)
			i = e - 1;
	}
}

/* 4. several top-level values (NDJSON, one after another) as one array */
static void
cand_joined(search *S)
{
	if (S->joined && S->joined->n >= 2 && S->nc < S->max) {
		S->jdiag = jv_array_append(S->jdiag, mlm_fmt_diag("repair", "joined", NULL, (long)S->jstart,
		    "read %zu values one after another as one array", S->joined->n));
		mlm_fcand *c = &S->c[S->nc++];
		c->v = S->joined;
		c->diag = S->jdiag;
		c->start = c->end = S->len + 1;   /* contains no offset */
	} else {
		mlm_fnode_free(S->joined);
		jv_free(S->jdiag);
	}
	S->joined = NULL;
	S->jdiag = jv_invalid();
}

/* 5. a candidate that is a string holding JSON (stringified output) */
static void
cand_stringified(search *S)
{
	size_t n0 = S->nc;
	for (size_t k = 0; k < n0 && S->nc < S->max; k++) {
		mlm_fnode *v = S->c[k].v;
		if (v->t != FN_STR || v->slen < 2 || S->tier < 1)
			continue;
		size_t a = 0;
		while (a < v->slen && isspace((unsigned char)v->s[a]))
			a++;
		if (a >= v->slen || (v->s[a] != '{' && v->s[a] != '['))
			continue;
		mlm_fcand t;
		if (mlm_fmt_parse_at(v->s, v->slen, a, S->tier, 1, &S->budget, &t, S->w1, sizeof S->w1) == 0) {
			jv d = jv_copy(S->c[k].diag);
			jv_array_foreach(t.diag, q, x)
				d = jv_array_append(d, x);
			jv_free(t.diag);
			d = jv_array_append(d, mlm_fmt_diag("repair", "stringified_json", NULL, (long)S->c[k].start,
			    "read a JSON string holding JSON as that JSON"));
			t.diag = d;
			t.start = t.end = S->len + 1;
			S->c[S->nc++] = t;
		}
	}
}

/* 6. reasoning models think aloud in <think>...</think>: values found
 * there lose to any value found outside */
static void
cand_drop_thinking(search *S)
{
	size_t ts[8], te[8], nt = think_blocks(S->text, S->len, ts, te, 8);
	if (!nt)
		return;
	int outside = 0;
	for (size_t k = 0; k < S->nc; k++)
		if (!in_blocks(S->c[k].start, ts, te, nt))
			outside = 1;
	if (!outside)
		return;
	size_t w = 0;
	for (size_t k = 0; k < S->nc; k++) {
		if (in_blocks(S->c[k].start, ts, te, nt)) {
			mlm_fnode_free(S->c[k].v);
			jv_free(S->c[k].diag);
		} else
			S->c[w++] = S->c[k];
	}
	S->nc = w;
}

size_t
mlm_fmt_candidates(const char *text, size_t len, int tier, int multi,
    mlm_fnode **out, jv *diags, size_t max, char *why, size_t whylen)
{
	(void)multi;
	search S = {.text = text, .len = len, .tier = tier, .max = max};
	S.budget = 32 * len + (1u << 20);
	S.c = calloc(max + 1, sizeof *S.c);
	if (!S.c || max == 0) {
		free(S.c);
		return 0;
	}
	if (why && whylen)
		why[0] = 0;
	cand_whole(&S);
	cand_fences(&S);
	S.joined = mlm_fnode_new(FN_ARR, 0);
	S.jdiag = jv_array();
	cand_spans(&S);
	cand_joined(&S);
	cand_stringified(&S);
	cand_drop_thinking(&S);
	for (size_t k = 0; k < S.nc; k++) {
		out[k] = S.c[k].v;
		diags[k] = S.c[k].diag;
	}
	if (S.nc == 0 && why && whylen) {
		if (S.wb[0])
			snprintf(why, whylen, "%s", S.wb);
		else
			snprintf(why, whylen, "the text holds no JSON value");
	}
	free(S.c);
	return S.nc;
}

/* ---------- conservation ---------- */

static int
conserved_walk(const mlm_fnode *n, const char *d, size_t dl, char *why, size_t whylen)
{
	if (n->t == FN_STR && n->slen && !memmem(d, dl, n->s, n->slen)) {
		snprintf(why, whylen, "string \"%.*s\" does not occur in the text", (int)(n->slen > 40 ? 40 : n->slen), n->s);
		return -1;
	}
	for (size_t i = 0; i < n->n; i++) {
		if (n->t == FN_OBJ && n->klen[i] && !memmem(d, dl, n->key[i], n->klen[i])) {
			snprintf(why, whylen, "key \"%.*s\" does not occur in the text",
			    (int)(n->klen[i] > 40 ? 40 : n->klen[i]), n->key[i]);
			return -1;
		}
		if (conserved_walk(n->kid[i], d, dl, why, whylen) < 0)
			return -1;
	}
	return 0;
}

int
mlm_fmt_conserved(const mlm_fnode *n, const char *text, size_t len, char *why, size_t whylen)
{
	mlm_buf d = {0};
	d.max = (size_t)-1 / 2;
	mlm_fmt_add(&d, "", 0);
	for (size_t i = 0; i < len;) {
		if (text[i] == '\\') {
			int kind;
			size_t k = mlm_fmt_decode_escape(text, len, i, &d, &kind);
			if (k == 0) {
				mlm_fmt_add(&d, text + i, len - i);
				break;
			}
			i += k;
			continue;
		}
		/* invalid UTF-8 decodes to U+FFFD in strings: do the same here */
		if ((unsigned char)text[i] >= 0x80) {
			size_t k = mlm_fmt_utf8_len((const unsigned char *)text + i, len - i);
			if (k == 0) {
				mlm_fmt_put_utf8(&d, 0xFFFD);
				i++;
				continue;
			}
			mlm_fmt_add(&d, text + i, k);
			i += k;
			continue;
		}
		mlm_fmt_add(&d, text + i, 1);
		i++;
	}
	if (d.over) {
		mlm_buf_free(&d);
		snprintf(why, whylen, "the text is too large to check");
		return -1;
	}
	int r = conserved_walk(n, d.p, d.len, why, whylen);
	mlm_buf_free(&d);
	return r;
}

int
mlm_fmt_repair(const char *text, size_t len, int tier, jv *out, jv *diag, char *err, size_t errlen)
{
	mlm_fnode *c[8];
	jv d[8];
	char why[300];
	*out = jv_null();
	size_t n = mlm_fmt_candidates(text, len, tier, 0, c, d, 8, why, sizeof why);
	if (n == 0) {
		*diag = jv_array_append(jv_array(), mlm_fmt_diag("error", "no_json", "$", -1, "%s", why));
		return mlm_err(err, errlen, "%s", why);
	}
	jv_free(*out);
	*out = mlm_fnode_to_jv(c[0]);
	*diag = d[0];
	for (size_t k = 0; k < n; k++) {
		mlm_fnode_free(c[k]);
		if (k)
			jv_free(d[k]);
	}
	return 0;
}

/* ---------- the choice ---------- */

#define MAXCAND 64

int
mlm_fmt_extract(const mlm_schema *s, const char *text, size_t len, const mlm_fmt_opts *o,
    jv *out, jv *diag, char *err, size_t errlen)
{
	mlm_fmt_opts d;
	mlm_fmt_opts_default(o, &d);
	*out = jv_null();
	*diag = jv_array();
	mlm_schema *eff = d.multi ? mlm_schema_array_of(s) : NULL;
	if (d.multi && !eff)
		return mlm_err(err, errlen, "out of memory");
	const mlm_schema *vs = eff ? eff : s;
	mlm_fnode *c[MAXCAND];
	jv cd[MAXCAND];
	char why[300];
	size_t nc = mlm_fmt_candidates(text, len, d.repair, d.multi, c, cd, MAXCAND, why, sizeof why);
	if (nc == 0) {
		mlm_schema_free(eff);
		*diag = jv_array_append(*diag, mlm_fmt_diag("error", "no_json", "$", -1, "$: no JSON found: %s", why));
		return mlm_err(err, errlen, "$: no JSON found: %s", why);
	}
	long best = -1, bad = -1;
	size_t best_score = 0, bad_errs = 0, nvalid = 0;
	int best_items = 0;
	jv best_out = jv_invalid(), best_diag = jv_invalid(), bad_diag = jv_invalid();
	char bad_first[600] = "";
	for (size_t k = 0; k < nc; k++) {
		char why2[300], first[600];
		jv vout, vdiag;
		size_t ncoerce = 0;
		int ok;
		if (mlm_fmt_conserved(c[k], text, len, why2, sizeof why2) < 0) {
			/* a stringified candidate decodes its own text; check against it */
			ok = -1;
			vout = jv_null();
			snprintf(first, sizeof first, "$: a repair changed content (lossy): %s", why2);
			vdiag = jv_array_append(jv_array(), mlm_fmt_diag("error", "lossy", "$", -1, "%s", first));
		} else
			ok = mlm_fmt_validate_node(vs, eff ? s : NULL, c[k], &d, &vout, &vdiag, &ncoerce, first, sizeof first);
		if (ok == 0) {
			nvalid++;
			size_t score = (size_t)jv_array_length(jv_copy(cd[k])) + ncoerce;
			int items = d.multi && jv_get_kind(vout) == JV_KIND_ARRAY ? jv_array_length(jv_copy(vout)) : 0;
			if (best < 0 || items > best_items || (items == best_items && score < best_score)) {
				best_items = items;
				best = (long)k;
				best_score = score;
				jv_free(best_out);
				jv_free(best_diag);
				best_out = vout;
				best_diag = vdiag;
			} else {
				jv_free(vout);
				jv_free(vdiag);
			}
		} else {
			jv_free(vout);
			size_t ne = 0;
			jv_array_foreach(vdiag, q, x) {
				jv kd = jv_object_get(x, jv_string("kind"));
				if (jv_get_kind(kd) == JV_KIND_STRING && !strcmp(jv_string_value(kd), "error"))
					ne++;
				jv_free(kd);
			}
			/* prefer the candidate with the fewest errors; ties: the larger value */
			size_t sz = c[k]->n;
			if (bad < 0 || ne < bad_errs || (ne == bad_errs && sz > c[bad]->n)) {
				bad = (long)k;
				bad_errs = ne;
				jv_free(bad_diag);
				bad_diag = vdiag;
				snprintf(bad_first, sizeof bad_first, "%s", first);
			} else
				jv_free(vdiag);
		}
	}
	int ret;
	if (best >= 0) {
		jv dg = jv_copy(cd[best]);
		jv_array_foreach(best_diag, q, x)
			dg = jv_array_append(dg, x);
		if (nvalid > 1)
			dg = jv_array_append(dg, mlm_fmt_diag("warning", "ambiguous", "$", -1,
			    "$: %zu candidates in the text are valid; took the one with the fewest repairs (the first on a tie)", nvalid));
		jv_free(*diag);
		*diag = dg;
		*out = best_out;
		best_out = jv_invalid();
		ret = 0;
	} else {
		jv dg = jv_copy(cd[bad]);
		jv_array_foreach(bad_diag, q, x)
			dg = jv_array_append(dg, x);
		jv_free(*diag);
		*diag = dg;
		ret = mlm_err(err, errlen, "%s", bad_first);
	}
	jv_free(best_out);
	jv_free(best_diag);
	jv_free(bad_diag);
	for (size_t k = 0; k < nc; k++) {
		mlm_fnode_free(c[k]);
		jv_free(cd[k]);
	}
	mlm_schema_free(eff);
	return ret;
}
