/*
 * serve-embed.h — llm-serve's POST /v1/embeddings (serve-embed.c), in
 * OpenAI's shape, over the same pool, engine and failover as chat.
 */
#ifndef SERVE_EMBED_H
#define SERVE_EMBED_H

#include "serve.h"

/* An OpenAI embeddings body (borrowed) as a neutral request in *req: 0;
 * -1 (a 400) or -2 (no such model, a 404) with err. The model (a glob over
 * the pool's models, which must all be one model) goes into model_glob,
 * *b64 is set for encoding_format "base64", *limit to the inputs and
 * *tokens to the estimated tokens (0: no limit) one upstream call takes. */
int serve_embed_request(const mlm_pool *p, jv body, jv *req, char *model_glob, size_t mlen,
    int *b64, long *limit, long *tokens, char *err, size_t errlen);
/* After a part answered (r): the next part's request, its vectors kept in
 * sc->keep; invalid when none is left (or r failed). */
jv serve_embed_next(serve_call *sc, const mlm_result *r);
/* The 200 body for a result: {"object":"list","data":[...],"model","usage"}. */
int serve_embed_answer(mlm_buf *out, const mlm_result *r, const char *model, int b64);

#endif
