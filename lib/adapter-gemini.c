/*
 * adapter-gemini.c — Gemini's native generateContent API (AI Studio keys).
 *
 * The key travels in the x-goog-api-key header, never in the URL. The
 * stream (?alt=sse) has no terminator: every event is a whole
 * GenerateContentResponse with only the new text, and a finishReason marks
 * the end (a->done = 1, but the event still returns 0: the caller reads to
 * EOF, and EOF before done is a truncation). Blocked prompts and answers
 * come back as HTTP 200 and are reported as MLM_BLOCKED.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlm.h"
#include "adapter.h"
#include "fmt.h"

/* responseJsonSchema takes these keywords only (the API reference lists
 * them); any other goes into the description, as the OpenAI lowering does. */
static const char *const json_keywords[] = {
	"$id", "$defs", "$ref", "$anchor", "type", "format", "title", "description", "enum",
	"items", "prefixItems", "minItems", "maxItems", "minimum", "maximum", "anyOf", "oneOf",
	"properties", "additionalProperties", "required", "propertyOrdering", NULL
};

static jv json_subset(jv s);

jv
mlm_gemini_json_subset(jv schema)
{
	return json_subset(schema);
}

static jv
json_subset_map(jv m)
{
	jv out = jv_object();
	jv_object_foreach(m, k, v) {
		jv x = json_subset(v);
		if (!jv_is_valid(x)) {  /* a note that could not be written whole */
			jv_free(k), jv_free(out);
			out = x;
			break;
		}
		out = jv_object_set(out, k, x);
	}
	jv_free(m);
	return out;
}

static jv
json_subset(jv s)
{
	if (jv_get_kind(s) != JV_KIND_OBJECT)
		return s;
	jv out = jv_object();
	mlm_buf note = { 0 };
	jv_object_foreach(s, k, v) {
		const char *kw = jv_string_value(k);
		size_t i = 0;
		while (json_keywords[i] && strcmp(json_keywords[i], kw))
			i++;
		if (!json_keywords[i]) {
			jv d = jv_dump_string(v, 0);
			int r = mlm_buf_printf(&note, "%s%s: %s", note.len ? "; " : "", kw,
			    jv_string_value(d));
			jv_free(d), jv_free(k);
			if (r < 0) {    /* the description would be cut: the schema fails */
				jv_free(out);
				out = jv_invalid_with_msg(jv_string("the schema's keywords Gemini does "
				    "not take are too large to note in its description"));
				break;
			}
			continue;
		}
		if (!strcmp(kw, "properties") || !strcmp(kw, "$defs"))
			v = json_subset_map(v);
		else if (!strcmp(kw, "items") || !strcmp(kw, "additionalProperties"))
			v = json_subset(v);
		else if (jv_get_kind(v) == JV_KIND_ARRAY && strcmp(kw, "enum") && strcmp(kw, "required") &&
		    strcmp(kw, "propertyOrdering")) {
			jv a = jv_array();
			jv_array_foreach(v, j, x) {
				jv y = json_subset(x);
				if (!jv_is_valid(y)) {
					jv_free(a);
					a = y;
					break;
				}
				a = jv_array_append(a, y);
			}
			jv_free(v);
			v = a;
		}
		if (!jv_is_valid(v)) {
			jv_free(k), jv_free(out);
			out = v;
			break;
		}
		out = jv_object_set(out, k, v);
	}
	jv_free(s);
	if (!jv_is_valid(out)) {
		mlm_buf_free(&note);
		return out;
	}
	if (note.len) {
		jv d = mlm_jfield(out, "description");
		jv t = jv_get_kind(d) == JV_KIND_STRING ?
		    jv_string_fmt("%s (%s)", jv_string_value(d), note.p) : jv_string_fmt("(%s)", note.p);
		jv_free(d);
		out = jv_object_set(out, jv_string("description"), t);
	}
	mlm_buf_free(&note);
	return out;
}

/* The request's "schema" (or "json") into generationConfig *gcp: -1 with
 * err (and *gcp freed) when it cannot be sent whole. */
static int
schema_config(jv req, jv *gcp, char *err, size_t errlen)
{
	jv schema = mlm_jpath(req, "schema"), json = mlm_jpath(req, "json");
	if (jv_get_kind(schema) == JV_KIND_OBJECT) {
		/* responseSchema, Gemini's OpenAPI subset (llm-fmt --emit-schema
		 * gemini); a schema it has no words for goes as responseJsonSchema,
		 * JSON Schema cut to the keywords it takes */
		char why[MLM_ERRLEN];
		jv gs = mlm_schema_gemini_dialect(schema, why, sizeof why);
		*gcp = jv_object_set(*gcp, jv_string("responseMimeType"), jv_string("application/json"));
		if (jv_is_valid(gs)) {
			*gcp = jv_object_set(*gcp, jv_string("responseSchema"), gs);
			jv_free(schema);
		} else {
			jv_free(gs);
			jv js = json_subset(schema);
			if (!jv_is_valid(js)) {
				jv_free(js), jv_free(*gcp), jv_free(json);
				return mlm_err(err, errlen, "request: the schema's keywords Gemini does "
				    "not take are too large to note in its description");
			}
			*gcp = jv_object_set(*gcp, jv_string("responseJsonSchema"), js);
		}
	} else {
		jv_free(schema);
		if (jv_get_kind(json) == JV_KIND_TRUE)
			*gcp = jv_object_set(*gcp, jv_string("responseMimeType"),
			    jv_string("application/json"));
	}
	jv_free(json);
	return 0;
}

static int
gemini_build(const mlm_entry *e, const char *key, jv req, int stream,
    mlm_httpreq *out, char *err, size_t errlen)
{
	jv m;
	if (mlm_build_begin(e, req, out, &m, err, errlen) < 0)
		return -1;

	jv sysparts = jv_array();
	jv sys = mlm_jpath(req, "system");
	if (jv_get_kind(sys) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(sys)))
		sysparts = jv_array_append(sysparts, jv_object_set(jv_object(), jv_string("text"), sys));
	else
		jv_free(sys);
	jv contents = jv_array();
	int n = jv_array_length(jv_copy(m));
	for (int i = 0; i < n; i++) {
		int tr = mlm_tools_gemini_msg(m, i, &contents, err, errlen);
		if (tr < 0) {
			jv_free(m), jv_free(sysparts), jv_free(contents);
			return -1;
		}
		if (tr)
			continue;
		jv x = jv_array_get(jv_copy(m), i);
		jv role = mlm_jpath(x, "role"), content = mlm_jpath(x, "content");
		jv_free(x);
		if (jv_get_kind(role) != JV_KIND_STRING || (jv_get_kind(content) != JV_KIND_STRING &&
		    jv_get_kind(content) != JV_KIND_ARRAY)) {
			jv_free(role), jv_free(content), jv_free(m), jv_free(sysparts), jv_free(contents);
			return mlm_err(err, errlen, "request: message %d needs a role and a text content", i + 1);
		}
		const char *r = jv_string_value(role);
		jv parts = mlm_parts_gemini(content, e, err, errlen);   /* text and images: parts.c */
		if (!jv_is_valid(parts)) {
			jv_free(role), jv_free(m), jv_free(sysparts), jv_free(contents);
			return -1;
		}
		if (!strcmp(r, "system")) {
			jv_array_foreach(parts, k, part)
				sysparts = jv_array_append(sysparts, part);
			jv_free(parts);
		} else {
			jv c = jv_object_set(jv_object(), jv_string("role"),
			    jv_string(!strcmp(r, "assistant") || !strcmp(r, "model") ? "model" : "user"));
			c = jv_object_set(c, jv_string("parts"), parts);
			contents = jv_array_append(contents, c);
		}
		jv_free(role);
	}
	jv_free(m);

	jv b = jv_object();
	if (jv_array_length(jv_copy(sysparts)) > 0)
		b = jv_object_set(b, jv_string("systemInstruction"),
		    jv_object_set(jv_object(), jv_string("parts"), sysparts));
	else
		jv_free(sysparts);
	b = jv_object_set(b, jv_string("contents"), contents);
	jv gc = jv_object();
	jv t = mlm_jpath(req, "temperature");
	if (jv_get_kind(t) == JV_KIND_NUMBER)
		gc = jv_object_set(gc, jv_string("temperature"), t);
	else
		jv_free(t);
	jv mt = mlm_jpath(req, "max_tokens");
	if (jv_get_kind(mt) == JV_KIND_NUMBER)
		gc = jv_object_set(gc, jv_string("maxOutputTokens"), mt);
	else
		jv_free(mt);
	gc = mlm_param_copy(req, gc, "stop", "stopSequences");
	gc = mlm_param_copy(req, gc, "top_p", "topP");
	gc = mlm_param_copy(req, gc, "top_k", "topK");
	gc = mlm_param_copy(req, gc, "seed", "seed");
	gc = mlm_param_copy(req, gc, "presence_penalty", "presencePenalty");
	gc = mlm_param_copy(req, gc, "frequency_penalty", "frequencyPenalty");
	if (schema_config(req, &gc, err, errlen) < 0) {
		jv_free(b);
		return -1;
	}
	if (jv_object_length(jv_copy(gc)) > 0)
		b = jv_object_set(b, jv_string("generationConfig"), gc);
	else
		jv_free(gc);
	b = mlm_tools_gemini_body(req, b);
	if (!jv_is_valid(b)) {  /* a tool's parameters: as the schema above */
		jv_free(b);
		return mlm_err(err, errlen, "request: a tool's parameters have keywords Gemini "
		    "does not take, too large to note in its description");
	}

	/* base/models/MODEL, without doubling an existing "models/" prefix */
	size_t bl = strlen(e->base_url);
	while (bl && e->base_url[bl - 1] == '/')
		bl--;
	const char *model = e->model;
	int prefixed = strchr(model, '/') != NULL;   /* models/x, tunedModels/x */
	if (asprintf(&out->url, "%.*s/%s%s:%s", (int)bl, e->base_url, prefixed ? "" : "models/",
	    model, stream ? "streamGenerateContent?alt=sse" : "generateContent") < 0)
		out->url = NULL;
	/* the key in a header, never in the URL */
	return mlm_httpreq_finish(out, b, "x-goog-api-key:", key, stream, err, errlen);
}

/* ---------- answers ---------- */

static int
blocking(const char *f)
{
	static const char *const v[] = {
		"SAFETY", "PROHIBITED_CONTENT", "BLOCKLIST", "SPII", "RECITATION",
		"IMAGE_SAFETY", "MODEL_ARMOR", "JAILBREAK",
	};
	for (size_t i = 0; i < sizeof v / sizeof *v; i++)
		if (!strcmp(f, v[i]))
			return 1;
	return 0;
}

static void
take_usage(mlm_answer *a, jv x)
{
	jv u = mlm_jpath(x, "usageMetadata");
	if (jv_get_kind(u) == JV_KIND_OBJECT) {
		jv p = mlm_jpath(u, "promptTokenCount");
		jv c = mlm_jpath(u, "candidatesTokenCount");
		jv t = mlm_jpath(u, "thoughtsTokenCount");
		if (jv_get_kind(p) == JV_KIND_NUMBER)
			a->in_tok = (long)jv_number_value(p);
		if (jv_get_kind(c) == JV_KIND_NUMBER || jv_get_kind(t) == JV_KIND_NUMBER)
			a->out_tok = (long)((jv_get_kind(c) == JV_KIND_NUMBER ? jv_number_value(c) : 0) +
			    (jv_get_kind(t) == JV_KIND_NUMBER ? jv_number_value(t) : 0));
		jv_free(p), jv_free(c), jv_free(t);
	}
	jv_free(u);
}

/* One GenerateContentResponse: text, finish reason, usage. final: a whole
 * (non-streamed) answer, where no candidate is an error. */
static int
chunk(jv x, int final, mlm_answer *a, mlm_outcome *o)
{
	take_usage(a, x);
	jv cand = mlm_jpath(x, "candidates.0");
	if (jv_get_kind(cand) != JV_KIND_OBJECT) {
		jv_free(cand);
		jv br = mlm_jpath(x, "promptFeedback.blockReason");
		if (jv_get_kind(br) == JV_KIND_STRING) {
			snprintf(a->finish, sizeof a->finish, "%s", jv_string_value(br));
			mlm_outcome_set(o, MLM_BLOCKED, 200, "HTTP 200: prompt blocked (%s)",
			    jv_string_value(br));
			jv_free(br);
			return -1;
		}
		jv_free(br);
		if (final) {
			mlm_outcome_set(o, MLM_BAD_RESPONSE, 200, "HTTP 200: answer without candidates");
			return -1;
		}
		return 0;       /* a usage-only chunk */
	}
	int r = 0;
	jv parts = mlm_jpath(cand, "content.parts");
	int n = jv_get_kind(parts) == JV_KIND_ARRAY ? jv_array_length(jv_copy(parts)) : 0;
	for (int i = 0; i < n && !r; i++) {
		jv p = jv_array_get(jv_copy(parts), i);
		jv th = mlm_jpath(p, "thought"), t = mlm_jpath(p, "text");
		if (mlm_tools_gemini_part(p, x, a) < 0) {
			mlm_outcome_set(o, MLM_BAD_RESPONSE, 200, "HTTP 200: a functionCall without a name");
			r = -1;
		} else if (jv_get_kind(th) != JV_KIND_TRUE && jv_get_kind(t) == JV_KIND_STRING &&
		    mlm_buf_add(&a->text, jv_string_value(t),
		    (size_t)jv_string_length_bytes(jv_copy(t))) < 0) {
			mlm_outcome_set(o, MLM_BAD_RESPONSE, 200, "HTTP 200: answer too large");
			r = -1;
		}
		jv_free(p), jv_free(th), jv_free(t);
	}
	jv_free(parts);
	jv fr = mlm_jpath(cand, "finishReason");
	if (!r && jv_get_kind(fr) == JV_KIND_STRING) {
		const char *f = jv_string_value(fr);
		snprintf(a->finish, sizeof a->finish, "%s", f);
		a->done = 1;
		if (blocking(f)) {
			mlm_outcome_set(o, MLM_BLOCKED, 200, "HTTP 200: answer blocked (finishReason %s)", f);
			r = -1;
		} else if (!strcmp(f, "MALFORMED_FUNCTION_CALL") || !strcmp(f, "UNEXPECTED_TOOL_CALL")) {
			mlm_outcome_set(o, MLM_BAD_RESPONSE, 200, "HTTP 200: no answer (finishReason %s)", f);
			r = -1;
		}
	}
	jv_free(fr);
	jv_free(cand);
	return r;
}

static int
is_error(jv x)
{
	jv er = mlm_jpath(x, "error");
	int k = jv_get_kind(er);
	jv_free(er);
	return k == JV_KIND_OBJECT;
}

static int
gemini_parse(const mlm_entry *e, const char *body, size_t len, mlm_answer *a, mlm_outcome *o)
{
	(void)e;
	jv x = mlm_parse_body(body, len);
	int r = 0;
	if (jv_get_kind(x) == JV_KIND_ARRAY) {
		/* the stream without alt=sse: an array of responses */
		int n = jv_array_length(jv_copy(x));
		for (int i = 0; i < n && !r; i++) {
			jv y = jv_array_get(jv_copy(x), i);
			if (jv_get_kind(y) != JV_KIND_OBJECT || is_error(y)) {
				jv_free(y);
				mlm_classify_generic(200, NULL, body, len, o);
				if (o->kind == MLM_OK)
					o->kind = MLM_BAD_RESPONSE;
				r = -1;
				break;
			}
			r = chunk(y, 0, a, o);
			jv_free(y);
		}
		if (!r && !a->done) {
			mlm_outcome_set(o, MLM_BAD_RESPONSE, 200, "HTTP 200: answer without a finish reason");
			r = -1;
		}
	} else if (jv_get_kind(x) != JV_KIND_OBJECT) {
		mlm_classify_generic(200, NULL, body, len, o);
		o->kind = MLM_BAD_RESPONSE;
		r = -1;
	} else if (is_error(x)) {
		mlm_classify_generic(200, NULL, body, len, o);
		r = -1;
	} else {
		r = chunk(x, 1, a, o);
		if (!r)
			a->done = 1;
	}
	jv_free(x);
	return r;
}

static int
gemini_event(const mlm_entry *e, const char *event, const char *data, size_t len,
    mlm_answer *a, mlm_outcome *o)
{
	(void)e; (void)event;
	jv x;
	int r = mlm_event_object(data, len, 0, is_error, &x, o);     /* no [DONE] here */
	if (r != 2)
		return r;
	r = chunk(x, 0, a, o);
	jv_free(x);
	return r;
}

const mlm_adapter mlm_adapter_gemini = {
	"gemini", gemini_build, gemini_parse, gemini_event, mlm_adapter_classify,
};
