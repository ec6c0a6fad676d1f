/*
 * sim-strict.h — the request rules llm-sim enforces on schemas and
 * structured output, as each provider documents them (sim-strict.c).
 * Part of llm-sim only: it must not share code with the library's
 * adapters, since it is their oracle.
 */
#ifndef SIM_STRICT_H
#define SIM_STRICT_H

#include <stddef.h>
#include <jv.h>

enum sim_rules {
	SIM_RULES_CHAT,         /* OpenAI Chat Completions (and compatible hosts) */
	SIM_RULES_GEMINI,       /* Gemini generateContent */
	SIM_RULES_CFRUN,        /* Cloudflare Workers AI ai/run */
};

/*
 * Checks a parsed request body (borrowed) against the rules of one API.
 * Returns 0 when it keeps them, or -1 with the provider's words for the
 * first broken rule in msg; *param (OpenAI's "param") is set to a static
 * string or NULL.
 */
int sim_rules_check(enum sim_rules api, jv body, char *msg, size_t n, const char **param);
/* A chat completions request with an argument OpenAI does not take: -1,
 * OpenAI's message in msg and the argument in *param. */
int sim_chat_args_check(jv body, char *msg, size_t n, const char **param);

#endif
