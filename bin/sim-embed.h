/*
 * sim-embed.h — llm-sim's embedding endpoints (sim-embed.c): deterministic
 * unit vectors seeded by the model and the text, each provider's request
 * shape and batch limit. Independent of the library's adapters (llm-sim is
 * the test oracle).
 */
#ifndef SIM_EMBED_H
#define SIM_EMBED_H

#include <jv.h>

/* Flavours as llm-sim numbers them. */
enum { SIM_EMB_OPENAI = 0, SIM_EMB_GEMINI, SIM_EMB_ZHIPU, SIM_EMB_CLOUDFLARE };

/* 1 when a POST to path (of flavour fl) is an embedding call; *model gets
 * the model named by the path (malloc'd), NULL when the body names it. */
int sim_embed_route(const char *path, int fl, char **model);
/* Checks the request body against the provider's shape and limits: 0 with
 * *tokens the request's tokens; -1 with msg (the provider's words, for an
 * invalid-request answer); -2 for an input over the model's token limit,
 * with *tokens its tokens and *max the limit (a context-length answer). */
int sim_embed_check(int fl, const char *path, const char *model, jv req, char *msg, size_t n,
    long *tokens, long *max);
/* Tokens one input may have; tokens one request may have over its inputs
 * (0: no such limit). */
long sim_embed_input_max(int fl, const char *model);
long sim_embed_request_max(int fl, const char *model);
/* What a request counts against the per-minute limit: Gemini charges a
 * batchEmbedContents call one request per input; anything else is one. */
long sim_embed_cost(int fl, const char *path, jv req);
/* The 200 body for a checked request. */
jv sim_embed_answer(int fl, const char *path, const char *model, jv req);
/* The batch limit of a flavour (items per request). */
long sim_embed_limit(int fl);

#endif
