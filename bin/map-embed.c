/*
 * map-embed.c — llm-map --embed: the model of a run, one input's request,
 * the packing of inputs into requests, one input's record.
 *
 * Vectors of different models do not mix: a run is served by the entries
 * of one model (any of its keys and owners); other models serve only when
 * named with --embed-fallback, one after another, a batch going to the
 * next model when every entry of the one before failed it. Each record
 * names the model that made its vector.
 *
 * Packing: a request holds as many inputs as the serving entries take, and
 * as many estimated tokens (mlm_embed_tokens_guess) as the model takes over
 * a request's inputs and the smallest tokens/minute window allows; it is
 * charged its estimate against that window. An input estimated over the
 * model's tokens for one input goes alone; it is never truncated, and if
 * the provider refuses it its record (and a stderr line) names the limit.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "map-embed.h"

static void limits(map_embed *m, const mlm_pool *p, const char *provider_glob);

int
map_embed_models(map_embed *m, const mlm_pool *p, const char *model_glob,
    const char *provider_glob, char *const *fallbacks, int nfallbacks, char *err, size_t n)
{
	const char *seen[8];
	int nseen = 0, more = 0;
	for (size_t i = 0; i < p->n; i++) {
		const mlm_entry *e = &p->v[i];
		if (!mlm_glob(provider_glob, e->provider) || !mlm_glob(model_glob, e->model))
			continue;
		int fb = 0, dup = 0;
		for (int k = 0; k < nfallbacks; k++)
			fb |= !strcmp(fallbacks[k], e->model);
		for (int k = 0; k < nseen; k++)
			dup |= !strcmp(seen[k], e->model);
		if (fb || dup)
			continue;
		if (nseen < 8)
			seen[nseen++] = e->model;
		else
			more++;
	}
	if (nseen > 1) {
		char list[300] = "";
		size_t k = 0;
		for (int s = 0; s < nseen && k < sizeof list - 80; s++)
			k += (size_t)snprintf(list + k, sizeof list - k, "%s%s", s ? ", " : "", seen[s]);
		if (more)
			snprintf(list + k, sizeof list - k, " and more");
		mlm_err(err, n, "--embed: the pool's entries%s%s are of %s%d models (%s); vectors of "
		    "different models do not mix: choose one with -m, or name the others with "
		    "--embed-fallback", model_glob ? " matching -m " : "", model_glob ? model_glob : "",
		    more ? "more than " : "", nseen, list);
		return -1;
	}
	m->nmodels = 0;
	if (nseen == 1)
		m->models[m->nmodels++] = seen[0];
	for (int k = 0; k < nfallbacks && m->nmodels < 17; k++) {
		int has = 0;
		for (size_t i = 0; i < p->n; i++)
			has |= mlm_glob(provider_glob, p->v[i].provider) && !strcmp(p->v[i].model, fallbacks[k]);
		if (!has) {
			mlm_err(err, n, "--embed-fallback %s: no pool entry has this model", fallbacks[k]);
			return -2;
		}
		m->models[m->nmodels++] = fallbacks[k];
	}
	if (!m->nmodels) {
		mlm_err(err, n, "--embed: no pool entry matches%s%s", model_glob ? " -m " : "",
		    model_glob ? model_glob : "");
		return -2;
	}
	limits(m, p, provider_glob);
	return 0;
}

/* Inputs and tokens per request, tokens per input and per minute: the
 * smallest limit of any entry that may serve. */
static void
limits(map_embed *m, const mlm_pool *p, const char *provider_glob)
{
	m->batch = m->batch_tokens = m->input_tokens = m->tpm = 0;
	for (size_t i = 0; i < p->n; i++)
		for (int k = 0; k < m->nmodels; k++) {
			const mlm_entry *e = &p->v[i];
			if (!mlm_glob(provider_glob, e->provider) || strcmp(e->model, m->models[k]))
				continue;
			long b = mlm_embed_batch_max(e);
			if (!m->batch || b < m->batch)
				m->batch = b;
			long t = mlm_embed_batch_tokens(e);
			if (t && (!m->batch_tokens || t < m->batch_tokens))
				m->batch_tokens = t;
			long in = mlm_embed_input_tokens(e);
			if (in && (!m->input_tokens || in < m->input_tokens))
				m->input_tokens = in;
			if (e->lim.tpm && (!m->tpm || e->lim.tpm < m->tpm))
				m->tpm = e->lim.tpm;
		}
	/* a batch over a minute's tokens would never go */
	if (m->tpm && (!m->batch_tokens || m->tpm < m->batch_tokens))
		m->batch_tokens = m->tpm;
}

long
map_embed_tokens(jv req)
{
	jv in = jv_object_get(jv_copy(req), jv_string("embed"));
	jv t = jv_get_kind(in) == JV_KIND_ARRAY ? jv_array_get(jv_copy(in), 0) : jv_invalid();
	long n = jv_get_kind(t) == JV_KIND_STRING ?
	    mlm_embed_tokens_guess((size_t)jv_string_length_bytes(jv_copy(t))) : 0;
	jv_free(t);
	jv_free(in);
	return n;
}

int
map_embed_alone(const map_embed *m, long tok)
{
	return m->input_tokens && tok > m->input_tokens;
}

int
map_embed_fits(const map_embed *m, int n, long sum, long tok)
{
	if (n >= m->batch)
		return 0;
	if (n && (map_embed_alone(m, tok) || (m->batch_tokens && sum + tok > m->batch_tokens)))
		return 0;
	return 1;
}

long
map_embed_need(const map_embed *m, long sum)
{
	return m->tpm && sum > m->tpm ? m->tpm : sum;
}

int
map_embed_note_limit(const map_embed *m, const mlm_pool *p, mlm_result *r, int model, long tok,
    char *line, size_t ln)
{
	if (r->ok || (r->kind != MLM_TOO_LARGE && r->kind != MLM_INVALID_REQUEST))
		return 0;
	const mlm_entry *e = r->entry;
	for (size_t i = 0; !e && i < p->n; i++)
		if (!strcmp(p->v[i].model, m->models[model]))
			e = &p->v[i];
	long lim = e ? mlm_embed_input_tokens(e) : 0;
	if (!lim || tok <= lim)
		return 0;       /* not over by the estimate: the provider's words alone */
	snprintf(line, ln, "input over %s's limit of %ld tokens an input (about %ld by "
	    "estimate; not truncated)", e->model, lim, tok);
	char msg[sizeof r->msg + 256];
	snprintf(msg, sizeof msg, "%s: %s", line, r->msg);
	size_t n = strlen(msg);
	if (n >= sizeof r->msg)
		n = sizeof r->msg - 1;
	memcpy(r->msg, msg, n);
	r->msg[n] = 0;
	r->kind = MLM_TOO_LARGE;
	return 1;
}

int
map_embed_request(const map_embed *m, jv out, jv *req, char *msg, size_t n)
{
	*req = jv_invalid();
	if (jv_get_kind(out) == JV_KIND_NUMBER || jv_get_kind(out) == JV_KIND_TRUE ||
	    jv_get_kind(out) == JV_KIND_FALSE)
		out = jv_dump_string(out, 0);
	if (jv_get_kind(out) == JV_KIND_OBJECT) {
		jv t = jv_object_get(out, jv_string("text"));
		out = t;
	}
	if (jv_get_kind(out) != JV_KIND_STRING) {
		snprintf(msg, n, "template: --embed needs a string, or an object with \"text\" (a string), not %s",
		    jv_kind_name(jv_get_kind(out)));
		jv_free(out);
		return -1;
	}
	if (jv_string_length_bytes(jv_copy(out)) == 0) {
		jv_free(out);
		snprintf(msg, n, "template: the text to embed is empty");
		return -1;
	}
	/* the model is part of the request: another model is another input */
	jv r = mlm_req_embed(out, m->dims, NULL);
	*req = jv_object_set(r, jv_string("model"), jv_string(m->models[0]));
	return 0;
}

jv
map_embed_batch_req(const map_embed *m, jv texts)
{
	return mlm_req_embed(texts, m->dims, NULL);
}

static int
field(mlm_buf *b, const char *name, const char *s)
{
	return mlm_buf_puts(b, name) | mlm_json_str(b, s, strlen(s));
}

int
map_embed_record(mlm_buf *b, const mlm_result *r, jv vecs, int k, int n)
{
	if (!r->ok)
		return mlm_result_write(b, r);
	jv v = jv_array_get(jv_copy(vecs), k);
	int e = mlm_buf_puts(b, ",\"ok\":true,\"embedding\":");
	e |= mlm_json_dump(b, v);
	e |= mlm_buf_printf(b, ",\"dims\":%d", jv_array_length(v));
	if (r->entry) {
		e |= field(b, ",\"provider\":", r->entry->provider);
		e |= field(b, ",\"model\":", r->entry->model);
		e |= field(b, ",\"entry\":", r->entry->id);
	}
	e |= mlm_buf_puts(b, ",\"attempts\":");
	e |= mlm_json_dump(b, r->attempts);
	/* the provider counts a request's tokens, not each input's */
	e |= mlm_buf_printf(b, ",\"usage\":{\"batch\":%d", n);
	if (r->in_tok >= 0)
		e |= mlm_buf_printf(b, ",\"batch_in\":%ld", r->in_tok);
	e |= mlm_buf_printf(b, "},\"ms\":%lld", (long long)r->ms);
	return e ? -1 : 0;
}

int
map_embed_f32(FILE *out, const char *line, size_t len, long dims)
{
	jv r = mlm_parse_body(line, len);
	jv v = jv_get_kind(r) == JV_KIND_OBJECT ? jv_object_get(jv_copy(r), jv_string("embedding")) :
	    jv_invalid();
	jv_free(r);
	int fits = jv_get_kind(v) == JV_KIND_ARRAY && jv_array_length(jv_copy(v)) == dims;
	unsigned char buf[4096];
	size_t n = 0;
	for (long i = 0; i < dims; i++) {
		float f = NAN;
		if (fits) {
			jv x = jv_array_get(jv_copy(v), (int)i);
			if (jv_get_kind(x) == JV_KIND_NUMBER)
				f = (float)jv_number_value(x);
			jv_free(x);
		}
		uint32_t u;
		memcpy(&u, &f, sizeof u);
		for (int k = 0; k < 4; k++)
			buf[n++] = (unsigned char)(u >> (8 * k));     /* little-endian */
		if (n == sizeof buf || i == dims - 1) {
			if (fwrite(buf, 1, n, out) != n) {
				jv_free(v);
				return -1;
			}
			n = 0;
		}
	}
	jv_free(v);
	return 0;
}
