/*
 * fmt-schema-json.c — JSON Schema in (the keywords the validator
 * enforces, local $ref, OpenAPI's nullable) and plain JSON Schema out.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt-int.h"

/* ---------- JSON Schema in ---------- */

/* A schema may name a definition many times ("$ref" bombs: each of 18
 * definitions naming the next twice is 2^18 nodes): each definition is
 * built once and copied, and the whole tree, $ref expanded, is capped. */
#define MAX_NODES 10000

typedef struct js_def {
	char *ref;                 /* "#/$defs/name" */
	mlm_schema *s;             /* the definition built, or NULL while building */
	size_t nodes;              /* its node count */
} js_def;

typedef struct js {
	jv root;
	char *err;
	size_t errlen;
	int depth;
	size_t nodes;              /* nodes in the tree so far, $ref expanded */
	js_def *defs;              /* definitions met so far */
	size_t ndefs;
} js;

static const char *refused[] = {
	"pattern", "patternProperties", "multipleOf", "uniqueItems", "minProperties",
	"maxProperties", "dependentRequired", "dependentSchemas", "dependencies", "if",
	"then", "else", "not", "contains", "minContains", "maxContains", "prefixItems",
	"unevaluatedProperties", "unevaluatedItems", "propertyNames", "additionalItems",
	"$dynamicRef", "$recursiveRef", NULL
};

static int
js_type_word(const char *w)
{
	static const struct { const char *w; int t; } m[] = {
		{"string", MLM_ST_STRING}, {"integer", MLM_ST_INTEGER}, {"number", MLM_ST_NUMBER},
		{"boolean", MLM_ST_BOOLEAN}, {"object", MLM_ST_OBJECT}, {"array", MLM_ST_ARRAY},
		{"STRING", MLM_ST_STRING}, {"INTEGER", MLM_ST_INTEGER}, {"NUMBER", MLM_ST_NUMBER},
		{"BOOLEAN", MLM_ST_BOOLEAN}, {"OBJECT", MLM_ST_OBJECT}, {"ARRAY", MLM_ST_ARRAY},
	};
	for (size_t i = 0; i < sizeof m / sizeof m[0]; i++)
		if (!strcmp(m[i].w, w))
			return m[i].t;
	return -1;
}

static mlm_schema *js_node(js *j, jv s, const char *path);

static void *
js_fail(js *j, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void *
js_fail(js *j, const char *path, const char *fmt, ...)
{
	char msg[400];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	mlm_err(j->err, j->errlen, "%s: %s", path, msg);
	return NULL;
}

static int
js_num(jv s, const char *k, double *out)
{
	jv v = mlm_jfield(s, k);
	int r = 0;
	if (jv_get_kind(v) == JV_KIND_NUMBER) {
		*out = jv_number_value(v);
		r = 1;
	} else if (jv_is_valid(v) && jv_get_kind(v) != JV_KIND_NULL)
		r = -1;
	jv_free(v);
	return r;
}

static int
js_count(js *j, size_t n, const char *path)
{
	j->nodes += n;
	if (j->nodes <= MAX_NODES)
		return 0;
	js_fail(j, path, "the schema has more than %d nodes once each $ref is expanded", MAX_NODES);
	return -1;
}

static int
node_height(const mlm_schema *s)
{
	int h = 0;
	for (size_t i = 0; i < s->nprops; i++) {
		int c = node_height(s->props[i].s);
		h = c > h ? c : h;
	}
	if (s->items) {
		int c = node_height(s->items);
		h = c > h ? c : h;
	}
	return h + 1;
}

/* The definition r (name in root.where), built on its first use, copied on
 * the next ones. A definition that names itself, directly or not, would be
 * an infinite tree: it is refused. */
static mlm_schema *
js_ref(js *j, const char *r, const char *name, const char *where, const char *path)
{
	for (size_t i = 0; i < j->ndefs; i++) {
		js_def *d = &j->defs[i];
		if (strcmp(d->ref, r))
			continue;
		if (!d->s)
			return js_fail(j, path, "recursive $ref \"%s\": a definition that contains "
			    "itself is not supported (the schema must be finite)", r);
		if (js_count(j, d->nodes, path) < 0)
			return NULL;
		if (j->depth + node_height(d->s) > MLM_SCHEMA_MAX_DEPTH)
			return js_fail(j, path, "schema nested deeper than %d", MLM_SCHEMA_MAX_DEPTH);
		mlm_schema *t = mlm_fmt_node_copy(d->s);
		return t ? t : js_fail(j, path, "out of memory");
	}
	jv defs = jv_get_kind(j->root) == JV_KIND_OBJECT ?
	    mlm_jfield(j->root, where) : jv_invalid();
	jv def = jv_get_kind(defs) == JV_KIND_OBJECT ? jv_object_get(defs, jv_string(name)) :
	    (jv_free(defs), jv_invalid());
	if (!jv_is_valid(def) || jv_get_kind(def) == JV_KIND_NULL) {
		jv_free(def);
		return js_fail(j, path, "$ref \"%s\" not found", r);
	}
	js_def *nd = realloc(j->defs, (j->ndefs + 1) * sizeof *nd);
	char *key = mlm_strdup(r);
	if (nd)
		j->defs = nd;
	if (!nd || !key) {
		free(key);
		jv_free(def);
		return js_fail(j, path, "out of memory");
	}
	size_t slot = j->ndefs++, before = j->nodes;
	j->defs[slot] = (js_def){ .ref = key };
	mlm_schema *t = js_node(j, def, r);
	jv_free(def);
	if (!t)
		return NULL;
	j->defs[slot].nodes = j->nodes - before;
	j->defs[slot].s = mlm_fmt_node_copy(t);
	if (!j->defs[slot].s) {
		mlm_schema_free(t);
		return js_fail(j, path, "out of memory");
	}
	return t;
}

/* s's "description" (if a string) replaces t's */
static void
js_take_desc(mlm_schema *t, jv s)
{
	jv d = mlm_jfield(s, "description");
	if (jv_get_kind(d) == JV_KIND_STRING) {
		free(t->desc);
		t->desc = strdup(jv_string_value(d));
	}
	jv_free(d);
}

/* {"$ref": r} (ref consumed): a local definition, with the description
 * written beside the $ref */
static mlm_schema *
js_ref_node(js *j, jv s, jv ref, const char *path)
{
	const char *r = jv_string_value(ref);
	const char *name = NULL, *where = NULL;
	if (!strncmp(r, "#/$defs/", 8))
		name = r + 8, where = "$defs";
	else if (!strncmp(r, "#/definitions/", 14))
		name = r + 14, where = "definitions";
	mlm_schema *t = NULL;
	if (!strcmp(r, "#"))
		t = js_fail(j, path, "recursive $ref \"#\" is not supported");
	else if (!name || strchr(name, '/'))
		t = js_fail(j, path, "only local $ref into $defs or definitions is supported");
	else
		t = js_ref(j, r, name, where, path);
	jv_free(ref);
	if (t) {
		js_take_desc(t, s);
		j->depth--;
	}
	return t;
}

/* anyOf / oneOf / allOf of one type (anyOf and oneOf: and null). 0 when s
 * has none of them; else 1 with the node, or NULL after an error, in *out. */
static int
js_alt(js *j, jv s, const char *path, mlm_schema **out)
{
	static const char *const alts[] = {"anyOf", "oneOf", "allOf"};
	char sub[512];
	int nullable = 0;
	*out = NULL;
	for (int a = 0; a < 3; a++) {
		jv arr = mlm_jfield(s, alts[a]);
		if (!jv_is_valid(arr) || jv_get_kind(arr) == JV_KIND_NULL) {
			jv_free(arr);
			continue;
		}
		if (jv_get_kind(arr) != JV_KIND_ARRAY) {
			jv_free(arr);
			return js_fail(j, path, "%s must be an array", alts[a]), 1;
		}
		int idx = -1, nn = 0;
		jv_array_foreach(arr, k, br) {
			jv ty = mlm_jfield(br, "type");
			int isnull = jv_get_kind(ty) == JV_KIND_STRING && !strcmp(jv_string_value(ty), "null");
			jv_free(ty);
			jv_free(br);
			if (isnull && a < 2)
				nullable = 1;
			else {
				idx = k;
				nn++;
			}
		}
		if (nn != 1) {
			jv_free(arr);
			return js_fail(j, path, "%s with %d branches is not supported (only one type, or one type and null)", alts[a], nn), 1;
		}
		snprintf(sub, sizeof sub, "%s.%s[%d]", path, alts[a], idx);
		jv br = jv_array_get(jv_copy(arr), idx);
		mlm_schema *t = js_node(j, br, sub);
		jv_free(br);
		jv_free(arr);
		if (!t)
			return 1;
		if (nullable)
			t->nullable = 1;
		js_take_desc(t, s);
		jv df = mlm_jfield(s, "default");
		if (jv_is_valid(df) && jv_object_has(jv_copy(s), jv_string("default"))) {
			jv_free(t->dflt);
			t->dflt = df;
		} else
			jv_free(df);
		j->depth--;
		*out = t;
		return 1;
	}
	return 0;
}

/* "type": a word, or a list of one word and "null". *type stays -1 when
 * there is none. 0 or -1. */
static int
js_types(js *j, jv s, const char *path, int *type, int *nullable)
{
	jv ty = mlm_jfield(s, "type");
	if (jv_get_kind(ty) == JV_KIND_STRING) {
		const char *w = jv_string_value(ty);
		if (!strcmp(w, "null") || !strcmp(w, "NULL")) {
			jv_free(ty);
			return js_fail(j, path, "a field of type null only is not supported"), -1;
		}
		*type = js_type_word(w);
		if (*type < 0) {
			js_fail(j, path, "unknown type \"%s\"", w);
			jv_free(ty);
			return -1;
		}
	} else if (jv_get_kind(ty) == JV_KIND_ARRAY) {
		int nn = 0;
		jv_array_foreach(ty, k, w) {
			if (jv_get_kind(w) != JV_KIND_STRING) {
				jv_free(w);
				jv_free(ty);
				return js_fail(j, path, "type must hold strings"), -1;
			}
			if (!strcmp(jv_string_value(w), "null"))
				*nullable = 1;
			else {
				*type = js_type_word(jv_string_value(w));
				nn++;
				if (*type < 0) {
					js_fail(j, path, "unknown type \"%s\"", jv_string_value(w));
					jv_free(w);
					jv_free(ty);
					return -1;
				}
			}
			jv_free(w);
		}
		if (nn > 1) {
			jv_free(ty);
			return js_fail(j, path, "a type list with several non-null types is not supported"), -1;
		}
	} else if (jv_is_valid(ty) && jv_get_kind(ty) != JV_KIND_NULL) {
		jv_free(ty);
		return js_fail(j, path, "type must be a string or an array"), -1;
	}
	jv_free(ty);
	return 0;
}

/* The node of an "enum" or "const" (a null among the values makes it
 * nullable), else of the type given, else guessed from "properties" or
 * "items", else any. NULL after an error. */
static mlm_schema *
js_typed(js *j, jv s, const char *path, int type, int *nullable)
{
	jv en = mlm_jfield(s, "enum");
	jv cn = mlm_jfield(s, "const");
	if (jv_object_has(jv_copy(s), jv_string("const"))) {
		jv_free(en);
		en = jv_array_append(jv_array(), cn);
	} else
		jv_free(cn);
	if (jv_get_kind(en) == JV_KIND_ARRAY) {
		jv vals = jv_array();
		int bad = 0;
		jv_array_foreach(en, k, v) {
			jv_kind vk = jv_get_kind(v);
			if (vk == JV_KIND_NULL)
				*nullable = 1;
			else if (vk == JV_KIND_STRING || vk == JV_KIND_NUMBER)
				vals = jv_array_append(vals, jv_copy(v));
			else
				bad = 1;
			jv_free(v);
		}
		jv_free(en);
		if (bad || jv_array_length(jv_copy(vals)) == 0) {
			jv_free(vals);
			return js_fail(j, path, "enum values must be strings or numbers");
		}
		mlm_schema *t = mlm_fmt_node_new(MLM_ST_ENUM);
		if (!t) {
			jv_free(vals);
			return js_fail(j, path, "out of memory");
		}
		jv_free(t->enums);
		t->enums = vals;
		return t;
	}
	if (jv_is_valid(en) && jv_get_kind(en) != JV_KIND_NULL) {
		jv_free(en);
		return js_fail(j, path, "enum must be an array");
	}
	jv_free(en);
	if (type < 0) {
		if (jv_object_has(jv_copy(s), jv_string("properties")))
			type = MLM_ST_OBJECT;
		else if (jv_object_has(jv_copy(s), jv_string("items")))
			type = MLM_ST_ARRAY;
		else
			type = MLM_ST_ANY;
	}
	mlm_schema *t = mlm_fmt_node_new(type);
	return t ? t : js_fail(j, path, "out of memory");
}

/* nullable, description, default and the formats the validator knows */
static void
js_annotations(mlm_schema *t, jv s, int nullable)
{
	t->nullable = nullable;
	jv nb = mlm_jfield(s, "nullable");
	if (jv_get_kind(nb) == JV_KIND_TRUE)
		t->nullable = 1;
	jv_free(nb);
	jv d = mlm_jfield(s, "description");
	if (jv_get_kind(d) == JV_KIND_STRING)
		t->desc = strdup(jv_string_value(d));
	jv_free(d);
	if (jv_object_has(jv_copy(s), jv_string("default"))) {
		jv_free(t->dflt);
		t->dflt = mlm_jfield(s, "default");
	}
	jv f = mlm_jfield(s, "format");
	if (jv_get_kind(f) == JV_KIND_STRING && t->type == MLM_ST_STRING) {
		const char *fw = jv_string_value(f);
		if (!strcmp(fw, "date") || !strcmp(fw, "date-time") || !strcmp(fw, "email") ||
		    !strcmp(fw, "uri") || !strcmp(fw, "uuid"))
			t->format = strdup(fw);
	}
	jv_free(f);
}

/* with both minimum and a numeric exclusiveMinimum, both hold: the
 * stricter one is kept (and the same for the maximum) */
static void
js_exclusive(mlm_schema *t, jv s)
{
	jv em = mlm_jfield(s, "exclusiveMinimum");
	if (jv_get_kind(em) == JV_KIND_NUMBER) {
		if (!t->has_min || jv_number_value(em) >= t->min)
			t->has_min = 1, t->min = jv_number_value(em), t->excl_min = 1;
	} else if (jv_get_kind(em) == JV_KIND_TRUE)
		t->excl_min = t->has_min;
	jv_free(em);
	em = mlm_jfield(s, "exclusiveMaximum");
	if (jv_get_kind(em) == JV_KIND_NUMBER) {
		if (!t->has_max || jv_number_value(em) <= t->max)
			t->has_max = 1, t->max = jv_number_value(em), t->excl_max = 1;
	} else if (jv_get_kind(em) == JV_KIND_TRUE)
		t->excl_max = t->has_max;
	jv_free(em);
}

/* the value range, string length or item count; 0 or -1 */
static int
js_ranges(js *j, jv s, mlm_schema *t, const char *path)
{
	double v;
	int r;
	const char *lo = NULL, *hi = NULL;
	if (t->type == MLM_ST_INTEGER || t->type == MLM_ST_NUMBER || t->type == MLM_ST_ENUM)
		lo = "minimum", hi = "maximum";
	else if (t->type == MLM_ST_STRING)
		lo = "minLength", hi = "maxLength";
	else if (t->type == MLM_ST_ARRAY)
		lo = "minItems", hi = "maxItems";
	if (lo) {
		if ((r = js_num(s, lo, &v)) < 0)
			goto badnum;
		if (r)
			t->has_min = 1, t->min = v;
		if ((r = js_num(s, hi, &v)) < 0)
			goto badnum;
		if (r)
			t->has_max = 1, t->max = v;
	}
	if (t->type == MLM_ST_INTEGER || t->type == MLM_ST_NUMBER)
		js_exclusive(t, s);
	return 0;
badnum:
	js_fail(j, path, "%s must be a number", lo);
	return -1;
}

/* is key among the names of "required" (borrowed)? */
static int
js_required(jv req, const char *key)
{
	int isreq = 0;
	if (jv_get_kind(req) == JV_KIND_ARRAY)
		jv_array_foreach(req, k, rn) {
			if (jv_get_kind(rn) == JV_KIND_STRING && !strcmp(jv_string_value(rn), key))
				isreq = 1;
			jv_free(rn);
		}
	return isreq;
}

/* every name of "required" (borrowed) is a property of t; 0 or -1 */
static int
js_required_known(js *j, jv req, const mlm_schema *t, const char *path)
{
	int ok = 1;
	jv_array_foreach(req, k, rn) {
		int found = 0;
		if (jv_get_kind(rn) == JV_KIND_STRING)
			for (size_t p = 0; p < t->nprops; p++)
				if (!strcmp(t->props[p].name, jv_string_value(rn)))
					found = 1;
		if (!found && ok) {
			if (jv_get_kind(rn) == JV_KIND_STRING)
				js_fail(j, path, "required \"%s\" is not among the properties", jv_string_value(rn));
			else
				js_fail(j, path, "required must hold strings");
			ok = 0;
		}
		jv_free(rn);
	}
	return ok ? 0 : -1;
}

/* properties, required, additionalProperties; 0 or -1 */
static int
js_object(js *j, jv s, mlm_schema *t, const char *path)
{
	char sub[512];
	jv props = mlm_jfield(s, "properties");
	jv req = mlm_jfield(s, "required");
	jv ap = mlm_jfield(s, "additionalProperties");
	if (jv_get_kind(ap) == JV_KIND_FALSE)
		t->closed = 1;
	int ok = 1;
	if (jv_get_kind(props) == JV_KIND_OBJECT) {
		jv_object_foreach(props, key, ps) {
			if (ok) {
				snprintf(sub, sizeof sub, "%s.properties.%s", path, jv_string_value(key));
				mlm_schema *c = js_node(j, ps, sub);
				if (!c)
					ok = 0;
				else
					mlm_fmt_add_prop(t, jv_string_value(key), strlen(jv_string_value(key)), c,
					    js_required(req, jv_string_value(key)));
			}
			jv_free(key);
			jv_free(ps);
		}
	} else if (jv_is_valid(props) && jv_get_kind(props) != JV_KIND_NULL) {
		js_fail(j, path, "properties must be an object");
		ok = 0;
	}
	if (ok && jv_get_kind(req) == JV_KIND_ARRAY && js_required_known(j, req, t, path) < 0)
		ok = 0;
	if (ok && t->nprops == 0 && jv_get_kind(ap) == JV_KIND_OBJECT) {
		/* a map: kept as any object */
		t->type = MLM_ST_ANY;
	}
	jv_free(props);
	jv_free(req);
	jv_free(ap);
	return ok ? 0 : -1;
}

/* items (none: any); 0 or -1 */
static int
js_array(js *j, jv s, mlm_schema *t, const char *path)
{
	char sub[512];
	jv it = mlm_jfield(s, "items");
	if (jv_is_valid(it) && jv_get_kind(it) != JV_KIND_NULL) {
		snprintf(sub, sizeof sub, "%s.items", path);
		t->items = js_node(j, it, sub);
	} else
		t->items = mlm_fmt_node_new(MLM_ST_ANY);
	jv_free(it);
	return t->items ? 0 : -1;
}

/* s is borrowed */
static mlm_schema *
js_node(js *j, jv s, const char *path)
{
	if (++j->depth > MLM_SCHEMA_MAX_DEPTH)
		return js_fail(j, path, "schema nested deeper than %d (recursive $ref?)", MLM_SCHEMA_MAX_DEPTH);
	if (jv_get_kind(s) == JV_KIND_TRUE) {
		j->depth--;
		return mlm_fmt_node_new(MLM_ST_ANY);
	}
	if (jv_get_kind(s) != JV_KIND_OBJECT)
		return js_fail(j, path, "a schema must be an object");
	for (int k = 0; refused[k]; k++)
		if (jv_object_has(jv_copy(s), jv_string(refused[k])))
			return js_fail(j, path, "unsupported keyword \"%s\" (llm-fmt would not enforce it)", refused[k]);
	jv ref = mlm_jfield(s, "$ref");
	if (jv_get_kind(ref) == JV_KIND_STRING)
		return js_ref_node(j, s, ref, path);
	jv_free(ref);
	mlm_schema *t = NULL;
	if (js_alt(j, s, path, &t))
		return t;
	int type = -1, nullable = 0;
	if (js_types(j, s, path, &type, &nullable) < 0)
		return NULL;
	t = js_typed(j, s, path, type, &nullable);
	if (!t)
		return NULL;
	if (js_count(j, 1, path) < 0) {
		mlm_schema_free(t);
		return NULL;
	}
	js_annotations(t, s, nullable);
	if (js_ranges(j, s, t, path) < 0 ||
	    (t->type == MLM_ST_OBJECT && js_object(j, s, t, path) < 0) ||
	    (t->type == MLM_ST_ARRAY && js_array(j, s, t, path) < 0)) {
		mlm_schema_free(t);
		return NULL;
	}
	j->depth--;
	return t;
}

mlm_schema *
mlm_schema_from_jv(jv doc, char *err, size_t errlen)
{
	js j = {0};
	j.root = doc;
	j.err = err;
	j.errlen = errlen;
	mlm_schema *s = js_node(&j, doc, "$");
	for (size_t i = 0; i < j.ndefs; i++) {
		free(j.defs[i].ref);
		mlm_schema_free(j.defs[i].s);
	}
	free(j.defs);
	return s;
}

mlm_schema *
mlm_schema_parse_json(const char *text, char *err, size_t errlen)
{
	jv doc;
	char why[MLM_ERRLEN];
	if (mlm_fmt_parse_json(text, strlen(text), &doc, why, sizeof why) < 0) {
		mlm_err(err, errlen, "JSON Schema: %s", why);
		return NULL;
	}
	mlm_schema *s = mlm_schema_from_jv(doc, err, errlen);
	jv_free(doc);
	return s;
}


/* ---------- plain JSON Schema out ---------- */

void
mlm_fmt_note(jv *extra, const char *fmt, ...)
{
	char *s = NULL;
	va_list ap;
	va_start(ap, fmt);
	int n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;         /* out of memory: the note is left out, not cut */
	if (jv_string_length_bytes(jv_copy(*extra)))
		*extra = jv_string_append_str(*extra, "; ");
	*extra = jv_string_append_buf(*extra, s, n);
	free(s);
}

jv
mlm_fmt_describe(jv o, const mlm_schema *s, jv extra)
{
	int notes = jv_string_length_bytes(jv_copy(extra)) > 0;
	if (!s->desc && !notes) {
		jv_free(extra);
		return o;
	}
	jv d = jv_string(s->desc ? s->desc : "");
	if (notes)
		d = jv_string_append_str(jv_string_append_str(jv_string_append_str(
		    jv_string_append_str(d, s->desc ? " " : ""), "("), jv_string_value(extra)), ")");
	jv_free(extra);
	return jv_object_set(o, jv_string("description"), d);
}

jv
mlm_fmt_lower_type(jv o, const char *tn, int nullable)
{
	if (!tn)
		return o;
	if (nullable)
		return jv_object_set(o, jv_string("type"),
		    jv_array_append(jv_array_append(jv_array(), jv_string(tn)), jv_string("null")));
	return jv_object_set(o, jv_string("type"), jv_string(tn));
}

jv
mlm_fmt_lower_enum(jv o, const mlm_schema *s, int nullable)
{
	jv e = jv_copy(s->enums);
	if (nullable)
		e = jv_array_append(e, jv_null());
	return jv_object_set(o, jv_string("enum"), e);
}

void
mlm_fmt_range_words(const mlm_schema *s, int exclusive, const char **lo, const char **hi)
{
	*lo = "minimum", *hi = "maximum";
	if (s->type == MLM_ST_STRING)
		*lo = "minLength", *hi = "maxLength";
	else if (s->type == MLM_ST_ARRAY)
		*lo = "minItems", *hi = "maxItems";
	if (s->excl_min && exclusive)
		*lo = "exclusiveMinimum";
	if (s->excl_max && exclusive)
		*hi = "exclusiveMaximum";
}

jv
mlm_fmt_lower_range(jv o, const mlm_schema *s, const char *lo, const char *hi)
{
	if (s->has_min)
		o = jv_object_set(o, jv_string(lo), jv_number(s->min));
	if (s->has_max)
		o = jv_object_set(o, jv_string(hi), jv_number(s->max));
	return o;
}

jv
mlm_schema_jsonschema(const mlm_schema *s)
{
	jv o = jv_object();
	const char *tn = s->type == MLM_ST_ENUM ? mlm_fmt_enum_type(s->enums) : mlm_fmt_type_name(s->type);
	o = mlm_fmt_lower_type(o, tn, s->nullable);
	if (s->format)
		o = jv_object_set(o, jv_string("format"), jv_string(s->format));
	if (s->type == MLM_ST_ENUM)
		o = mlm_fmt_lower_enum(o, s, s->nullable);
	const char *lo, *hi;
	mlm_fmt_range_words(s, 1, &lo, &hi);
	o = mlm_fmt_lower_range(o, s, lo, hi);
	if (jv_is_valid(s->dflt))
		o = jv_object_set(o, jv_string("default"), jv_copy(s->dflt));
	o = mlm_fmt_describe(o, s, jv_string(""));
	if (s->type == MLM_ST_OBJECT) {
		jv props = jv_object(), req = jv_array();
		for (size_t i = 0; i < s->nprops; i++) {
			const mlm_sprop *p = &s->props[i];
			props = jv_object_set(props, jv_string(p->name), mlm_schema_jsonschema(p->s));
			if (p->required)
				req = jv_array_append(req, jv_string(p->name));
		}
		o = jv_object_set(o, jv_string("properties"), props);
		o = jv_object_set(o, jv_string("required"), req);
		if (s->closed)
			o = jv_object_set(o, jv_string("additionalProperties"), jv_false());
	} else if (s->type == MLM_ST_ARRAY)
		o = jv_object_set(o, jv_string("items"), mlm_schema_jsonschema(s->items));
	return o;
}
