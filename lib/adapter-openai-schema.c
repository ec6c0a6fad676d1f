/*
 * adapter-openai-schema.c — OpenAI's dialect of JSON Schema: the strict form
 * of response_format json_schema (every object closed, every key required,
 * optional keys nullable, an object root), lowered from llm-fmt's schema
 * tree. The OpenAI adapter sends it when strict mode can say the schema and
 * falls back to strict:false otherwise; llm-fmt --emit-schema openai prints it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt-int.h"

/* OpenAI's strict-mode limits: nesting levels and properties in all. */
#define OPENAI_MAX_DEPTH 10
#define OPENAI_MAX_PROPS 5000
#define OPENAI_MAX_ENUM 1000

/* "format", but for "uri", which strict mode refuses: a note in the
 * description instead (as string lengths and the default are). */
static jv
lower_format(jv o, const mlm_schema *s, jv *extra)
{
	if (s->format) {
		if (strcmp(s->format, "uri"))
			o = jv_object_set(o, jv_string("format"), jv_string(s->format));
		else
			mlm_fmt_note(extra, "format: %s", s->format);
	}
	return o;
}

static jv
lower(const mlm_schema *s, int optional)
{
	jv o = jv_object(), extra = jv_string("");
	int nullable = s->nullable || optional;
	const char *tn = s->type == MLM_ST_ENUM ? mlm_fmt_enum_type(s->enums) : mlm_fmt_type_name(s->type);
	o = mlm_fmt_lower_type(o, tn, nullable);
	o = lower_format(o, s, &extra);
	if (s->type == MLM_ST_ENUM)
		o = mlm_fmt_lower_enum(o, s, nullable);
	const char *lo, *hi;
	mlm_fmt_range_words(s, 1, &lo, &hi);
	if (s->type != MLM_ST_STRING)
		o = mlm_fmt_lower_range(o, s, lo, hi);
	else {
		char nb[64];
		if (s->has_min)
			mlm_fmt_num(nb, sizeof nb, s->min), mlm_fmt_note(&extra, "%s: %s", lo, nb);
		if (s->has_max)
			mlm_fmt_num(nb, sizeof nb, s->max), mlm_fmt_note(&extra, "%s: %s", hi, nb);
	}
	if (jv_is_valid(s->dflt)) {
		jv d = jv_dump_string(jv_copy(s->dflt), 0);
		mlm_fmt_note(&extra, "default: %s", jv_string_value(d));
		jv_free(d);
	}
	o = mlm_fmt_describe(o, s, extra);
	if (s->type == MLM_ST_OBJECT) {
		jv props = jv_object(), req = jv_array();
		for (size_t i = 0; i < s->nprops; i++) {
			const mlm_sprop *p = &s->props[i];
			props = jv_object_set(props, jv_string(p->name), lower(p->s, !p->required));
			req = jv_array_append(req, jv_string(p->name));
		}
		o = jv_object_set(o, jv_string("properties"), props);
		o = jv_object_set(o, jv_string("required"), req);
		o = jv_object_set(o, jv_string("additionalProperties"), jv_false());
	} else if (s->type == MLM_ST_ARRAY)
		o = jv_object_set(o, jv_string("items"), lower(s->items, 0));
	return o;
}

jv
mlm_schema_openai(const mlm_schema *s)
{
	if (s->type != MLM_ST_OBJECT) {
		jv o = jv_object();
		o = jv_object_set(o, jv_string("type"), jv_string("object"));
		o = jv_object_set(o, jv_string("properties"),
		    jv_object_set(jv_object(), jv_string("items"), lower(s, 0)));
		o = jv_object_set(o, jv_string("required"), jv_array_append(jv_array(), jv_string("items")));
		o = jv_object_set(o, jv_string("additionalProperties"), jv_false());
		return o;
	}
	return lower(s, 0);
}

/* Can strict mode say it? No "any" value (strict wants a type on every
 * schema) and within the limits. */
static int
strict_fits(const mlm_schema *s, int depth, size_t *nprops, size_t *nenum)
{
	if (!s || s->type == MLM_ST_ANY || depth > OPENAI_MAX_DEPTH)
		return 0;
	if (s->type == MLM_ST_ENUM) {
		*nenum += (size_t)jv_array_length(jv_copy(s->enums));
		if (!mlm_fmt_enum_type(s->enums))
			return 0;       /* mixed strings and numbers: no single type */
	}
	if (s->type == MLM_ST_ARRAY)
		return strict_fits(s->items, depth + 1, nprops, nenum);
	if (s->type == MLM_ST_OBJECT && !s->nprops && !s->closed)
		return 0;       /* any object: strict mode would allow only {} */
	if (s->type == MLM_ST_OBJECT) {
		*nprops += s->nprops;
		for (size_t i = 0; i < s->nprops; i++)
			if (!strict_fits(s->props[i].s, depth + 1, nprops, nenum))
				return 0;
	}
	return *nprops <= OPENAI_MAX_PROPS && *nenum <= OPENAI_MAX_ENUM;
}

jv
mlm_schema_openai_strict(jv js, char *err, size_t errlen)
{
	mlm_schema *s = mlm_schema_from_jv(js, err, errlen);
	if (!s)
		return jv_invalid();
	jv r = jv_invalid();
	size_t np = 0, ne = 0;
	if (strict_fits(s, 1, &np, &ne))
		r = mlm_schema_openai(s);
	else
		mlm_err(err, errlen, "the schema does not fit the openai dialect");
	mlm_schema_free(s);
	return r;
}
