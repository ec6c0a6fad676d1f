/*
 * map-embed.h — llm-map --embed (map-embed.c): which model serves the run,
 * the request of one input, the packing rules, and the record of one input
 * from a batch's answer. The batching itself runs in llm-map.c with its
 * items, by these rules.
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
	long input_tokens;          /* tokens per input, 0 unknown */
	long tpm;                   /* the smallest tokens/minute of a serving entry, 0 none */
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
/* The estimated tokens of an input's request (mlm_embed_tokens_guess). */
long map_embed_tokens(jv req_borrowed);
/* Packing: whether an input of tok tokens goes to a request of its own
 * (its estimate is over the per-input limit: the provider judges it
 * alone, the others are not held up by its refusal); whether it still fits
 * a batch holding n inputs of sum tokens. */
int map_embed_alone(const map_embed *m, long tok);
int map_embed_fits(const map_embed *m, int n, long sum, long tok);
/* The tokens a batch of sum tokens charges to a tokens/minute window: sum,
 * at most the smallest window (so that a large input can ever go). */
long map_embed_need(const map_embed *m, long sum);
/* A lone input of tok estimated tokens refused (r failed, too_large or
 * invalid_request) and over the model's per-input limit by the estimate:
 * 1, its message then naming the limit, and line (ln bytes) the same
 * without the provider's words, for stderr; 0 otherwise. */
int map_embed_note_limit(const map_embed *m, const mlm_pool *p, mlm_result *r, int model, long tok,
    char *line, size_t ln);
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
