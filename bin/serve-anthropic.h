/*
 * serve-anthropic.h — the Anthropic Messages wire's tools
 * (bin/serve-anthropic-tools.c), used by bin/serve-anthropic.c.
 */
#ifndef SERVE_ANTHROPIC_H
#define SERVE_ANTHROPIC_H

#include "serve.h"

/* body's tools and tool_choice → *req (neutral); -1 with err */
int serve_msgs_tools(jv body, jv *req, char *err, size_t errlen);
/* messages[i] of role user or assistant, its content (consumed: a string
 * or blocks) → neutral messages appended to *out: a user's tool_result
 * blocks become tool results (first), its text a user message; an
 * assistant's tool_use blocks its tool_calls. -1 with err. */
int serve_msgs_message(jv content, const char *role, int i, jv *out, int *nparts, char *err,
    size_t errlen);
/* "tool_use" when the answer calls tools, else "end_turn" */
const char *serve_msgs_stop(const mlm_result *r);
/* the content blocks of an answer (inside [...]): the text (when not
 * empty or no calls; text NULL: none) and a tool_use block per call */
void serve_msgs_content(mlm_buf *b, const char *text, jv calls);
/* stream: the answer's blocks as content_block_start/_delta/_stop events */
void serve_msgs_stream_blocks(mlm_buf *b, const mlm_result *r);

#endif
