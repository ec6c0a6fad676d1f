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
/* Checks the request body against the provider's shape and limits: 0, or
 * -1 with msg (the provider's words, for an invalid-request answer). */
int sim_embed_check(int fl, const char *path, jv req, char *msg, size_t n);
/* What a request counts against the per-minute limit: Gemini charges a
 * batchEmbedContents call one request per input; anything else is one. */
long sim_embed_cost(int fl, const char *path, jv req);
/* The 200 body for a checked request. */
jv sim_embed_answer(int fl, const char *path, const char *model, jv req);
/* The batch limit of a flavour (items per request). */
long sim_embed_limit(int fl);

#endif
