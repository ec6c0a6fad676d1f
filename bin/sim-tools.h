/*
 * sim-tools.h — llm-sim's deterministic tool calls on the OpenAI chat wire.
 *
 * A request whose last message is a tool result ("role": "tool") is answered
 * with the text "tool said: " + its content. A request whose last message is
 * the user's text "CALL name {json-args}" (at its start or at the start of
 * one of its lines; the arguments end the line or the text) is answered with one call of the
 * function name with those arguments (finish_reason "tool_calls"), if the
 * request declared it in "tools"; else it is refused with 400, as OpenAI
 * refuses a tool it was not given.
 */
#ifndef SIM_TOOLS_H
#define SIM_TOOLS_H

#include <stddef.h>
#include <jv.h>

/* "tool said: CONTENT" (malloc'd) when the last message is a tool result; else NULL. */
char *sim_tool_said(jv req);
/* 0: no call asked; 1: *call = {"id","type","function":{"name","arguments"}};
 * -1: err filled (an undeclared tool, arguments that are no JSON object). */
int sim_tool_call(jv req, jv *call, char *err, size_t errlen);

#endif
