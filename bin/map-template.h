/*
 * map-template.h — llm-map's template output made a neutral request
 * (map-template.c).
 */
#ifndef MAP_TEMPLATE_H
#define MAP_TEMPLATE_H

#include "mlm.h"

/* What the run's options give a request its template leaves out: -s, -t
 * (< 0: none), --max-tokens (0: none), --tools (an array, else none;
 * borrowed). */
typedef struct map_template_opts {
	const char *system;
	double temperature;
	long max_tokens;
	jv tools;
} map_template_opts;

/* The template's output (consumed) as a neutral request in *req; a model it
 * names in *model (allocated). 0, or -1 with msg. */
int map_template_request(jv out, const map_template_opts *opt, char **model, jv *req,
    char *msg, size_t n);

#endif
