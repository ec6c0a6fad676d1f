/* unit-embed.c — the embedding adapters: requests built for each wire,
 * answers parsed (order by index, base64 float32, shapes), errors
 * classified by the chat adapters, and answers held to the request; and
 * manyllm_embed() against llm-sim (bin/llm-sim, when built). */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "manyllm.h"
#include "mlm.h"
#include "tap.h"


static jv
two(void)
{
	return jv_array_append(jv_array_append(jv_array(), jv_string("a")), jv_string("b"));
}

static void
t_build(void)
{
	char err[MLM_ERRLEN];
	mlm_httpreq hr;
	mlm_entry o = tap_entry("openai", MLM_WIRE_OPENAI, "text-embedding-3-small", "https://api.openai.com/v1/");
	jv req = jv_object_set(mlm_req_embed(two(), 8, NULL), jv_string("encoding_format"), jv_string("base64"));
	ok(mlm_adapter_for(o.wire, req) == &mlm_embed_adapter_openai, "an embed request gets the embedding adapter");
	ok(mlm_adapter_for(o.wire, jv_null()) == &mlm_adapter_openai, "any other the chat adapter");
	ok(mlm_adapter_for(o.wire, req)->build(&o, "sk-x", req, 1, &hr, err, sizeof err) == 0, "openai: built");
	IS_STR(hr.url, "https://api.openai.com/v1/embeddings", "openai: POST BASE/embeddings");
	IS_STR(hr.body, "{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"b\"],\"dimensions\":8,\"encoding_format\":\"base64\"}",
	    "openai: model, input array, dimensions, encoding_format");
	IS_STR(hr.hdr[0], "Authorization: Bearer sk-x", "openai: bearer key");
	ok(hr.stream == 0, "never streamed");
	mlm_httpreq_free(&hr);
	jv_free(req);

	mlm_entry g = tap_entry("gemini", MLM_WIRE_GEMINI, "text-embedding-004", "https://g/v1beta");
	req = mlm_req_embed(two(), 3, "RETRIEVAL_DOCUMENT");
	ok(mlm_adapter_for(g.wire, req)->build(&g, "AIzaX", req, 0, &hr, err, sizeof err) == 0, "gemini: built");
	IS_STR(hr.url, "https://g/v1beta/models/text-embedding-004:batchEmbedContents", "gemini: :batchEmbedContents, no key in the URL");
	IS_STR(hr.body, "{\"requests\":[{\"model\":\"models/text-embedding-004\",\"content\":{\"parts\":[{\"text\":\"a\"}]},"
	    "\"taskType\":\"RETRIEVAL_DOCUMENT\",\"outputDimensionality\":3},{\"model\":\"models/text-embedding-004\","
	    "\"content\":{\"parts\":[{\"text\":\"b\"}]},\"taskType\":\"RETRIEVAL_DOCUMENT\",\"outputDimensionality\":3}]}",
	    "gemini: one request per input with taskType and outputDimensionality");
	IS_STR(hr.hdr[0], "x-goog-api-key: AIzaX", "gemini: key header");
	mlm_httpreq_free(&hr);
	jv_free(req);
	req = mlm_req_embed(jv_string("solo"), 0, NULL);
	ok(mlm_adapter_for(g.wire, req)->build(&g, "k", req, 0, &hr, err, sizeof err) == 0, "gemini one: built");
	IS_STR(hr.url, "https://g/v1beta/models/text-embedding-004:embedContent", "gemini: one input to :embedContent");
	IS_STR(hr.body, "{\"content\":{\"parts\":[{\"text\":\"solo\"}]}}", "gemini one: the content only");
	mlm_httpreq_free(&hr);
	jv_free(req);

	mlm_entry c = tap_entry("cloudflare", MLM_WIRE_CLOUDFLARE, "@cf/baai/bge-small-en-v1.5", "https://cf/ai/run/");
	req = mlm_req_embed(two(), 0, NULL);
	ok(mlm_adapter_for(c.wire, req)->build(&c, "t", req, 0, &hr, err, sizeof err) == 0, "cloudflare: built");
	IS_STR(hr.url, "https://cf/ai/run/@cf/baai/bge-small-en-v1.5", "cloudflare: .../ai/run/MODEL");
	IS_STR(hr.body, "{\"text\":[\"a\",\"b\"]}", "cloudflare: {\"text\":[...]}");
	mlm_httpreq_free(&hr);
	jv_free(req);

	req = jv_object_set(jv_object(), jv_string("embed"), jv_array_append(jv_array(), jv_number(1)));
	ok(mlm_embed_adapter_openai.build(&o, "k", req, 0, &hr, err, sizeof err) < 0, "a non-string input is refused");
	IS_STR(err, "request: embed input 1 is not a string", "... with its position");
	jv_free(req);
}

static int
parse(const mlm_adapter *ad, const mlm_entry *e, const char *body, mlm_answer *a, mlm_outcome *o)
{
	memset(o, 0, sizeof *o);
	mlm_answer_init(a);
	return ad->parse(e, body, strlen(body), a, o);
}

static void
t_parse(void)
{
	mlm_answer a;
	mlm_outcome o;
	mlm_entry oe = tap_entry("openai", MLM_WIRE_OPENAI, "m", "http://x");
	ok(parse(&mlm_embed_adapter_openai, &oe, "{\"data\":[{\"index\":1,\"embedding\":[3,4]},"
	    "{\"index\":0,\"embedding\":[1,2]}],\"usage\":{\"prompt_tokens\":7}}", &a, &o) == 0, "openai: parsed");
	IS_STR(a.text.p, "[[1,2],[3,4]]", "openai: vectors in the order of index");
	ok(a.in_tok == 7, "openai: prompt tokens");
	jv req = mlm_req_embed(two(), 2, NULL);
	ok(mlm_embed_check(req, &a, &o) == 0, "two vectors of 2 for two inputs asking 2: fits");
	jv_free(req);
	req = mlm_req_embed(jv_string("x"), 0, NULL);
	ok(mlm_embed_check(req, &a, &o) < 0 && o.kind == MLM_BAD_RESPONSE, "two vectors for one input: bad_response");
	IS_STR(o.msg, "HTTP 200: 2 embeddings for 1 inputs", "... says so");
	jv_free(req);
	req = mlm_req_embed(two(), 5, NULL);
	ok(mlm_embed_check(req, &a, &o) < 0 && o.kind == MLM_UNSUPPORTED, "2 dimensions where 5 were asked: unsupported");
	jv_free(req);
	mlm_answer_free(&a);
	/* 1.0f, -2.0f as little-endian float32 */
	ok(parse(&mlm_embed_adapter_openai, &oe, "{\"data\":[{\"index\":0,\"embedding\":\"AACAPwAAAMA=\"}]}", &a, &o) == 0,
	    "openai base64: parsed");
	IS_STR(a.text.p, "[[1,-2]]", "openai base64: float32 decoded");
	mlm_answer_free(&a);
	ok(parse(&mlm_embed_adapter_openai, &oe, "{\"data\":[{\"index\":5,\"embedding\":[1]}]}", &a, &o) < 0 &&
	    o.kind == MLM_BAD_RESPONSE, "openai: an index out of range is a bad response");
	mlm_answer_free(&a);

	mlm_entry ge = tap_entry("gemini", MLM_WIRE_GEMINI, "m", "http://x");
	ok(parse(&mlm_embed_adapter_gemini, &ge, "{\"embeddings\":[{\"values\":[0.5]},{\"values\":[0.25]}]}", &a, &o) == 0,
	    "gemini batch: parsed");
	IS_STR(a.text.p, "[[0.5],[0.25]]", "gemini batch: values in order");
	mlm_answer_free(&a);
	ok(parse(&mlm_embed_adapter_gemini, &ge, "{\"embedding\":{\"values\":[1,0]}}", &a, &o) == 0, "gemini one: parsed");
	IS_STR(a.text.p, "[[1,0]]", "gemini one: its values");
	mlm_answer_free(&a);
	ok(parse(&mlm_embed_adapter_gemini, &ge, "{\"embeddings\":[{\"values\":[\"x\"]}]}", &a, &o) < 0 &&
	    o.kind == MLM_BAD_RESPONSE, "gemini: a vector of strings is a bad response");
	mlm_answer_free(&a);

	mlm_entry ce = tap_entry("cloudflare", MLM_WIRE_CLOUDFLARE, "m", "http://x");
	ok(parse(&mlm_embed_adapter_cloudflare, &ce, "{\"result\":{\"shape\":[2,1],\"data\":[[1],[2]]},\"success\":true}",
	    &a, &o) == 0, "cloudflare: parsed");
	IS_STR(a.text.p, "[[1],[2]]", "cloudflare: result.data");
	mlm_answer_free(&a);
	ok(parse(&mlm_embed_adapter_cloudflare, &ce, "{\"result\":{\"shape\":[3,1],\"data\":[[1],[2]]},\"success\":true}",
	    &a, &o) < 0 && o.kind == MLM_BAD_RESPONSE, "cloudflare: a shape that does not match is a bad response");
	mlm_answer_free(&a);
}

static void
t_classify(void)
{
	mlm_outcome o;
	mlm_entry ge = tap_entry("gemini", MLM_WIRE_GEMINI, "m", "http://x");
	const char *b = "{\"error\":{\"code\":429,\"message\":\"Resource has been exhausted\",\"status\":\"RESOURCE_EXHAUSTED\"}}";
	memset(&o, 0, sizeof o);
	mlm_embed_adapter_gemini.classify(&ge, 429, NULL, b, strlen(b), &o);
	ok(o.kind == MLM_RATE_LIMITED, "gemini 429: rate_limited, as for chat");
	mlm_entry oe = tap_entry("openai", MLM_WIRE_OPENAI, "m", "http://x");
	b = "{\"error\":{\"message\":\"Incorrect API key provided\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}";
	memset(&o, 0, sizeof o);
	mlm_embed_adapter_openai.classify(&oe, 401, NULL, b, strlen(b), &o);
	ok(o.kind == MLM_AUTH, "openai 401: auth, as for chat");
	mlm_entry x = tap_entry("zhipu", MLM_WIRE_OPENAI, "embedding-3", "http://x");
	ok(mlm_embed_batch_max(&x) == 64, "zhipu: 64 inputs a request");
	x.provider = (char *)"gemini";
	ok(mlm_embed_batch_max(&x) == 100, "gemini: 100");
}

/* i as three digits (a static buffer) */
static const char *
buf_num(int i)
{
	static char b[8];
	snprintf(b, sizeof b, "%03d", i % 1000);
	return b;
}

/* llm-sim on a free loopback port: its pid, or -1 */
static pid_t
start_sim(const char *dir, int *port)
{
	char pf[300];
	snprintf(pf, sizeof pf, "%s/port", dir);
	pid_t pid = fork();
	if (pid == 0) {
		freopen("/dev/null", "w", stderr);
		execl("bin/llm-sim", "llm-sim", "-q", "--port", "0", "--port-file", pf, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 250; i++) {
		FILE *f = fopen(pf, "r");
		if (f && fscanf(f, "%d", port) == 1) {
			fclose(f);
			return pid;
		}
		if (f)
			fclose(f);
		usleep(20000);
	}
	return -1;
}

static void
t_lib(void)
{
	if (access("bin/llm-sim", X_OK) != 0) {
		ok(1, "# skip manyllm_embed: no bin/llm-sim");
		return;
	}
	char dir[] = "/tmp/unit-embed.XXXXXX", envf[300], url[100], err[MANYLLM_ERRLEN];
	if (!mkdtemp(dir)) {
		ok(0, "a temporary directory");
		return;
	}
	snprintf(envf, sizeof envf, "%s/env", dir);
	FILE *ef = fopen(envf, "w");
	if (ef)
		fclose(ef);
	int port = 0;
	pid_t pid = start_sim(dir, &port);
	ok(pid > 0, "llm-sim started");
	if (pid <= 0)
		return;
	snprintf(url, sizeof url, "http://127.0.0.1:%d/v1beta", port);
	unsetenv("LLM_POOL");
	setenv("LLM_STATE", "memory", 1);
	setenv("GEMINI_BASE_URL", url, 1);
	setenv("GEMINI_API_KEY_1", "dead+invalid", 1);
	setenv("GEMINI_API_KEY_2", "k2", 1);
	setenv("GEMINI_MODELS", "text-embedding-004", 1);
	manyllm *m = manyllm_open(envf, err, sizeof err);
	ok(m != NULL, "manyllm_open: %s", m ? "ok" : err);
	if (m) {
		static char buf[150][8];
		const char *texts[150];
		for (int i = 0; i < 150; i++) {
			snprintf(buf[i], sizeof buf[i], "t%d", i);
			texts[i] = buf[i];
		}
		int dims = 0;
		char *model = NULL;
		float *v = manyllm_embed(m, texts, 150, 3, &dims, &model, err, sizeof err);
		ok(v != NULL, "manyllm_embed: 150 texts (two batches of Gemini's 100 and 50): %s", v ? "ok" : err);
		is_int(dims, 3, "3 dimensions, as asked");
		IS_STR(model, "text-embedding-004", "the model named");
		const char *last[1] = { "t149" };
		int d1 = 0;
		float *one = manyllm_embed(m, last, 1, 3, &d1, NULL, err, sizeof err);
		ok(v && one && !memcmp(v + 149 * 3, one, 3 * sizeof *v), "row 149 is the vector of text 149");
		ok(v && memcmp(v, v + 3, 3 * sizeof *v), "rows 0 and 1 differ");
		double s = v ? (double)v[0] * v[0] + (double)v[1] * v[1] + (double)v[2] * v[2] : 0;
		ok(fabs(s - 1) < 1e-5, "a unit vector");
		free(v), free(one), free(model);
		const char *empty[1] = { "" };
		ok(!manyllm_embed(m, empty, 1, 0, &dims, NULL, err, sizeof err), "an empty text is refused");
		IS_STR(err, "embed: text 1 is empty", "... saying which");
		manyllm_close(m);
	}
	/* OpenAI takes 300,000 tokens a request: 300 texts of 4.8 kB (359,700
	 * tokens as llm-sim counts them) go in two requests, none refused */
	char ourl[300];
	snprintf(ourl, sizeof ourl, "http://127.0.0.1:%d/v1", port);
	setenv("OPENAI_BASE_URL", ourl, 1);
	setenv("OPENAI_API_KEY", "o1", 1);
	setenv("OPENAI_MODELS", "text-embedding-3-small", 1);
	setenv("GEMINI_MODELS", "none-here", 1);
	m = manyllm_open(envf, err, sizeof err);
	if (m) {
		manyllm_set_model(m, "text-embedding-3-small");
		static char big[300][4800];
		const char *bt[300];
		for (int i = 0; i < 300; i++) {
			memset(big[i], 'w', sizeof big[i] - 1);
			big[i][sizeof big[i] - 1] = 0;
			memcpy(big[i], buf_num(i), 3);
			bt[i] = big[i];
		}
		int d = 0;
		float *v = manyllm_embed(m, bt, 300, 2, &d, NULL, err, sizeof err);
		ok(v != NULL && d == 2, "manyllm_embed: 300 texts over 300,000 tokens, split under it: %s",
		    v ? "ok" : err);
		free(v);
		manyllm_close(m);
	}
	unsetenv("OPENAI_BASE_URL"), unsetenv("OPENAI_API_KEY"), unsetenv("OPENAI_MODELS");
	setenv("GEMINI_MODELS", "text-embedding-004,gemini-embedding-001", 1);
	m = manyllm_open(envf, err, sizeof err);
	const char *t[1] = { "x" };
	int dims = 0;
	ok(m && !manyllm_embed(m, t, 1, 0, &dims, NULL, err, sizeof err) && strstr(err, "several models"),
	    "a pool of two models: refused (%s)", err);
	manyllm_set_model(m, "gemini-embedding-001");
	float *v = manyllm_embed(m, t, 1, 0, &dims, NULL, err, sizeof err);
	ok(v && dims == 3072, "manyllm_set_model chooses one: %d dimensions", dims);
	free(v);
	manyllm_close(m);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	char pf[300];
	snprintf(pf, sizeof pf, "%s/port", dir);
	unlink(pf), unlink(envf), rmdir(dir);
}

int
main(void)
{
	t_build();
	t_parse();
	t_classify();
	t_lib();
	return tap_done();
}
