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

size_t
mlm_fmt_candidates(const char *text, size_t len, int tier, int multi,
    mlm_fnode **out, jv *diags, size_t max, char *why, size_t whylen)
{
	(void)multi;
	size_t budget = 32 * len + (1u << 20);
	size_t nc = 0;
	mlm_fcand *c = calloc(max + 1, sizeof *c);
	char w1[300] = "", wb[300] = "";
	size_t best_fail = 0;
	if (!c || max == 0) {
		free(c);
		return 0;
	}
	if (why && whylen)
		why[0] = 0;
	size_t base = 0;
	/* a BOM is removed by rp_ws; strip leading space for the whole candidate */
	/* 1. the whole text */
	if (mlm_fmt_parse_at(text, len, base, tier, 1, &budget, &c[nc], w1, sizeof w1) == 0)
		nc++;
	else {
		/* prose is not a parse error worth showing; JSON-looking text is */
		size_t a = 0;
		while (a < len && isspace((unsigned char)text[a]))
			a++;
		if (a == len)
			snprintf(wb, sizeof wb, "the text is empty");
		else if (strchr("{[\"'-0123456789", text[a]) || mlm_fmt_curly(text, len, a))
			snprintf(wb, sizeof wb, "%s", w1);
		best_fail = 0;
	}
	/* 2. code fences (tagged json first) */
	size_t fs[16], fe[16];
	int ft[16];
	size_t nf = find_fences(text, len, fs, fe, ft, 16);
	for (int pass = 1; pass >= 0; pass--)
		for (size_t k = 0; k < nf && nc < max; k++) {
			if (ft[k] != pass)
				continue;
			size_t a = fs[k];
			while (a < fe[k] && isspace((unsigned char)text[a]))
				a++;
			if (same_cand(c, nc, a))
				continue;
			mlm_fcand t;
			if (mlm_fmt_parse_at(text, fe[k], a, tier, 1, &budget, &t, w1, sizeof w1) == 0) {
				c[nc++] = t;
			} else if (fe[k] - a > best_fail) {
				best_fail = fe[k] - a;
				snprintf(wb, sizeof wb, "%s", w1);
			}
		}
	/* 3. values from every '{' or '[' (JSON inside prose, NDJSON); when the
	 * list is full, a larger value evicts the smallest one */
	size_t room = max > 2 ? max - 2 : max;   /* keep two for 4. and 5. */
	mlm_fnode *joined = mlm_fnode_new(FN_ARR, 0);
	jv jdiag = jv_array();
	size_t jstart = 0;
	for (size_t i = 0; i < len && budget > 0; i++) {
		if (text[i] != '{' && text[i] != '[')
			continue;
		long inside = -1;
		for (size_t k = 0; k < nc; k++)
			if (c[k].start <= i && i < c[k].end) {
				inside = (long)k;
				break;
			}
		mlm_fcand t, *got = NULL;
		if (inside >= 0) {
			/* already (inside) a candidate: skip over it */
			got = &c[inside];
		} else if (mlm_fmt_parse_at(text, len, i, tier, 0, &budget, &t, w1, sizeof w1) == 0) {
			if (nc == room) {
				size_t small = 0;
				for (size_t k = 1; k < nc; k++)
					if (c[k].end - c[k].start < c[small].end - c[small].start)
						small = k;
				if (c[small].end - c[small].start < t.end - t.start) {
					mlm_fnode_free(c[small].v);
					jv_free(c[small].diag);
					memmove(c + small, c + small + 1, (nc - small - 1) * sizeof *c);
					nc--;
				}
			}
			if (nc < room) {
				c[nc] = t;
				got = &c[nc++];
			} else
				got = &t;
		} else {
			/* remember the failure of the longest-looking span */
			size_t span = len - i;
			if (best_fail == 0 || (wb[0] == 0) || span > best_fail) {
				best_fail = span;
				snprintf(wb, sizeof wb, "%s", w1);
			}
			continue;
		}
		if (joined && joined->n < 4096) {
			mlm_fnode *cp = mlm_fnode_from_jv(mlm_fnode_to_jv(got->v));
			if (!joined->n)
				jstart = got->start;
			if (!cp || mlm_fnode_add(joined, NULL, 0, cp) < 0)
				mlm_fnode_free(cp);
			jv_array_foreach(got->diag, q, x)
				jdiag = jv_array_append(jdiag, x);
		}
		size_t e = got->end;
		if (got == &t) {
			mlm_fnode_free(t.v);
			jv_free(t.diag);
		}
		if (e > i)
			i = e - 1;
	}
	/* 4. several top-level values (NDJSON, one after another) as one array */
	if (joined && joined->n >= 2 && nc < max) {
		jdiag = jv_array_append(jdiag, mlm_fmt_diag("repair", "joined", NULL, (long)jstart,
		    "read %zu values one after another as one array", joined->n));
		c[nc].v = joined;
		c[nc].diag = jdiag;
		c[nc].start = c[nc].end = len + 1;   /* contains no offset */
		nc++;
	} else {
		mlm_fnode_free(joined);
		jv_free(jdiag);
	}
	/* 5. a candidate that is a string holding JSON (stringified output) */
	size_t n0 = nc;
	for (size_t k = 0; k < n0 && nc < max; k++) {
		mlm_fnode *v = c[k].v;
		if (v->t != FN_STR || v->slen < 2 || tier < 1)
			continue;
		size_t a = 0;
		while (a < v->slen && isspace((unsigned char)v->s[a]))
			a++;
		if (a >= v->slen || (v->s[a] != '{' && v->s[a] != '['))
			continue;
		mlm_fcand t;
		if (mlm_fmt_parse_at(v->s, v->slen, a, tier, 1, &budget, &t, w1, sizeof w1) == 0) {
			jv d = jv_copy(c[k].diag);
			jv_array_foreach(t.diag, q, x)
				d = jv_array_append(d, x);
			jv_free(t.diag);
			d = jv_array_append(d, mlm_fmt_diag("repair", "stringified_json", NULL, (long)c[k].start,
			    "read a JSON string holding JSON as that JSON"));
			t.diag = d;
			t.start = t.end = len + 1;
			c[nc++] = t;
		}
	}
	/* 6. reasoning models think aloud in <think>...</think>: values found
	 * there lose to any value found outside */
	size_t ts[8], te[8], nt = think_blocks(text, len, ts, te, 8);
	if (nt) {
		int outside = 0;
		for (size_t k = 0; k < nc; k++)
			if (!in_blocks(c[k].start, ts, te, nt))
				outside = 1;
		if (outside) {
			size_t w = 0;
			for (size_t k = 0; k < nc; k++) {
				if (in_blocks(c[k].start, ts, te, nt)) {
					mlm_fnode_free(c[k].v);
					jv_free(c[k].diag);
				} else
					c[w++] = c[k];
			}
			nc = w;
		}
	}
	for (size_t k = 0; k < nc; k++) {
		out[k] = c[k].v;
		diags[k] = c[k].diag;
	}
	if (nc == 0 && why && whylen) {
		if (wb[0])
			snprintf(why, whylen, "%s", wb);
		else
			snprintf(why, whylen, "the text holds no JSON value");
	}
	free(c);
	return nc;
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
