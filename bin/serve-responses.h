/*
 * serve-responses.h — the OpenAI Responses wire's function tools
 * (bin/serve-responses-tools.c), used by bin/serve-responses.c.
 */
#ifndef SERVE_RESPONSES_H
#define SERVE_RESPONSES_H

#include "serve.h"

/* body's tools, tool_choice, parallel_tool_calls → *req (neutral); what
 * the response object repeats → *keep ("tools", "tool_choice",
 * "parallel_tool_calls"). -1 with err naming a tool type not served. */
int serve_resp_tools(jv body, jv *req, jv *keep, char *err, size_t errlen);
/* input[i] (borrowed) of this type: function_call (onto the assistant
 * message ending *out, or a new one), function_call_output (a tool
 * result), reasoning (skipped): 1; another type: 0; -1 with err. */
int serve_resp_tool_item(jv it, const char *type, int i, jv *out, int *nparts, char *err,
    size_t errlen);
/* the number of calls an answer made */
int serve_resp_ncalls(const mlm_result *r);
/* a function_call output item (c consumed: {"id","name","arguments"}),
 * the k-th call; done: completed with its arguments, else in progress */
void serve_resp_call_item(serve_call *sc, mlm_buf *b, jv c, int k, int done);
/* stream: each call's output_item.added, function_call_arguments.delta
 * and .done, output_item.done, at output indexes from first */
void serve_resp_stream_calls(serve_call *sc, mlm_buf *b, const mlm_result *r, int first);
/* "event: NAME\ndata: {"type":NAME,"sequence_number":N," */
void serve_resp_event(serve_call *sc, mlm_buf *b, const char *name);

#endif
