/*
 * serve.h — llm-serve's wire formats. Each one (OpenAI chat completions,
 * Anthropic Messages, OpenAI Responses) is a file bin/serve-NAME.c defining
 * a serve_wire (OpenAI Embeddings too): its request parser (the client's body → the neutral
 * request) and its answer writers (deltas, the end of a stream, a whole
 * answer, errors). llm-serve's own parts (serve-int.h: HTTP, the engine,
 * failover and the metrics) call these. A new wire format is a file plus one line in
 * SERVE_WIRES below.
 */
#ifndef SERVE_H
#define SERVE_H

#include "tool.h"

/* One request as a wire format sees it. */
typedef struct serve_call {
	jv req;                         /* the neutral request, built by parse */
	int stream, include_usage;
	char model_glob[256];           /* entries whose model matches; "" any */
	char asked[256];                /* the model name the client sent */
	char id[48];                    /* the answer's id, with the wire's prefix */
	long created;                   /* seconds since the epoch */
	char model[200];                /* the answering entry's model */
	long est_in;                    /* estimated prompt tokens */
	long need_tokens;               /* the call's tokens for the scheduler to pace
	                                 * (pick.need_tokens); 0: the engine's estimate */
	int ndelta;                     /* stream: deltas written so far */
	long seq;                       /* stream: events written so far */
	mlm_buf text;                   /* stream: the text so far (wires that repeat it) */
	jv keep;                        /* what a wire keeps of the request for its
	                                 * answers (req goes to the engine); null */
	int upstream_whole;             /* stream: the answer is asked whole upstream
	                                 * (tools: failover stays before the first
	                                 * byte); the wire writes it all at end */
} serve_call;

typedef struct serve_wire {
	const char *name;               /* for -v and /metrics: the path */
	const char *path, *alias;       /* answered at (alias: NULL or another path) */
	const char *id_prefix;          /* "chatcmpl-", "msg_", "resp_" */
	/* The body (borrowed) → sc->req and the fields above. 0, or -1 (400)
	 * or -2 (404: no such model) with err filled. */
	int (*parse)(serve_call *sc, jv body, char *err, size_t errlen);
	/* Set: the request is answered at once from sc, without the engine. */
	void (*local)(serve_call *sc, mlm_buf *out);
	/* Stream: a piece of text (n may be 0: an empty answer); sc->ndelta
	 * is 0 for the first. */
	void (*delta)(serve_call *sc, mlm_buf *out, const char *text, size_t n);
	/* Stream: the call succeeded after its deltas. */
	void (*end)(serve_call *sc, mlm_buf *out, const mlm_result *r);
	/* Not a stream: the whole answer. */
	void (*whole)(serve_call *sc, mlm_buf *out, const mlm_result *r);
	/* Set: a request sent upstream in parts; after part r answered, the
	 * next part's neutral request, or invalid when r was the last. */
	jv (*next)(serve_call *sc, const mlm_result *r);
	/* An error body for an HTTP status; type and code as OpenAI names them
	 * (code may be NULL). */
	void (*error)(mlm_buf *out, unsigned status, const char *msg, const char *type,
	    const char *code);
	/* Stream: the call failed after output; ends the stream. */
	void (*stream_error)(serve_call *sc, mlm_buf *out, unsigned status, const char *msg,
	    const char *type, const char *code);
} serve_wire;

/* The wire formats, in routing order: one line each. */
#define SERVE_WIRES(X) \
	X(serve_openai_chat) \
	X(serve_anthropic_messages) \
	X(serve_anthropic_count) \
	X(serve_responses) \
	X(serve_embeddings)

#define SERVE_DECLARE(w) extern const serve_wire w;
SERVE_WIRES(SERVE_DECLARE)
#undef SERVE_DECLARE

/* Bounds on one request (a 4 MB body holds 140,000 empty messages) */
#define SERVE_MAX_MESSAGES 4096
#define SERVE_MAX_PARTS 4096            /* content parts, all messages together */

/* ---- appends (serve-buf.c) ---- */

/* Every append of the wires and of llm-serve: a refused one (the
 * buffer's cap reached) sets b->over; llm-serve answers an error (500,
 * or a stream ended with an error) for an output that is over, and a
 * parser refuses a request text that is: never a cut answer or prompt. */
void sv_add(mlm_buf *b, const void *s, size_t n);
void sv_puts(mlm_buf *b, const char *s);
void sv_printf(mlm_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sv_json_str(mlm_buf *b, const char *s, size_t n);
void sv_json_dump(mlm_buf *b, jv x);
void sv_json_num(mlm_buf *b, double d);
/* b is over when part (appended to it) was */
void sv_over_from(mlm_buf *b, const mlm_buf *part);

/* ---- given by llm-serve (serve-models.c) ---- */

/* The model a client asked for → sc->asked and sc->model_glob: "" or
 * "auto" any entry, a model of the pool those entries, else the first
 * --model-map / LLM_SERVE_MODELS mapping that matches. -2 (err filled:
 * how to map it) when nothing serves it. */
int serve_pick_model(serve_call *sc, const char *name, char *err, size_t errlen);
/* The pool being served (for wires that check what it holds). */
const mlm_pool *serve_pool(void);

/* ---- shared helpers (serve-openai.c) ---- */

/* obj[key] (obj borrowed); null when absent or obj is no object */
jv serve_oget(jv obj, const char *key);
void serve_json_strz(mlm_buf *b, const char *s);
/* snprintf into err, returns -1 */
int serve_bad(char *err, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A rough count of the tokens of a neutral request: the bytes of its text
 * and its tools' declarations (as JSON) / 4, plus a few per message. An
 * estimate, not any model's tokenizer. */
long serve_estimate_tokens(jv req);
/* body[key]: absent/null, or a number in [lo, hi] (whole when whole) set
 * on *req as name; -1 with err naming key otherwise. */
int serve_number(jv body, const char *key, double lo, double hi, int whole, jv *req,
    const char *name, char *err, size_t errlen);
/* body[key] absent, null, false, or an empty array/object/string: 0; else
 * -1 with err saying key is not supported yet. */
int serve_refuse(jv body, const char *key, char *err, size_t errlen);
/* arr (borrowed)'s first n items are all non-empty strings: 1; else 0. */
int serve_nonempty_strings(jv arr, int n);
/* content: a string (returned as is), or an array of parts {"type","text"}
 * whose type is one of types (NULL-terminated), their texts joined by sep;
 * invalid with err filled: "WHAT: expected a string or an array of content
 * NOUN", "WHAT[k]: TYPE NOUN are not supported by this server yet ...".
 * *nparts counts the parts against SERVE_MAX_PARTS. */
jv serve_join_text(jv content, const char *what, const char *noun, const char *const *types,
    const char *sep, int *nparts, char *err, size_t errlen);
/* serve_join_text, and when images is set image parts (serve-parts.c) as
 * well: the text alone when there are none, else the neutral parts. */
jv serve_join_parts(jv content, const char *what, const char *noun, const char *const *types,
    const char *sep, int images, int *nparts, char *err, size_t errlen);
/* The arguments of a call (a JSON text) as an object: {} when empty or not an object. */
jv serve_call_args(jv call);

/* ---- function tools on the OpenAI chat wire (serve-tools.c) ---- */

/* body's tools, tool_choice, parallel_tool_calls → *req; -1 with err. */
int serve_chat_tools(jv body, jv *req, char *err, size_t errlen);
/* Stream: an answer's calls as chat.completion.chunk deltas (each call's
 * index, id, type and name, then its arguments); "data: " each, after
 * head (the chunk's start up to its choices array); -1 when out of room. */
int serve_write_tool_chunks(mlm_buf *b, jv calls, const char *head, int usage_null);
/* messages[i] (role "tool": its tool_call_id; an assistant's tool_calls)
 * onto the neutral message *o; -1 with err. */
int serve_chat_tool_msg(jv msg, const char *role, int i, jv *o, char *err, size_t errlen);
/* "tool_calls":[...], (with its comma) when calls has some: 1; else 0;
 * -1 when the buffer ran out of room (its over flag is set). */
int serve_write_tool_calls(mlm_buf *b, jv calls);

/* OpenAI's error object {"error":{"message","type","param","code"}} */
void serve_openai_error(mlm_buf *out, unsigned status, const char *msg, const char *type,
    const char *code);

#endif
