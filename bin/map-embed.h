/*
 * map-embed.h — llm-map --embed (map-embed.c): which model serves the run,
 * the request of one input, and the record of one input from a batch's
 * answer. The batching itself runs in llm-map.c with its items.
 */
#ifndef MAP_EMBED_H
#define MAP_EMBED_H

#include <stdio.h>

#include "mlm.h"

typedef struct map_embed {
	const char *models[17];     /* the model, then --embed-fallback models */
	int nmodels;
	long dims;                  /* --dimensions, 0 the model's own */
	long batch;                 /* inputs per request */
	long batch_tokens;          /* tokens per request (guessed), 0 no limit */
} map_embed;

/* Chooses the model: the entries matching model_glob and provider_glob
 * (NULL: any) must be of one model, apart from those named as fallbacks.
 * 0; -1 with err when they are of several (usage), -2 when none match. */
int map_embed_models(map_embed *m, const mlm_pool *p, const char *model_glob,
    const char *provider_glob, char *const *fallbacks, int nfallbacks, char *err, size_t n);
/* The template's output (consumed) as the neutral request of one input:
 * a string (a number or boolean as its JSON text), or an object with
 * "text". -1 with msg otherwise. */
int map_embed_request(const map_embed *m, jv out, jv *req, char *msg, size_t n);
/* The texts of a batch's requests, for one call. */
jv map_embed_batch_req(const map_embed *m, jv texts);
/* The record fields of input k of a batch of n, after "i" and "id": the
 * vector k of the answer's vectors (borrowed) and who made it. */
int map_embed_record(mlm_buf *b, const mlm_result *r, jv vecs, int k, int n);

/* --to f32: the vector of a record (its JSON text) as dims little-endian
 * float32 values; NaN for a failed record or one of other dimensions.
 * 0, or -1 on a write error. */
int map_embed_f32(FILE *out, const char *line, size_t len, long dims);

#endif
