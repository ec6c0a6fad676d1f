/*
 * chat.h — conversations: NDJSON message files, requests built from a
 * history, the interactive session of llm-ask --chat.
 */
#ifndef CHAT_H
#define CHAT_H

#include "tool.h"
#include "lines.h"

typedef struct chat_opts {
	const char *system;     /* overrides the history's system message */
	double temperature;     /* < 0: unset */
	long max_tokens;        /* 0: unset */
	jv tools;               /* neutral "tools" (tool-calls.h); not an array: none */
	jv tool_choice;         /* neutral "tool_choice"; not a string or object: none */
} chat_opts;

/* Reads NDJSON messages ({"role","content"}, and the tool calls and results
 * of tool-calls.h) with the record reader r
 * (lines.h; blank lines skipped), appending to history (consumed). Invalid
 * (or a line over the reader's bound): returns jv_invalid() with err
 * "name:line: reason". CHAT_LINE_MAX: the bound the tools give it. */
#define CHAT_LINE_MAX (64u << 20)
jv chat_read_messages(struct mlm_lines *r, jv history, char *err, size_t errlen);
jv chat_append(jv history, const char *role, const char *content);
/* The neutral request for a history (consumed). */
jv chat_request(const chat_opts *co, jv history);
/* Estimated tokens the request needs; dies (69) with a clear message when
 * no entry of the pool has a window that large. */
long chat_need_tokens(tool_pool *t, jv req_borrowed, long max_tokens);
/* llm-ask -c FILE: load, ask, append user+assistant atomically under a lock. */
int chat_conversation_file(tool_pool *t, mlm_call_opts *o, const chat_opts *co,
    const char *file, const char *prompt, int json);
/* llm-ask --chat; with file (-c), the conversation in it is continued and
 * the whole of it saved back after every answer */
int chat_interactive(tool_pool *t, mlm_call_opts *o, const chat_opts *co,
    const char *first, jv history, const char *file);

#endif
