/*
 * discover.c — asking a provider which models a key may use, and keeping
 * the answer in the state directory (models.ndjson) for pool building.
 *
 * OpenAI-compatible hosts: GET BASE/models ({"data":[{"id",...}]}); Gemini:
 * GET BASE/models (models.list, paged, "models/NAME" with
 * supportedGenerationMethods); Cloudflare: GET .../ai/models/search
 * (text-generation models). What is kept: models the listing marks free
 * (zero prices, OpenRouter's ":free"), and, where the listing shows no
 * prices, every chat model. One cache line per provider records the base
 * URL it was asked at and the date; pool building uses it only for the same
 * base URL, when NAME_MODELS is not set.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>

#include "mlm.h"
#include "lines.h"

#define CACHE_LINE_MAX (16u << 20)   /* one provider's models */

static size_t
on_body(char *p, size_t sz, size_t n, void *u)
{
	return mlm_buf_add(u, p, sz * n) < 0 ? 0 : sz * n;
}

static int
loopback(const char *url)
{
	const char *h = strstr(url, "://");
	if (!h)
		return 0;
	h += 3;
	return !strncmp(h, "127.", 4) || !strncmp(h, "localhost", 9) || !strncmp(h, "[::1]", 5);
}

/* GET url with one auth header; the parsed JSON body, or invalid with err */
static jv
get_json(const char *url, const char *auth, const char *key, long timeout_ms, char *err,
    size_t errlen)
{
	if (strncmp(url, "https://", 8) && !(strncmp(url, "http://", 7) == 0 &&
	    (loopback(url) || getenv("LLM_INSECURE_HTTP")))) {
		mlm_err(err, errlen, "plain http to a non-loopback host refused (LLM_INSECURE_HTTP=1 allows it)");
		return jv_invalid();
	}
	CURL *h = curl_easy_init();
	if (!h) {
		mlm_err(err, errlen, "cannot start an HTTP client");
		return jv_invalid();
	}
	mlm_buf b = { 0 };
	b.max = 32u << 20;
	size_t hl = strlen(auth) + strlen(key) + 2;
	char *hdr = malloc(hl);
	struct curl_slist *sl = NULL;
	if (hdr) {
		snprintf(hdr, hl, "%s %s", auth, key);
		sl = curl_slist_append(sl, hdr);
		memset(hdr, 0, hl);
		free(hdr);
	}
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, sl);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "many-llm/0.1");
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	CURLcode rc = curl_easy_perform(h);
	long status = 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(sl);     /* curl keeps no copy past cleanup */
	curl_easy_cleanup(h);
	jv r = jv_invalid();
	if (rc != CURLE_OK)
		mlm_err(err, errlen, "%s", curl_easy_strerror(rc));
	else if (status < 200 || status > 299)
		mlm_err(err, errlen, "HTTP %ld from the model list", status);
	else if (!jv_is_valid(r = mlm_parse_body(b.p ? b.p : "", b.len)))
		mlm_err(err, errlen, "the model list is not JSON");
	mlm_buf_free(&b);
	return r;
}

static int
zero_price(jv v)
{
	if (jv_get_kind(v) == JV_KIND_NUMBER)
		return jv_number_value(v) == 0;
	if (jv_get_kind(v) == JV_KIND_STRING)
		return strtod(jv_string_value(v), NULL) == 0;
	return 0;
}

/* a model of an OpenAI-compatible listing: free, or unpriced (unless
 * the provider marks its free models, as OpenRouter does) */
static int
keep_openai(const char *provider, jv m, const char *id)
{
	jv pr = mlm_jfield(m, "pricing");
	int priced = jv_get_kind(pr) == JV_KIND_OBJECT, free_ = 0;
	if (priced) {
		jv p = mlm_jfield(pr, "prompt");
		jv c = mlm_jfield(pr, "completion");
		free_ = zero_price(p) && zero_price(c);
		jv_free(p);
		jv_free(c);
	}
	jv_free(pr);
	size_t l = strlen(id);
	int marked = l > 5 && !strcmp(id + l - 5, ":free");
	if (!strcmp(provider, "openrouter"))
		return marked || free_;
	return marked || free_ || !priced;
}

static void
add_id(jv *out, const char *id)
{
	if (id && *id)
		*out = jv_array_append(*out, jv_string(id));
}

static int
list_openai(const char *provider, const char *base, const char *key, jv *out, char *err,
    size_t errlen)
{
	char url[4200];
	snprintf(url, sizeof url, "%s/models", base);
	jv r = get_json(url, "Authorization: Bearer", key, 30000, err, errlen);
	if (!jv_is_valid(r))
		return jv_free(r), -1;
	jv d = jv_object_get(r, jv_string("data"));
	if (jv_get_kind(d) != JV_KIND_ARRAY) {
		jv_free(d);
		return mlm_err(err, errlen, "the model list has no \"data\" array");
	}
	jv_array_foreach(d, i, m) {
		jv id = mlm_jfield(m, "id");
		if (jv_get_kind(id) == JV_KIND_STRING && keep_openai(provider, m, jv_string_value(id)))
			add_id(out, jv_string_value(id));
		jv_free(id);
		jv_free(m);
	}
	jv_free(d);
	return 0;
}

static int
can_generate(jv m)
{
	jv g = mlm_jfield(m, "supportedGenerationMethods");
	int ok = jv_get_kind(g) != JV_KIND_ARRAY;     /* not said: keep */
	if (!ok)
		jv_array_foreach(g, i, s) {
			if (jv_get_kind(s) == JV_KIND_STRING && !strcmp(jv_string_value(s), "generateContent"))
				ok = 1;
			jv_free(s);
		}
	jv_free(g);
	return ok;
}

static int
list_gemini(const char *base, const char *key, jv *out, char *err, size_t errlen)
{
	char token[512] = "";
	for (int page = 0; page < 20; page++) {
		char url[4800];
		snprintf(url, sizeof url, "%s/models?pageSize=1000%s%s", base, *token ? "&pageToken=" : "",
		    token);
		jv r = get_json(url, "x-goog-api-key:", key, 30000, err, errlen);
		if (!jv_is_valid(r))
			return jv_free(r), -1;
		jv ms = mlm_jfield(r, "models");
		if (jv_get_kind(ms) == JV_KIND_ARRAY)
			jv_array_foreach(ms, i, m) {
				jv n = mlm_jfield(m, "name");
				if (jv_get_kind(n) == JV_KIND_STRING && can_generate(m)) {
					const char *s = jv_string_value(n);
					add_id(out, strncmp(s, "models/", 7) ? s : s + 7);
				}
				jv_free(n);
				jv_free(m);
			}
		jv_free(ms);
		jv t = jv_object_get(r, jv_string("nextPageToken"));
		*token = 0;
		if (jv_get_kind(t) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(t)) < 400) {
			/* tokens are URL-safe base64; anything else ends the listing */
			const char *s = jv_string_value(t);
			if (strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_=") ==
			    strlen(s))
				snprintf(token, sizeof token, "%s", s);
		}
		jv_free(t);
		if (!*token)
			break;
	}
	return 0;
}

static int
list_cloudflare(const char *base, const char *key, jv *out, char *err, size_t errlen)
{
	/* BASE is .../accounts/ID/ai/run/: the search is .../accounts/ID/ai/models/search */
	const char *run = strstr(base, "/ai/run");
	if (!run)
		return mlm_err(err, errlen, "the Cloudflare base URL has no /ai/run/");
	char url[4200];
	snprintf(url, sizeof url, "%.*s/ai/models/search?task=Text%%20Generation&per_page=1000",
	    (int)(run - base), base);
	jv r = get_json(url, "Authorization: Bearer", key, 30000, err, errlen);
	if (!jv_is_valid(r))
		return jv_free(r), -1;
	jv res = jv_object_get(r, jv_string("result"));
	if (jv_get_kind(res) != JV_KIND_ARRAY) {
		jv_free(res);
		return mlm_err(err, errlen, "the model search has no \"result\" array");
	}
	jv_array_foreach(res, i, m) {
		jv n = mlm_jfield(m, "name");
		jv task = mlm_jpath(m, "task.name");
		int text = jv_get_kind(task) != JV_KIND_STRING ||
		    !strcmp(jv_string_value(task), "Text Generation");
		if (jv_get_kind(n) == JV_KIND_STRING && text)
			add_id(out, jv_string_value(n));
		jv_free(n);
		jv_free(task);
		jv_free(m);
	}
	jv_free(res);
	return 0;
}

int
mlm_discover(const mlm_entry *e, const char *key, jv *models, char *err, size_t errlen)
{
	*models = jv_array();
	int r;
	if (e->wire == MLM_WIRE_GEMINI)
		r = list_gemini(e->base_url, key, models, err, errlen);
	else if (e->wire == MLM_WIRE_CLOUDFLARE)
		r = list_cloudflare(e->base_url, key, models, err, errlen);
	else
		r = list_openai(e->provider, e->base_url, key, models, err, errlen);
	if (r < 0) {
		jv_free(*models);
		*models = jv_invalid();
	}
	return r;
}

/* ---- the cache: one line per provider in $XDG_STATE_HOME/many-llm/models.ndjson ---- */

jv
mlm_discover_cache_read(void)
{
	char path[4200];
	jv all = jv_object();
	if (mlm_state_path("models.ndjson", path, sizeof path) < 0)
		return all;
	/* the record reader (lines.h); a line that is not a provider's record
	 * (or is over the bound) is not taken: the cache is made again */
	mlm_lines *r = mlm_lines_open(path, CACHE_LINE_MAX, NULL, 0);
	if (!r)
		return all;
	mlm_line l;
	while (mlm_lines_next(r, &l, NULL, 0) == 1) {
		if (l.toolong || !l.len)
			continue;
		jv o = jv_parse_sized(l.text, (int)l.len);
		jv p = jv_get_kind(o) == JV_KIND_OBJECT ? mlm_jfield(o, "provider") :
		    jv_invalid();
		if (jv_get_kind(p) == JV_KIND_STRING)
			all = jv_object_set(all, p, o);
		else
			jv_free(p), jv_free(o);
	}
	mlm_lines_close(r);
	return all;
}

int
mlm_discover_cache_write(jv all, char *err, size_t errlen)
{
	char path[4200], tmp[4300];
	if (mlm_state_path("models.ndjson", path, sizeof path) < 0) {
		jv_free(all);
		return mlm_err(err, errlen, "no XDG_STATE_HOME or HOME for the model cache");
	}
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = mlm_tmp_create(tmp);
	if (!f) {
		jv_free(all);
		return mlm_err(err, errlen, "%s: cannot write", tmp);
	}
	mlm_buf b = { 0 };
	int cut = 0;   /* a record past the buffer's cap: the file is not replaced */
	jv_object_foreach(all, k, v) {
		mlm_buf_reset(&b);
		if (mlm_json_dump(&b, v) < 0)
			cut = 1;
		else
			fprintf(f, "%s\n", b.p ? b.p : "{}");
		jv_free(k);
	}
	mlm_buf_free(&b);
	jv_free(all);
	int closed = fclose(f);
	if (closed != 0 || cut || rename(tmp, path) != 0) {
		remove(tmp);
		return mlm_err(err, errlen, "%s: cannot write%s", path, cut ? ": a record is too large" : "");
	}
	return 0;
}

jv
mlm_discover_record(const mlm_entry *e, jv models)
{
	char date[32];
	time_t t = time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &tm);
	jv o = jv_object();
	o = jv_object_set(o, jv_string("provider"), jv_string(e->provider));
	o = jv_object_set(o, jv_string("base_url"), jv_string(e->base_url));
	o = jv_object_set(o, jv_string("date"), jv_string(date));
	o = jv_object_set(o, jv_string("models"), models);
	return o;
}

/* the cached models of provider prov at base, as a malloc'd array of strings */
size_t
mlm_discover_cached(const char *prov, const char *base, char ***out)
{
	*out = NULL;
	jv all = mlm_discover_cache_read();
	jv o = jv_object_get(all, jv_string(prov));
	size_t n = 0;
	jv b = jv_get_kind(o) == JV_KIND_OBJECT ? mlm_jfield(o, "base_url") :
	    jv_invalid();
	if (jv_get_kind(b) == JV_KIND_STRING && base && !strcmp(jv_string_value(b), base)) {
		jv ms = mlm_jfield(o, "models");
		int len = jv_get_kind(ms) == JV_KIND_ARRAY ? jv_array_length(jv_copy(ms)) : 0;
		char **v = len > 0 ? calloc((size_t)len, sizeof *v) : NULL;
		for (int i = 0; v && i < len; i++) {
			jv s = jv_array_get(jv_copy(ms), i);
			if (jv_get_kind(s) == JV_KIND_STRING)
				v[n++] = mlm_strdup(jv_string_value(s));
			jv_free(s);
		}
		jv_free(ms);
		*out = v;
	}
	jv_free(b);
	jv_free(o);
	return n;
}
