/*
 * fmt-schema.c — llm-fmt's schema tree (mlm_schema): building,
 * copying and freeing it, telling which reader a schema text is for, and
 * what the lowerings share (type names, numbers as schemas spell them).
 *
 * One tree serves every dialect; each reader (fmt-schema-dsl.c,
 * fmt-schema-json.c, fmt-schema-c.c) builds it and each lowering
 * (fmt-schema-json.c, adapter-openai-schema.c, adapter-gemini-schema.c,
 * the DSL out) walks it. Readers report the first error with its position
 * and never guess: an unknown type word is an error, not a string.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt-int.h"

/* ---------- the tree ---------- */

mlm_schema *
mlm_fmt_node_new(int type)
{
	mlm_schema *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->type = type;
	s->dflt = jv_invalid();
	s->enums = jv_invalid();
	return s;
}

void
mlm_schema_free(mlm_schema *s)
{
	if (!s)
		return;
	free(s->format);
	free(s->desc);
	jv_free(s->dflt);
	jv_free(s->enums);
	for (size_t i = 0; i < s->nprops; i++) {
		free(s->props[i].name);
		mlm_schema_free(s->props[i].s);
	}
	free(s->props);
	mlm_schema_free(s->items);
	free(s);
}

mlm_schema *
mlm_fmt_node_copy(const mlm_schema *s)
{
	if (!s)
		return NULL;
	mlm_schema *c = mlm_fmt_node_new(s->type);
	if (!c)
		return NULL;
	c->nullable = s->nullable;
	c->format = mlm_strdup(s->format);
	c->desc = mlm_strdup(s->desc);
	jv_free(c->dflt);
	c->dflt = jv_copy(s->dflt);
	c->has_min = s->has_min;
	c->has_max = s->has_max;
	c->min = s->min;
	c->max = s->max;
	c->excl_min = s->excl_min;
	c->excl_max = s->excl_max;
	c->closed = s->closed;
	jv_free(c->enums);
	c->enums = jv_copy(s->enums);
	if (s->nprops) {
		c->props = calloc(s->nprops, sizeof *c->props);
		if (!c->props) {
			mlm_schema_free(c);
			return NULL;
		}
		for (size_t i = 0; i < s->nprops; i++) {
			c->props[i].name = mlm_strdup(s->props[i].name);
			c->props[i].required = s->props[i].required;
			c->props[i].s = mlm_fmt_node_copy(s->props[i].s);
			c->nprops++;
		}
	}
	c->items = mlm_fmt_node_copy(s->items);
	return c;
}

mlm_schema *
mlm_schema_array_of(const mlm_schema *s)
{
	mlm_schema *a = mlm_fmt_node_new(MLM_ST_ARRAY);
	if (!a)
		return NULL;
	a->items = mlm_fmt_node_copy(s);
	if (!a->items) {
		free(a);
		return NULL;
	}
	return a;
}

int
mlm_fmt_add_prop(mlm_schema *o, const char *name, size_t nlen, mlm_schema *v, int required)
{
	for (size_t i = 0; i < o->nprops; i++)
		if (strlen(o->props[i].name) == nlen && !memcmp(o->props[i].name, name, nlen))
			return 1;
	mlm_sprop *p = realloc(o->props, (o->nprops + 1) * sizeof *p);
	if (!p)
		return -1;
	o->props = p;
	p[o->nprops].name = mlm_strndup(name, nlen);
	p[o->nprops].required = required;
	p[o->nprops].s = v;
	o->nprops++;
	return 0;
}


/* ---------- detection ---------- */

mlm_schema *
mlm_schema_parse(const char *spec, char *err, size_t errlen)
{
	const char *p = spec;
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '{')
		return mlm_schema_parse_json(p, err, errlen);
	if (!strncmp(p, "struct", 6) || !strncmp(p, "typedef", 7) || !strncmp(p, "enum", 4) ||
	    *p == '#' || !strncmp(p, "//", 2) || !strncmp(p, "/*", 2)) {
		/* "struct" etc. followed by a space or '{' (not a DSL field named "structure") */
		const char *w = p;
		while (isalpha((unsigned char)*w))
			w++;
		if (*p == '#' || *p == '/' || isspace((unsigned char)*w) || *w == '{') {
			if (*p == '#') {
				/* a DSL comment line, unless a C keyword follows somewhere */
				if (!strstr(p, "struct") || !strchr(p, ';'))
					return mlm_schema_parse_dsl(spec, err, errlen);
			}
			return mlm_schema_parse_c(p, NULL, err, errlen);
		}
	}
	return mlm_schema_parse_dsl(spec, err, errlen);
}

/* ---------- lowering ---------- */

const char *
mlm_fmt_type_name(int t)
{
	switch (t) {
	case MLM_ST_STRING: return "string";
	case MLM_ST_INTEGER: return "integer";
	case MLM_ST_NUMBER: return "number";
	case MLM_ST_BOOLEAN: return "boolean";
	case MLM_ST_ARRAY: return "array";
	case MLM_ST_OBJECT: return "object";
	}
	return NULL;
}

/* the JSON type of an enum's values: "string", "integer", "number" or NULL (mixed) */
const char *
mlm_fmt_enum_type(jv enums)
{
	int str = 0, num = 0, frac = 0;
	jv_array_foreach(enums, k, v) {
		if (jv_get_kind(v) == JV_KIND_STRING)
			str = 1;
		else {
			num = 1;
			double x = jv_number_value(v);
			if (x != floor(x))
				frac = 1;
		}
		jv_free(v);
	}
	if (str && num)
		return NULL;
	if (str)
		return "string";
	return frac ? "number" : "integer";
}

/* shared with validate.c, so that schemas and errors spell numbers alike */
void
mlm_fmt_num(char *b, size_t n, double v)
{
	if (v == floor(v) && fabs(v) < 1e15)
		snprintf(b, n, "%.0f", v);
	else
		snprintf(b, n, "%.17g", v);
}
