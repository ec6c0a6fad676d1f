/*
 * sim-strict.c — the rules llm-sim holds structured-output requests to,
 * written from each provider's documentation, not from the adapters:
 *
 *  - OpenAI Chat Completions, response_format json_schema with strict:true
 *    (platform.openai.com "Structured Outputs", supported schemas): the
 *    root an object (not anyOf), additionalProperties:false on every
 *    object, every property listed in required (an optional one is a
 *    union with null), a type on every schema, the supported keywords
 *    and formats only, at most 10 levels of nesting, 5000 properties and
 *    1000 enum values in all. Errors read "Invalid schema for
 *    response_format 'NAME': In context=(...), ..." as OpenAI's do.
 *  - Gemini generateContent: every field name known (the request, Content,
 *    Part, GenerationConfig, ThinkingConfig, SafetySetting, Schema; camel
 *    or snake case), as the service refuses an unknown one ("Unknown name
 *    ... Cannot find field."); responseSchema in its OpenAPI subset (its
 *    upper-case Type names, nullable, propertyOrdering naming properties,
 *    enum on STRING only, OBJECT with properties), responseJsonSchema in
 *    the JSON Schema subset the API lists, never both, and either one
 *    only with responseMimeType application/json.
 *  - Cloudflare Workers AI ai/run: response_format of type json_object or
 *    json_schema, json_schema the bare JSON Schema (no name/strict/schema
 *    wrapper), and no streaming in JSON mode.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sim-strict.h"

#define MAXPATH 64

static int
fail(char *msg, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int
fail(char *msg, size_t n, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, n, fmt, ap);
	va_end(ap);
	return -1;
}

static jv
get(jv o, const char *k)
{
	if (jv_get_kind(o) != JV_KIND_OBJECT)
		return jv_invalid();
	return jv_object_get(jv_copy(o), jv_string(k));
}

static int
in_list(const char *w, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(w, *list))
			return 1;
	return 0;
}

/* ================= OpenAI strict mode ================= */

static const char *const oa_keywords[] = {
	"type", "properties", "required", "additionalProperties", "items", "enum", "const",
	"anyOf", "$ref", "$defs", "definitions", "description", "title", "pattern", "format",
	"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf",
	"minItems", "maxItems", NULL
};
static const char *const oa_formats[] = {
	"date-time", "time", "date", "duration", "email", "hostname", "ipv4", "ipv6", "uuid", NULL
};
static const char *const oa_types[] = {
	"string", "number", "integer", "boolean", "object", "array", "null", NULL
};
#define OA_MAX_NEST 10
#define OA_MAX_PROPS 5000
#define OA_MAX_ENUM 1000

struct oa {
	const char *name;               /* json_schema.name */
	const char *path[MAXPATH];      /* the context, as OpenAI prints it */
	char idx[MAXPATH][16];
	int np;
	size_t nprops, nenum;
	char *msg;
	size_t n;
};

static int
oa_fail(struct oa *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
oa_fail(struct oa *o, const char *fmt, ...)
{
	char ctx[600] = "(", why[400];
	size_t k = 1;
	for (int i = 0; i < o->np && k < sizeof ctx - 8; i++)
		k += (size_t)snprintf(ctx + k, sizeof ctx - k, "%s'%s'", i ? ", " : "", o->path[i]);
	snprintf(ctx + (k < sizeof ctx - 2 ? k : sizeof ctx - 2), 2, ")");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	return fail(o->msg, o->n, "Invalid schema for response_format '%s': In context=%s, %s",
	    o->name, ctx, why);
}

static int oa_node(struct oa *o, jv s, int level);

/* node s under the path components a (and b), restored afterwards */
static int
oa_sub(struct oa *o, jv s, const char *a, const char *b, int level)
{
	if (o->np + 2 > MAXPATH)
		return oa_fail(o, "the schema is nested too deeply");
	int np = o->np;
	o->path[o->np++] = a;
	if (b)
		o->path[o->np++] = b;
	int r = oa_node(o, s, level);
	o->np = np;
	return r;
}

/* does the schema's type (a string or a list) include t? */
static int
type_has(jv type, const char *t)
{
	if (jv_get_kind(type) == JV_KIND_STRING)
		return !strcmp(jv_string_value(type), t);
	int r = 0;
	if (jv_get_kind(type) == JV_KIND_ARRAY)
		jv_array_foreach(type, i, x) {
			r |= jv_get_kind(x) == JV_KIND_STRING && !strcmp(jv_string_value(x), t);
			jv_free(x);
		}
	return r;
}

static int
oa_type_ok(struct oa *o, jv type)
{
	if (jv_get_kind(type) == JV_KIND_STRING)
		return in_list(jv_string_value(type), oa_types) ? 0 :
		    oa_fail(o, "'%s' is not a valid type.", jv_string_value(type));
	if (jv_get_kind(type) != JV_KIND_ARRAY || jv_array_length(jv_copy(type)) == 0)
		return oa_fail(o, "'type' must be a string or a non-empty list of strings.");
	int r = 0;
	jv_array_foreach(type, i, x) {
		if (!r && (jv_get_kind(x) != JV_KIND_STRING || !in_list(jv_string_value(x), oa_types)))
			r = oa_fail(o, "'type' must be a string or a non-empty list of strings.");
		jv_free(x);
	}
	return r;
}

/* the named sub-schemas of a map keyword ($defs, properties) */
static int
oa_map(struct oa *o, jv map, const char *kw, int level)
{
	int r = 0;
	jv_object_foreach(map, k, v) {
		if (!r)
			r = oa_sub(o, v, kw, jv_string_value(k), level);
		jv_free(k);
		jv_free(v);
	}
	return r;
}

static int
oa_object(struct oa *o, jv s, int level)
{
	if (level > OA_MAX_NEST)
		return oa_fail(o, "the schema has more than %d levels of nesting.", OA_MAX_NEST);
	jv ap = get(s, "additionalProperties");
	int closed = jv_get_kind(ap) == JV_KIND_FALSE;
	jv_free(ap);
	if (!closed)
		return oa_fail(o, "'additionalProperties' is required to be supplied and to be false.");
	jv props = get(s, "properties"), req = get(s, "required");
	int r = 0;
	if (jv_get_kind(props) != JV_KIND_OBJECT && jv_is_valid(props))
		r = oa_fail(o, "'properties' must be an object.");
	else if (jv_get_kind(req) != JV_KIND_ARRAY && jv_get_kind(props) == JV_KIND_OBJECT &&
	    jv_object_length(jv_copy(props)) > 0)
		r = oa_fail(o, "'required' is required to be supplied and to be an array including "
		    "every key in properties.");
	if (!r && jv_get_kind(props) == JV_KIND_OBJECT) {
		o->nprops += (size_t)jv_object_length(jv_copy(props));
		if (o->nprops > OA_MAX_PROPS)
			r = oa_fail(o, "the schema has more than %d object properties in all.", OA_MAX_PROPS);
		jv_object_foreach(props, k, v) {
			int listed = 0;
			jv_array_foreach(req, i, x) {
				listed |= jv_equal(jv_copy(k), x);
			}
			if (!r && !listed)
				r = oa_fail(o, "'required' is required to be supplied and to be an array "
				    "including every key in properties. Missing '%s'.", jv_string_value(k));
			jv_free(k), jv_free(v);
		}
	}
	if (!r && jv_get_kind(req) == JV_KIND_ARRAY)
		jv_array_foreach(req, i, x) {
			int known = jv_get_kind(x) == JV_KIND_STRING && jv_get_kind(props) == JV_KIND_OBJECT &&
			    jv_object_has(jv_copy(props), jv_copy(x));
			if (!r && !known)
				r = jv_get_kind(x) == JV_KIND_STRING ?
				    oa_fail(o, "Extra required key '%s' supplied.", jv_string_value(x)) :
				    oa_fail(o, "'required' must be an array of strings.");
			jv_free(x);
		}
	if (!r && jv_get_kind(props) == JV_KIND_OBJECT)
		r = oa_map(o, props, "properties", level + 1);
	jv_free(props), jv_free(req);
	return r;
}

static int
oa_list(struct oa *o, jv list, const char *kw, int level)
{
	if (jv_get_kind(list) != JV_KIND_ARRAY)
		return oa_fail(o, "'%s' must be an array.", kw);
	int r = 0;
	jv_array_foreach(list, i, x) {
		int d = o->np < MAXPATH ? o->np : MAXPATH - 1;
		snprintf(o->idx[d], sizeof o->idx[d], "%d", i);
		if (!r)
			r = oa_sub(o, x, kw, o->idx[d], level);
		jv_free(x);
	}
	return r;
}

/* the keywords every schema may carry */
static int
oa_keywords_ok(struct oa *o, jv s)
{
	int r = 0;
	jv_object_foreach(s, k, v) {
		if (!r && !in_list(jv_string_value(k), oa_keywords))
			r = oa_fail(o, "'%s' is not permitted.", jv_string_value(k));
		jv_free(k), jv_free(v);
	}
	if (r)
		return r;
	jv f = get(s, "format"), e = get(s, "enum");
	if (jv_get_kind(f) == JV_KIND_STRING && !in_list(jv_string_value(f), oa_formats))
		r = oa_fail(o, "'format' '%s' is not supported.", jv_string_value(f));
	else if (jv_is_valid(e) && jv_get_kind(e) != JV_KIND_ARRAY)
		r = oa_fail(o, "'enum' must be an array.");
	else if (jv_is_valid(e) && (o->nenum += (size_t)jv_array_length(jv_copy(e))) > OA_MAX_ENUM)
		r = oa_fail(o, "the schema has more than %d enum values in all.", OA_MAX_ENUM);
	jv_free(f), jv_free(e);
	return r;
}

static int
oa_node(struct oa *o, jv s, int level)
{
	if (jv_get_kind(s) != JV_KIND_OBJECT)
		return oa_fail(o, "schema must be a JSON object.");
	int r = oa_keywords_ok(o, s);
	jv ref = get(s, "$ref"), any = get(s, "anyOf"), type = get(s, "type");
	jv en = get(s, "enum"), cn = get(s, "const");
	int has_ref = jv_is_valid(ref), has_any = jv_is_valid(any);
	if (r)
		;
	else if (has_ref && jv_object_length(jv_copy(s)) > 1 + jv_object_has(jv_copy(s), jv_string("description")))
		r = oa_fail(o, "'$ref' may not be combined with other keywords.");
	else if (has_ref)
		;
	else if (has_any)
		r = oa_list(o, any, "anyOf", level);
	else if (!jv_is_valid(type) && !jv_is_valid(en) && !jv_is_valid(cn))
		r = oa_fail(o, "schema must have a 'type' key.");
	else if (jv_is_valid(type) && (r = oa_type_ok(o, type)) == 0) {
		if (type_has(type, "object"))
			r = oa_object(o, s, level);
		if (!r && type_has(type, "array")) {
			jv items = get(s, "items");
			r = jv_is_valid(items) ? oa_sub(o, items, "items", NULL, level + 1) :
			    oa_fail(o, "'items' is required to be supplied for an array.");
			jv_free(items);
		}
	}
	jv_free(ref), jv_free(any), jv_free(type), jv_free(en), jv_free(cn);
	for (const char *const *kw = (const char *const[]){ "$defs", "definitions", NULL }; !r && *kw; kw++) {
		jv defs = get(s, *kw);
		if (jv_get_kind(defs) == JV_KIND_OBJECT)
			r = oa_map(o, defs, *kw, level);
		jv_free(defs);
	}
	return r;
}

/* response_format json_schema: a name, and in strict mode the subset */
static int
oa_json_schema(jv rf, char *msg, size_t n, const char **param)
{
	jv js = get(rf, "json_schema");
	int r = 0;
	if (jv_get_kind(js) != JV_KIND_OBJECT) {
		*param = "response_format.json_schema";
		jv_free(js);
		return fail(msg, n, "Missing required parameter: 'response_format.json_schema'.");
	}
	jv name = get(js, "name"), schema = get(js, "schema"), strict = get(js, "strict");
	const char *nm = jv_get_kind(name) == JV_KIND_STRING ? jv_string_value(name) : NULL;
	size_t nl = nm ? strlen(nm) : 0;
	if (!nm) {
		*param = "response_format.json_schema.name";
		r = fail(msg, n, "Missing required parameter: 'response_format.json_schema.name'.");
	} else if (nl == 0 || nl > 64 || strspn(nm, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789_-") != nl) {
		*param = "response_format.json_schema.name";
		r = fail(msg, n, "Invalid 'response_format.json_schema.name': string does not match pattern. "
		    "Expected a string that matches the pattern '^[a-zA-Z0-9_-]{1,64}$'.");
	} else if (jv_is_valid(schema) && jv_get_kind(schema) != JV_KIND_OBJECT) {
		*param = "response_format.json_schema.schema";
		r = fail(msg, n, "Invalid type for 'response_format.json_schema.schema': expected an object.");
	} else if (jv_get_kind(strict) == JV_KIND_TRUE) {
		jv type = get(schema, "type");
		*param = "response_format";
		if (jv_get_kind(type) != JV_KIND_STRING || strcmp(jv_string_value(type), "object")) {
			jv d = jv_is_valid(type) ? jv_dump_string(jv_copy(type), 0) : jv_string("null");
			r = fail(msg, n, "Invalid schema for response_format '%s': schema must be a JSON Schema "
			    "of 'type: \"object\"', got 'type: %s'.", nm, jv_string_value(d));
			jv_free(d);
		} else {
			struct oa o = { .name = nm, .msg = msg, .n = n };
			r = oa_node(&o, schema, 1);
		}
		jv_free(type);
	}
	jv_free(name), jv_free(schema), jv_free(strict), jv_free(js);
	return r;
}

static int
check_chat(jv b, char *msg, size_t n, const char **param)
{
	jv so = get(b, "stream_options"), st = get(b, "stream"), rf = get(b, "response_format");
	jv type = get(rf, "type");
	int r = 0;
	if (jv_is_valid(so) && jv_get_kind(so) != JV_KIND_NULL && jv_get_kind(st) != JV_KIND_TRUE) {
		*param = "stream_options";
		r = fail(msg, n, "The 'stream_options' parameter is only allowed when 'stream' is enabled.");
	} else if (jv_is_valid(rf) && jv_get_kind(rf) != JV_KIND_NULL) {
		const char *t = jv_get_kind(type) == JV_KIND_STRING ? jv_string_value(type) : "";
		if (!strcmp(t, "json_schema"))
			r = oa_json_schema(rf, msg, n, param);
		else if (strcmp(t, "text") && strcmp(t, "json_object")) {
			*param = "response_format.type";
			r = fail(msg, n, "Invalid value: '%s'. Supported values are: 'text', 'json_object', "
			    "and 'json_schema'.", t);
		}
	}
	jv_free(so), jv_free(st), jv_free(rf), jv_free(type);
	return r;
}

/* ================= Gemini ================= */

enum { G_ANY, G_REQ, G_CONTENT, G_PART, G_GENCONF, G_THINK, G_SAFETY, G_SCHEMA, G_JSONSCHEMA,
	G_TOOL, G_FDECL, G_TOOLCONF, G_FCC };

struct gfield {
	const char *name;       /* camelCase */
	int sub;                /* G_* of its value (G_ANY: not looked into) */
	int repeated;
};

static const struct gfield g_req[] = {
	{ "contents", G_CONTENT, 1 }, { "systemInstruction", G_CONTENT, 0 },
	{ "generationConfig", G_GENCONF, 0 }, { "safetySettings", G_SAFETY, 1 },
	{ "tools", G_TOOL, 1 }, { "toolConfig", G_TOOLCONF, 0 }, { "cachedContent", G_ANY, 0 },
	{ "model", G_ANY, 0 }, { NULL, 0, 0 }
};
static const struct gfield g_content[] = {
	{ "role", G_ANY, 0 }, { "parts", G_PART, 1 }, { NULL, 0, 0 }
};
static const struct gfield g_part[] = {
	{ "text", G_ANY, 0 }, { "thought", G_ANY, 0 }, { "thoughtSignature", G_ANY, 0 },
	{ "inlineData", G_ANY, 0 }, { "fileData", G_ANY, 0 }, { "functionCall", G_ANY, 0 },
	{ "functionResponse", G_ANY, 0 }, { "executableCode", G_ANY, 0 },
	{ "codeExecutionResult", G_ANY, 0 }, { "videoMetadata", G_ANY, 0 },
	{ "partMetadata", G_ANY, 0 }, { NULL, 0, 0 }
};
static const struct gfield g_genconf[] = {
	{ "stopSequences", G_ANY, 0 }, { "responseMimeType", G_ANY, 0 },
	{ "responseSchema", G_SCHEMA, 0 }, { "responseJsonSchema", G_JSONSCHEMA, 0 },
	{ "responseModalities", G_ANY, 0 }, { "candidateCount", G_ANY, 0 },
	{ "maxOutputTokens", G_ANY, 0 }, { "temperature", G_ANY, 0 }, { "topP", G_ANY, 0 },
	{ "topK", G_ANY, 0 }, { "seed", G_ANY, 0 }, { "presencePenalty", G_ANY, 0 },
	{ "frequencyPenalty", G_ANY, 0 }, { "responseLogprobs", G_ANY, 0 }, { "logprobs", G_ANY, 0 },
	{ "enableEnhancedCivicAnswers", G_ANY, 0 }, { "speechConfig", G_ANY, 0 },
	{ "thinkingConfig", G_THINK, 0 }, { "imageConfig", G_ANY, 0 }, { "mediaResolution", G_ANY, 0 },
	{ NULL, 0, 0 }
};
static const struct gfield g_think[] = {
	{ "includeThoughts", G_ANY, 0 }, { "thinkingBudget", G_ANY, 0 }, { "thinkingLevel", G_ANY, 0 },
	{ NULL, 0, 0 }
};
static const struct gfield g_safety[] = {
	{ "category", G_ANY, 0 }, { "threshold", G_ANY, 0 }, { "method", G_ANY, 0 }, { NULL, 0, 0 }
};
/* Schema, the OpenAPI 3.0 subset of responseSchema */
static const struct gfield g_schema[] = {
	{ "type", G_ANY, 0 }, { "format", G_ANY, 0 }, { "title", G_ANY, 0 },
	{ "description", G_ANY, 0 }, { "nullable", G_ANY, 0 }, { "enum", G_ANY, 0 },
	{ "maxItems", G_ANY, 0 }, { "minItems", G_ANY, 0 }, { "properties", G_ANY, 0 },
	{ "required", G_ANY, 0 }, { "minProperties", G_ANY, 0 }, { "maxProperties", G_ANY, 0 },
	{ "minLength", G_ANY, 0 }, { "maxLength", G_ANY, 0 }, { "pattern", G_ANY, 0 },
	{ "example", G_ANY, 0 }, { "anyOf", G_ANY, 0 }, { "propertyOrdering", G_ANY, 0 },
	{ "default", G_ANY, 0 }, { "items", G_ANY, 0 }, { "minimum", G_ANY, 0 },
	{ "maximum", G_ANY, 0 }, { NULL, 0, 0 }
};
/* Tool, FunctionDeclaration, ToolConfig, FunctionCallingConfig */
static const struct gfield g_tool[] = {
	{ "functionDeclarations", G_FDECL, 1 }, { "googleSearch", G_ANY, 0 },
	{ "googleSearchRetrieval", G_ANY, 0 }, { "codeExecution", G_ANY, 0 },
	{ "urlContext", G_ANY, 0 }, { NULL, 0, 0 }
};
static const struct gfield g_fdecl[] = {
	{ "name", G_ANY, 0 }, { "description", G_ANY, 0 }, { "behavior", G_ANY, 0 },
	{ "parameters", G_SCHEMA, 0 }, { "parametersJsonSchema", G_JSONSCHEMA, 0 },
	{ "response", G_SCHEMA, 0 }, { "responseJsonSchema", G_JSONSCHEMA, 0 }, { NULL, 0, 0 }
};
static const struct gfield g_toolconf[] = {
	{ "functionCallingConfig", G_FCC, 0 }, { "retrievalConfig", G_ANY, 0 }, { NULL, 0, 0 }
};
static const struct gfield g_fcc[] = {
	{ "mode", G_ANY, 0 }, { "allowedFunctionNames", G_ANY, 0 }, { NULL, 0, 0 }
};
static const struct gfield *const g_msgs[] = {
	NULL, g_req, g_content, g_part, g_genconf, g_think, g_safety, g_schema, NULL,
	g_tool, g_fdecl, g_toolconf, g_fcc
};
static const char *const g_types[] = {
	"TYPE_UNSPECIFIED", "STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT", "NULL", NULL
};
/* responseJsonSchema: "only the following properties are supported" */
static const char *const g_json_keywords[] = {
	"$id", "$defs", "$ref", "$anchor", "type", "format", "title", "description", "enum",
	"items", "prefixItems", "minItems", "maxItems", "minimum", "maximum", "anyOf", "oneOf",
	"properties", "additionalProperties", "required", "propertyOrdering", NULL
};

/* a field name in camelCase (the JSON mapping takes the proto's snake_case too) */
static void
camel(const char *s, char *out, size_t n)
{
	size_t k = 0;
	for (; *s && k + 1 < n; s++) {
		if (*s == '_' && s[1] >= 'a' && s[1] <= 'z' && k) {
			out[k++] = (char)(s[1] - 'a' + 'A');
			s++;
		} else
			out[k++] = *s;
	}
	out[k] = 0;
}

/* the error path names fields in snake_case, as Google's errors do */
static void
path_add(char *path, size_t n, const char *camel_name, int idx)
{
	size_t k = strlen(path);
	if (k && k + 1 < n)
		path[k++] = '.';
	for (const char *s = camel_name; *s && k + 2 < n; s++) {
		if (*s >= 'A' && *s <= 'Z') {
			path[k++] = '_';
			path[k++] = (char)(*s - 'A' + 'a');
		} else
			path[k++] = *s;
	}
	path[k] = 0;
	if (idx >= 0)
		snprintf(path + k, n - k, "[%d]", idx);
}

struct gck {
	char *msg;
	size_t n;
	int depth;
};

static int g_message(struct gck *g, jv v, int kind, const char *path);

static int
g_unknown(struct gck *g, const char *name, const char *path)
{
	if (*path)
		return fail(g->msg, g->n, "Invalid JSON payload received. Unknown name \"%s\" at '%s': "
		    "Cannot find field.", name, path);
	return fail(g->msg, g->n, "Invalid JSON payload received. Unknown name \"%s\": Cannot find field.",
	    name);
}

/* a Schema (responseSchema): its fields, Type names and the rules the
 * service states ("should be non-empty for OBJECT type", "property is not
 * defined") */
static int
g_schema_node(struct gck *g, jv s, const char *path)
{
	if (++g->depth > 64)
		return fail(g->msg, g->n, "* GenerateContentRequest.%s: schema nested too deeply", path);
	int r = g_message(g, s, G_SCHEMA, path);
	jv type = get(s, "type"), props = get(s, "properties"), req = get(s, "required");
	jv ord = get(s, "propertyOrdering"), en = get(s, "enum"), items = get(s, "items");
	const char *t = jv_get_kind(type) == JV_KIND_STRING ? jv_string_value(type) : NULL;
	char sub[512];
	if (r)
		;
	else if (jv_get_kind(type) == JV_KIND_ARRAY)
		r = fail(g->msg, g->n, "Invalid JSON payload received. Unknown name \"type\" at '%s': "
		    "Proto field is not repeating, cannot start list.", path);
	else if (jv_is_valid(type) && (!t || !in_list(t, g_types))) {
		jv d = jv_dump_string(jv_copy(type), 0);
		r = fail(g->msg, g->n, "Invalid value at '%s.type' (type.googleapis.com/google.ai."
		    "generativelanguage.v1beta.Type), %s", path, jv_string_value(d));
		jv_free(d);
	} else if (t && !strcmp(t, "OBJECT") && (jv_get_kind(props) != JV_KIND_OBJECT ||
	    jv_object_length(jv_copy(props)) == 0))
		r = fail(g->msg, g->n, "* GenerateContentRequest.%s.properties: should be non-empty for "
		    "OBJECT type", path);
	else if (jv_is_valid(en) && (!t || strcmp(t, "STRING")))
		r = fail(g->msg, g->n, "* GenerateContentRequest.%s.enum: only allowed for STRING type", path);
	for (int pass = 0; pass < 2 && !r; pass++) {
		jv list = pass ? ord : req;
		const char *kw = pass ? "property_ordering" : "required";
		if (jv_get_kind(list) != JV_KIND_ARRAY)
			continue;
		jv_array_foreach(list, i, x) {
			int dup = 0;
			for (int j = 0; j < i && pass; j++)
				dup |= jv_equal(jv_array_get(jv_copy(list), j), jv_copy(x));
			if (!r && (jv_get_kind(x) != JV_KIND_STRING || jv_get_kind(props) != JV_KIND_OBJECT ||
			    !jv_object_has(jv_copy(props), jv_copy(x))))
				r = fail(g->msg, g->n, "* GenerateContentRequest.%s.%s[%d]: property is not defined",
				    path, kw, i);
			else if (!r && dup)
				r = fail(g->msg, g->n, "* GenerateContentRequest.%s.%s[%d]: duplicate property",
				    path, kw, i);
			jv_free(x);
		}
	}
	if (!r && jv_get_kind(props) == JV_KIND_OBJECT) {
		int i = 0;
		jv_object_foreach(props, k, v) {
			snprintf(sub, sizeof sub, "%s.properties[%d].value", path, i++);
			if (!r)
				r = g_schema_node(g, v, sub);
			jv_free(k), jv_free(v);
		}
	}
	if (!r && jv_is_valid(items)) {
		snprintf(sub, sizeof sub, "%s.items", path);
		r = g_schema_node(g, items, sub);
	}
	jv_free(type), jv_free(props), jv_free(req), jv_free(ord), jv_free(en), jv_free(items);
	g->depth--;
	return r;
}

/* responseJsonSchema: JSON Schema's lower-case types and the listed
 * keywords only (nullable is responseSchema's word, not JSON Schema's) */
static int
g_json_node(struct gck *g, jv s, const char *path)
{
	if (jv_get_kind(s) == JV_KIND_TRUE || jv_get_kind(s) == JV_KIND_FALSE)
		return 0;
	if (jv_get_kind(s) != JV_KIND_OBJECT)
		return fail(g->msg, g->n, "* GenerateContentRequest.%s: a schema must be an object", path);
	if (++g->depth > 64)
		return fail(g->msg, g->n, "* GenerateContentRequest.%s: schema nested too deeply", path);
	int r = 0;
	char sub[512];
	jv_object_foreach(s, k, v) {
		const char *kw = jv_string_value(k);
		if (r)
			;
		else if (!in_list(kw, g_json_keywords))
			r = fail(g->msg, g->n, "* GenerateContentRequest.%s: keyword \"%s\" is not supported "
			    "in response_json_schema", path, kw);
		else if (!strcmp(kw, "type")) {
			int bad = 0;
			if (jv_get_kind(v) == JV_KIND_STRING)
				bad = !in_list(jv_string_value(v), oa_types);
			else if (jv_get_kind(v) == JV_KIND_ARRAY)
				jv_array_foreach(v, i, x) {
					bad |= jv_get_kind(x) != JV_KIND_STRING || !in_list(jv_string_value(x), oa_types);
					jv_free(x);
				}
			else
				bad = 1;
			if (bad) {
				jv d = jv_dump_string(jv_copy(v), 0);
				r = fail(g->msg, g->n, "* GenerateContentRequest.%s.type: %s is not a JSON Schema type",
				    path, jv_string_value(d));
				jv_free(d);
			}
		} else if (!strcmp(kw, "properties") || !strcmp(kw, "$defs")) {
			jv_object_foreach(v, k2, v2) {
				snprintf(sub, sizeof sub, "%s.%s.%s", path, kw, jv_string_value(k2));
				if (!r)
					r = g_json_node(g, v2, sub);
				jv_free(k2), jv_free(v2);
			}
		} else if (!strcmp(kw, "items") || !strcmp(kw, "additionalProperties")) {
			snprintf(sub, sizeof sub, "%s.%s", path, kw);
			r = g_json_node(g, v, sub);
		} else if (jv_get_kind(v) == JV_KIND_ARRAY && (!strcmp(kw, "anyOf") || !strcmp(kw, "oneOf") ||
		    !strcmp(kw, "prefixItems"))) {
			jv_array_foreach(v, i, x) {
				snprintf(sub, sizeof sub, "%s.%s[%d]", path, kw, i);
				if (!r)
					r = g_json_node(g, x, sub);
				jv_free(x);
			}
		}
		jv_free(k), jv_free(v);
	}
	g->depth--;
	return r;
}

static int
g_field(struct gck *g, const struct gfield *f, jv v, const char *path)
{
	char sub[512];
	snprintf(sub, sizeof sub, "%s", path);
	if (f->sub == G_SCHEMA) {
		path_add(sub, sizeof sub, f->name, -1);
		return g_schema_node(g, v, sub);
	}
	if (f->sub == G_JSONSCHEMA) {
		path_add(sub, sizeof sub, f->name, -1);
		return g_json_node(g, v, sub);
	}
	if (f->sub == G_ANY)
		return 0;
	if (!f->repeated) {
		path_add(sub, sizeof sub, f->name, -1);
		return g_message(g, v, f->sub, sub);
	}
	if (jv_get_kind(v) != JV_KIND_ARRAY)
		return 0;
	int r = 0;
	jv_array_foreach(v, i, x) {
		snprintf(sub, sizeof sub, "%s", path);
		path_add(sub, sizeof sub, f->name, i);
		if (!r)
			r = g_message(g, x, f->sub, sub);
		jv_free(x);
	}
	return r;
}

/* every field of a message known; its sub-messages too */
static int
g_message(struct gck *g, jv v, int kind, const char *path)
{
	const struct gfield *fields = g_msgs[kind];
	if (!fields || jv_get_kind(v) != JV_KIND_OBJECT)
		return 0;
	int r = 0;
	jv_object_foreach(v, k, x) {
		char cn[128];
		camel(jv_string_value(k), cn, sizeof cn);
		const struct gfield *f = fields;
		while (f->name && strcmp(f->name, cn))
			f++;
		if (!r)
			r = f->name ? (kind == G_SCHEMA ? 0 : g_field(g, f, x, path)) :
			    g_unknown(g, jv_string_value(k), path);
		jv_free(k), jv_free(x);
	}
	return r;
}

/* generationConfig as a whole: one schema field, with a JSON MIME type */
static int
g_genconf_rules(jv b, char *msg, size_t n)
{
	jv gc = get(b, "generationConfig");
	if (!jv_is_valid(gc)) {
		jv_free(gc);
		gc = get(b, "generation_config");
	}
	jv rs = get(gc, "responseSchema"), rj = get(gc, "responseJsonSchema"), mt = get(gc, "responseMimeType");
	if (!jv_is_valid(rs))
		jv_free(rs), rs = get(gc, "response_schema");
	if (!jv_is_valid(rj))
		jv_free(rj), rj = get(gc, "response_json_schema");
	if (!jv_is_valid(mt))
		jv_free(mt), mt = get(gc, "response_mime_type");
	int r = 0;
	const char *m = jv_get_kind(mt) == JV_KIND_STRING ? jv_string_value(mt) : "";
	if (jv_is_valid(rs) && jv_is_valid(rj))
		r = fail(msg, n, "* GenerateContentRequest.generation_config.response_json_schema: "
		    "response_schema must be omitted when response_json_schema is set");
	else if ((jv_is_valid(rs) && strcmp(m, "application/json") && strcmp(m, "text/x.enum")) ||
	    (jv_is_valid(rj) && strcmp(m, "application/json")))
		r = fail(msg, n, "* GenerateContentRequest.generation_config.response_mime_type: "
		    "a response schema needs response_mime_type application/json, got \"%s\"", m);
	jv_free(gc), jv_free(rs), jv_free(rj), jv_free(mt);
	return r;
}

static int
check_gemini(jv b, char *msg, size_t n)
{
	struct gck g = { .msg = msg, .n = n };
	if (g_message(&g, b, G_REQ, "") < 0)
		return -1;
	return g_genconf_rules(b, msg, n);
}

/* ================= Cloudflare ai/run ================= */

static int
check_cfrun(jv b, char *msg, size_t n)
{
	jv rf = get(b, "response_format");
	if (!jv_is_valid(rf) || jv_get_kind(rf) == JV_KIND_NULL) {
		jv_free(rf);
		return 0;
	}
	jv type = get(rf, "type"), js = get(rf, "json_schema");
	const char *t = jv_get_kind(type) == JV_KIND_STRING ? jv_string_value(type) : "";
	int r = 0;
	if (jv_get_kind(rf) != JV_KIND_OBJECT || (strcmp(t, "json_object") && strcmp(t, "json_schema")))
		r = fail(msg, n, "Type mismatch of '/response_format/type', 'json_object' or 'json_schema' "
		    "expected");
	else if (!strcmp(t, "json_schema") && jv_get_kind(js) != JV_KIND_OBJECT)
		r = fail(msg, n, "Required properties at '/response_format' are 'json_schema'");
	else if (!strcmp(t, "json_schema") && !jv_object_has(jv_copy(js), jv_string("type")) &&
	    (jv_object_has(jv_copy(js), jv_string("schema")) || jv_object_has(jv_copy(js), jv_string("name"))))
		r = fail(msg, n, "'/response_format/json_schema' must be the JSON Schema itself, "
		    "not a {name, strict, schema} wrapper");
	jv st = get(b, "stream");
	if (!r && jv_get_kind(st) == JV_KIND_TRUE)
		r = fail(msg, n, "JSON Mode does not support streaming");
	jv_free(st), jv_free(rf), jv_free(type), jv_free(js);
	return r;
}

/* The arguments OpenAI's chat completions take (its OpenAPI document:
 * CreateChatCompletionRequest and what it includes); another is refused
 * by name, as OpenAI refuses it. */
int
sim_chat_args_check(jv body, char *msg, size_t n, const char **param)
{
	static const char *const known[] = { "audio", "frequency_penalty", "function_call",
		"functions", "logit_bias", "logprobs", "max_completion_tokens", "max_tokens",
		"messages", "metadata", "modalities", "model", "moderation", "n",
		"parallel_tool_calls", "prediction", "presence_penalty", "prompt_cache_key",
		"prompt_cache_options", "prompt_cache_retention", "reasoning_effort",
		"response_format", "safety_identifier", "seed", "service_tier", "stop", "store",
		"stream", "stream_options", "temperature", "tool_choice", "tools", "top_logprobs",
		"top_p", "user", "verbosity", "web_search_options", NULL };
	static _Thread_local char bad[64];
	int r = 0;
	if (jv_get_kind(body) != JV_KIND_OBJECT)
		return 0;
	jv_object_foreach(jv_copy(body), k, v) {
		int ok = 0;
		for (int i = 0; known[i] && !ok; i++)
			ok = !strcmp(jv_string_value(k), known[i]);
		if (!ok && !r) {
			snprintf(bad, sizeof bad, "%s", jv_string_value(k));
			*param = bad;
			r = fail(msg, n, "Unrecognized request argument supplied: %s", bad);
		}
		jv_free(k), jv_free(v);
	}
	return r;
}

int
sim_rules_check(enum sim_rules api, jv body, char *msg, size_t n, const char **param)
{
	*param = NULL;
	if (jv_get_kind(body) != JV_KIND_OBJECT)
		return 0;       /* the caller answers that one */
	switch (api) {
	case SIM_RULES_CHAT: return check_chat(body, msg, n, param);
	case SIM_RULES_GEMINI: return check_gemini(body, msg, n);
	case SIM_RULES_CFRUN: return check_cfrun(body, msg, n);
	}
	return 0;
}
