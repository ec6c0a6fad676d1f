/*
 * adapter-gemini-schema.c — Gemini's dialect of JSON Schema: the
 * responseSchema of generationConfig (an OpenAPI subset: upper-case types,
 * nullable, propertyOrdering, enum values as strings), lowered from
 * llm-fmt's schema tree. The Gemini adapter sends it when it can say the
 * schema and responseJsonSchema otherwise; llm-fmt --emit-schema gemini
 * prints it.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt-int.h"

/* "type" in upper case (an enum is a STRING), "nullable" */
static jv
lower_type(jv o, const mlm_schema *s)
{
	const char *tn = s->type == MLM_ST_ENUM ? mlm_fmt_enum_type(s->enums) : mlm_fmt_type_name(s->type);
	if (tn) {
		char up[16];
		size_t k;
		for (k = 0; tn[k] && k < sizeof up - 1; k++)
			up[k] = (char)toupper((unsigned char)tn[k]);
		up[k] = 0;
		if (s->type == MLM_ST_ENUM)
			strcpy(up, "STRING");
		o = jv_object_set(o, jv_string("type"), jv_string(up));
	}
	if (s->nullable)
		o = jv_object_set(o, jv_string("nullable"), jv_true());
	return o;
}

/* enum values as strings, numbers spelled as schemas spell them */
static jv
lower_enum(jv o, const mlm_schema *s)
{
	jv e = jv_array();
	jv_array_foreach(s->enums, k, v) {
		if (jv_get_kind(v) == JV_KIND_NUMBER) {
			char nb[64];
			mlm_fmt_num(nb, sizeof nb, jv_number_value(v));
			e = jv_array_append(e, jv_string(nb));
			jv_free(v);
		} else
			e = jv_array_append(e, v);
	}
	return jv_object_set(o, jv_string("enum"), e);
}

static jv
lower_object(jv o, const mlm_schema *s)
{
	jv props = jv_object(), req = jv_array(), order = jv_array();
	for (size_t i = 0; i < s->nprops; i++) {
		const mlm_sprop *p = &s->props[i];
		props = jv_object_set(props, jv_string(p->name), mlm_schema_gemini(p->s));
		if (p->required)
			req = jv_array_append(req, jv_string(p->name));
		order = jv_array_append(order, jv_string(p->name));
	}
	o = jv_object_set(o, jv_string("properties"), props);
	if (jv_array_length(jv_copy(req)))
		o = jv_object_set(o, jv_string("required"), req);
	else
		jv_free(req);
	return jv_object_set(o, jv_string("propertyOrdering"), order);
}

jv
mlm_schema_gemini(const mlm_schema *s)
{
	jv o = lower_type(jv_object(), s), extra = jv_string("");
	if (s->format) {
		if (!strcmp(s->format, "date-time"))
			o = jv_object_set(o, jv_string("format"), jv_string(s->format));
		else
			mlm_fmt_note(&extra, "format: %s", s->format);
	}
	if (s->type == MLM_ST_ENUM)
		o = lower_enum(o, s);
	const char *lo, *hi;
	mlm_fmt_range_words(s, 0, &lo, &hi);
	o = mlm_fmt_lower_range(o, s, lo, hi);
	if (jv_is_valid(s->dflt))
		o = jv_object_set(o, jv_string("default"), jv_copy(s->dflt));
	o = mlm_fmt_describe(o, s, extra);
	if (s->type == MLM_ST_OBJECT)
		o = lower_object(o, s);
	else if (s->type == MLM_ST_ARRAY)
		o = jv_object_set(o, jv_string("items"), mlm_schema_gemini(s->items));
	return o;
}

/* Gemini's Schema has no "any value" type, and wants properties on an
 * OBJECT. */
static int
has_any(const mlm_schema *s)
{
	if (!s || s->type == MLM_ST_ANY || (s->type == MLM_ST_OBJECT && !s->nprops))
		return 1;
	if (s->type == MLM_ST_ARRAY)
		return has_any(s->items);
	for (size_t i = 0; s->type == MLM_ST_OBJECT && i < s->nprops; i++)
		if (has_any(s->props[i].s))
			return 1;
	return 0;
}

jv
mlm_schema_gemini_dialect(jv js, char *err, size_t errlen)
{
	mlm_schema *s = mlm_schema_from_jv(js, err, errlen);
	if (!s)
		return jv_invalid();
	jv r = jv_invalid();
	if (!has_any(s))
		r = mlm_schema_gemini(s);
	else
		mlm_err(err, errlen, "the schema does not fit the gemini dialect");
	mlm_schema_free(s);
	return r;
}
