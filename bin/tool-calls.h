/*
 * tool-calls.h — function tools for llm-ask and llm-map: the --tools file
 * (a JSON array of OpenAI "tools" entries {"type":"function","function":
 * {...}} or bare {"name","description","parameters"} objects), the
 * --tool-choice word, the calls an answer makes as NDJSON lines
 * {"id","name","arguments":{...}}, and conversation messages that carry
 * calls or results.
 */
#ifndef TOOL_CALLS_H
#define TOOL_CALLS_H

#include "tool.h"

/* The neutral "tools" of --tools FILE; dies (2) naming FILE and the entry. */
jv tc_load(const char *file);
/* The neutral "tool_choice" of auto, none, required or a declared NAME; dies (2). */
jv tc_choice(const char *spec, jv tools_borrowed);
/* The calls of an answer (borrowed, neutral) as the lines print them:
 * [{"id","name","arguments": object (or the text when it is no JSON)}]. */
jv tc_calls_out(jv calls_borrowed);
/* Prints tc_calls_out, one JSON line per call, on stdout. */
void tc_print(jv calls_borrowed);
/* A conversation message (consumed) as the neutral request takes it:
 * {"role":"tool","tool_call_id","content"} and assistant turns with
 * "tool_calls" (arguments an object or its JSON text; content a string,
 * null or absent) are checked and normalised; others pass unchanged
 * (returns 0). 1: *out set; -1: err says why. */
int tc_message(jv m, jv *out, char *err, size_t errlen);

#endif
