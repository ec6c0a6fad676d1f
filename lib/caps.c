/*
 * caps.c — capability-aware routing: what a request needs of an entry
 * (images, tools, room in its context window and tokens per minute), and
 * which entries have it.
 *
 * An entry's capabilities come from the catalog ("caps": "vision",
 * "tools"); a model the catalog does not know is assumed to have them, and
 * an `unsupported` answer about images or tools is remembered for the
 * process (mlm_sched_unsupported), not penalised: the request goes to
 * another entry, and the next one with images or tools skips it at once.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "mlm.h"

#define TOKENS_PER_IMAGE 1000
#define TOKENS_PER_MESSAGE 4

static double text_tokens(const char *s, size_t n);

static double
str_tokens(jv s)
{
	return text_tokens(jv_string_value(s), (size_t)jv_string_length_bytes(jv_copy(s)));
}

/* One message of a plain request (consumed): exactly a role (not "tool")
 * and a content, both strings; their tokens and the message's own onto *n. */
static int
plain_msg_tokens(jv m, double *n)
{
	int ok = jv_get_kind(m) == JV_KIND_OBJECT, roles = 0, contents = 0;
	for (int j = ok ? jv_object_iter(m) : 0; ok && jv_object_iter_valid(m, j);
	    j = jv_object_iter_next(m, j)) {
		jv mk = jv_object_iter_key(m, j), mv = jv_object_iter_value(m, j);
		int role = !strcmp(jv_string_value(mk), "role");
		int content = !role && !strcmp(jv_string_value(mk), "content");
		roles += role;
		contents += content;
		ok = (role || content) && jv_get_kind(mv) == JV_KIND_STRING &&
		    (!role || strcmp(jv_string_value(mv), "tool"));
		if (ok)
			*n += str_tokens(mv);
		jv_free(mk), jv_free(mv);
	}
	*n += TOKENS_PER_MESSAGE;
	jv_free(m);
	return ok && roles == 1 && contents == 1;
}

/* A plain request (text messages of a role and a content, at most a system
 * prompt, a temperature and a token limit: what llm-map makes of a line)
 * needs no capability, and its estimate is its texts': 1 with *t, in one
 * pass, where the general walks below take several (unit-caps holds the
 * two together). 0 for any other request. */
static int
plain_tokens(jv req, double *t)
{
	if (mlm_json_fast_off || jv_get_kind(req) != JV_KIND_OBJECT)
		return 0;
	double n = 0;
	int ok = 1;
	for (int i = jv_object_iter(req); ok && jv_object_iter_valid(req, i); i = jv_object_iter_next(req, i)) {
		jv k = jv_object_iter_key(req, i), v = jv_object_iter_value(req, i);
		const char *ks = jv_string_value(k);
		if (!strcmp(ks, "messages")) {
			ok = jv_get_kind(v) == JV_KIND_ARRAY;
			for (int a = 0, len = ok ? jv_array_length(jv_copy(v)) : 0; ok && a < len; a++)
				ok = plain_msg_tokens(jv_array_get(jv_copy(v), a), &n);
		} else if (!strcmp(ks, "system")) {
			if (jv_get_kind(v) == JV_KIND_STRING)
				n += TOKENS_PER_MESSAGE + str_tokens(v);
			else    /* another kind is counted as JSON by the general walk */
				ok = jv_get_kind(v) == JV_KIND_NULL;
		} else {
			ok = !strcmp(ks, "temperature") || !strcmp(ks, "max_tokens");
		}
		jv_free(k), jv_free(v);
	}
	*t = ok ? n : 0;
	return ok;
}

/* What a request of any shape needs: images, tools. */
static unsigned
need_walk(jv req)
{
	unsigned f = 0;
	if (mlm_req_images(req))
		f |= MLM_FEAT_VISION;
	if (mlm_tools_used(req))
		f |= MLM_FEAT_TOOLS;
	return f;
}

/* Tokens of UTF-8 text: ASCII a token per 4 bytes; CJK (U+2E80 and up in
 * the BMP's ideographic and kana/hangul blocks) a token per character;
 * other letters (Cyrillic, Greek, accents...) a token per 2 characters. */
static double
text_tokens(const char *s, size_t n)
{
	double t = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80) {
			t += 0.25;
			i++;
			continue;
		}
		unsigned cp = 0;
		size_t len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
		cp = len == 4 ? c & 7u : len == 3 ? c & 15u : len == 2 ? c & 31u : 0;
		for (size_t k = 1; k < len && i + k < n; k++)
			cp = cp << 6 | ((unsigned char)s[i + k] & 63u);
		i += len;
		t += (cp >= 0x2e80 && cp < 0xa000) || (cp >= 0xac00 && cp < 0xd7b0) ||
		    (cp >= 0xf900 && cp < 0xfb00) || (cp >= 0xff00 && cp < 0xfff0) ||
		    cp >= 0x20000 ? 1.0 : 0.5;
	}
	return t;
}

static double
jv_tokens(jv v)
{
	double t = 0;
	switch (jv_get_kind(v)) {
	case JV_KIND_STRING:
		t = text_tokens(jv_string_value(v), (size_t)jv_string_length_bytes(jv_copy(v)));
		break;
	case JV_KIND_ARRAY:
		jv_array_foreach(v, i, x) {
			jv ty = jv_get_kind(x) == JV_KIND_OBJECT ?
			    mlm_jfield(x, "type") : jv_null();
			if (jv_get_kind(ty) == JV_KIND_STRING && !strcmp(jv_string_value(ty), "image"))
				t += TOKENS_PER_IMAGE;
			else
				t += jv_tokens(jv_copy(x));
			jv_free(ty);
			jv_free(x);
		}
		break;
	case JV_KIND_OBJECT:
		jv_object_foreach(v, k, x) {
			t += jv_tokens(x);
			jv_free(k);
		}
		break;
	default:
		break;
	}
	jv_free(v);
	return t;
}

/* The estimate of a request of any shape. */
static double
tokens_walk(jv req)
{
	double t = 0;
	jv m = mlm_jfield(req, "messages");
	if (jv_get_kind(m) == JV_KIND_ARRAY) {
		t += TOKENS_PER_MESSAGE * jv_array_length(jv_copy(m));
		t += jv_tokens(jv_copy(m));
	}
	jv_free(m);
	static const char *const keys[] = { "system", "tools", "schema" };
	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
		jv x = mlm_jfield(req, keys[i]);
		if (jv_get_kind(x) == JV_KIND_STRING)
			t += TOKENS_PER_MESSAGE + jv_tokens(x);
		else if (jv_is_valid(x) && jv_get_kind(x) != JV_KIND_NULL) {
			jv d = jv_dump_string(x, 0);      /* declarations: their JSON text */
			t += text_tokens(jv_string_value(d), (size_t)jv_string_length_bytes(jv_copy(d)));
			jv_free(d);
		} else
			jv_free(x);
	}
	return t;
}

unsigned
mlm_caps_need(jv req)
{
	double t;
	return jv_get_kind(req) != JV_KIND_OBJECT || plain_tokens(req, &t) ? 0 : need_walk(req);
}

long
mlm_caps_tokens(jv req)
{
	double t;
	if (jv_get_kind(req) != JV_KIND_OBJECT)
		return 0;
	return (long)((plain_tokens(req, &t) ? t : tokens_walk(req)) + 0.999);
}

unsigned
mlm_caps_need_tokens(jv req, long *tokens)
{
	double t;
	*tokens = 0;
	if (jv_get_kind(req) != JV_KIND_OBJECT)
		return 0;
	if (plain_tokens(req, &t)) {    /* one pass for both */
		*tokens = (long)(t + 0.999);
		return 0;
	}
	*tokens = (long)(tokens_walk(req) + 0.999);
	return need_walk(req);
}

const char *
mlm_caps_name(unsigned feat)
{
	if (feat & MLM_FEAT_VISION)
		return "images";
	if (feat & MLM_FEAT_TOOLS)
		return "tools";
	if (feat & MLM_FEAT_SCHEMA)
		return "schema";
	return "?";
}

/* Does entry idx have feature f: the catalog says so and it was not
 * found unsupported at run time. */
static int
has(const mlm_sched *s, int idx, unsigned f)
{
	const mlm_entry *e = mlm_sched_entry(s, idx);
	return (e->features & f) && !mlm_sched_is_unsupported(s, idx, f);
}

int
mlm_caps_skip(const mlm_sched *s, int idx, const mlm_pick *q, mlm_buf *why)
{
	const mlm_entry *e = mlm_sched_entry(s, idx);
	static const unsigned feats[] = { MLM_FEAT_VISION, MLM_FEAT_TOOLS };
	for (size_t i = 0; i < sizeof feats / sizeof *feats; i++)
		if ((q->need_caps & feats[i]) && !has(s, idx, feats[i])) {
			if (why && mlm_buf_printf(why, "%s: takes no %s\n", e->id,
			    mlm_caps_name(feats[i])) < 0)
				mlm_buf_reset(why);
			return 1;
		}
	if (q->need_tokens && e->lim.tpm && q->need_tokens > e->lim.tpm) {
		if (why && mlm_buf_printf(why, "%s: %ld tokens/minute < %ld tokens\n", e->id,
		    e->lim.tpm, q->need_tokens) < 0)
			mlm_buf_reset(why);
		return 1;
	}
	return 0;
}

unsigned
mlm_caps_learn(const char *msg)
{
	if (msg && (strcasestr(msg, "image") || strcasestr(msg, "vision") ||
	    strcasestr(msg, "modality")))
		return MLM_FEAT_VISION;
	if (msg && (strstr(msg, "parameter tools") || strstr(msg, "tool_choice") ||
	    strcasestr(msg, "function call") || strcasestr(msg, "tool call") ||
	    strcasestr(msg, "tool use")))
		return MLM_FEAT_TOOLS;
	return MLM_FEAT_SCHEMA;
}

int
mlm_caps_refusal_text(const char *m)
{
	if (!m || !(strcasestr(m, "image") || strcasestr(m, "modality") || strcasestr(m, "vision") ||
	    strcasestr(m, "function call") || strcasestr(m, "tool call") || strcasestr(m, "tool use") ||
	    strcasestr(m, "tool_choice")))
		return 0;
	return strcasestr(m, "not supported") || strcasestr(m, "only supported") ||
	    strcasestr(m, "does not support") || strcasestr(m, "not enabled") ||
	    strcasestr(m, "unsupported") || strcasestr(m, "text-only");
}

int
mlm_caps_unservable(const mlm_sched *s, const mlm_pool *p, const mlm_pick *q, char *msg,
    size_t n)
{
	unsigned missing = 0;
	long largest = 0, tpm = 0;
	int any = 0, small = 0, slow = 0;
	for (size_t i = 0; i < p->n; i++) {
		const mlm_entry *e = &p->v[i];
		if (!mlm_glob(q->model, e->model) || !mlm_glob(q->provider, e->provider) ||
		    !mlm_glob(q->entry, e->id) || (e->features & MLM_FEAT_EMBED))
			continue;
		unsigned lack = q->need_caps & ~(has(s, (int)i, MLM_FEAT_VISION) ? MLM_FEAT_VISION : 0u) &
		    ~(has(s, (int)i, MLM_FEAT_TOOLS) ? MLM_FEAT_TOOLS : 0u);
		int win = q->need_tokens && e->window && q->need_tokens > e->window;
		int rate = q->need_tokens && e->lim.tpm && q->need_tokens > e->lim.tpm;
		if (!lack && !win && !rate)
			return 0;
		missing |= lack;
		if (win) {
			small = 1;
			if (e->window > largest)
				largest = e->window;
		} else if (rate) {
			slow = 1;
			if (e->lim.tpm > tpm)
				tpm = e->lim.tpm;
		}
		any = 1;
	}
	if (!any)
		return 0;       /* nothing matches at all: the engine says so */
	if (missing) {
		snprintf(msg, n, "no entry takes %s%s%s (the catalog's \"caps\", or learned from "
		    "an unsupported answer)", mlm_caps_name(missing),
		    (missing & MLM_FEAT_VISION) && (missing & MLM_FEAT_TOOLS) ? " and tools" : "",
		    "");
		return MLM_UNSUPPORTED;
	}
	if (small && !slow)
		snprintf(msg, n, "the request is about %ld tokens (estimated); the largest context "
		    "window of the entries is %ld", q->need_tokens, largest);
	else
		snprintf(msg, n, "the request is about %ld tokens (estimated); no entry's context "
		    "window and tokens/minute take it (largest tokens/minute %ld)", q->need_tokens, tpm);
	return MLM_TOO_LARGE;
}

long
mlm_caps_out_tokens(jv req)
{
	jv m = jv_get_kind(req) == JV_KIND_OBJECT ?
	    mlm_jfield(req, "max_tokens") : jv_null();
	long n = jv_get_kind(m) == JV_KIND_NUMBER && jv_number_value(m) > 0 ?
	    (long)jv_number_value(m) : 0;
	jv_free(m);
	return n;
}
