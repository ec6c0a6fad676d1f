/*
 * sim-tools.h — llm-sim's deterministic tool calls, in each provider's
 * format (OpenAI chat and compatible hosts, Gemini, Cloudflare ai/run).
 *
 * A request whose last turn is tool results (OpenAI/Cloudflare "role":
 * "tool" messages, Gemini functionResponse parts) is answered with the text
 * "tool said: " + each result (its content; Gemini's response.output, or
 * the response as JSON), one line per result. A request whose last user
 * text has lines "CALL name {json-args}" (from the first line that starts
 * with CALL: agents put their own context before the user's words; the
 * arguments end the line) is answered with one call per CALL line
 * (parallel calls), if the request declared each name in its tools; else
 * it is refused with 400, as is a tool declaration of a form the provider
 * does not take.
 */
#ifndef SIM_TOOLS_H
#define SIM_TOOLS_H

#include <stddef.h>
#include <jv.h>

enum sim_tool_fmt { SIM_TF_OPENAI, SIM_TF_GEMINI, SIM_TF_CF };

/* "tool said: CONTENT" lines (malloc'd) when the last turn is tool results; else NULL. */
char *sim_tool_said(int fmt, jv req);
/* 0: no call asked; 1: *calls = [{"id","name","args"}]; -1: err filled (an
 * undeclared tool, arguments that are no JSON object, a tool form the
 * provider refuses). */
int sim_tool_calls(int fmt, jv req, jv *calls, char *err, size_t errlen);
/* Gemini 3 models (model "gemini-3*") sign the first call of an answer
 * (thoughtSignature) and refuse with 400 a model turn whose first call
 * comes back without one: -1 with err; else 0. */
int sim_tool_signed(const char *model, jv req, char *err, size_t errlen);
/* The whole answer body: base (consumed, the usual text answer) carrying
 * calls (consumed) instead of text. */
jv sim_tool_whole(int fmt, jv base, jv calls);
/* A stream's events, in order: base (consumed) is one chunk of the
 * format (OpenAI: a chunk with an empty delta; Gemini: a final response).
 * The last event carries the finish; cut: the first half only. */
jv sim_tool_stream(int fmt, jv base, jv calls, int cut);

#endif
