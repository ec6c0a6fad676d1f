/*
 * params.c — the neutral request's sampling parameters, as each adapter
 * passes, renames or refuses them.
 *
 * The neutral request may carry "stop" (an array of strings), "top_p",
 * "seed", "top_k", "presence_penalty" and "frequency_penalty" (numbers);
 * OpenAI-compatible hosts take no top_k, Gemini names it topK. An adapter
 * copies each one its provider takes under the provider's name
 * (mlm_param_copy) and refuses each one it cannot honour (mlm_param_refuse):
 * the build fails with a message naming the parameter, the engine counts
 * that entry as unsupported for this call and tries another, and when no
 * entry can take the request the call fails naming it. Nothing is dropped.
 */
#include <string.h>

#include "mlm.h"

int
mlm_param_has(jv req, const char *key)
{
	jv v = mlm_jpath(req, key);
	int k = jv_get_kind(v);
	jv_free(v);
	return k != JV_KIND_NULL && k != JV_KIND_INVALID;
}

jv
mlm_param_copy(jv req, jv body, const char *key, const char *as)
{
	jv v = mlm_jpath(req, key);
	if (jv_get_kind(v) == JV_KIND_NULL || jv_get_kind(v) == JV_KIND_INVALID) {
		jv_free(v);
		return body;
	}
	return jv_object_set(body, jv_string(as ? as : key), v);
}

int
mlm_param_refuse(jv req, const char *key, const mlm_entry *e, char *err, size_t errlen)
{
	if (!mlm_param_has(req, key))
		return 0;
	return mlm_err(err, errlen, "unsupported parameter %s: %s does not take it", key,
	    e && e->provider ? e->provider : "this provider");
}

int
mlm_param_stop_max(jv req, int max, const mlm_entry *e, char *err, size_t errlen)
{
	jv v = mlm_jpath(req, "stop");
	int n = jv_get_kind(v) == JV_KIND_ARRAY ? jv_array_length(jv_copy(v)) : 0;
	jv_free(v);
	if (n <= max)
		return 0;
	return mlm_err(err, errlen, "unsupported parameter stop: %s takes at most %d stop "
	    "sequence%s, not %d", e && e->provider ? e->provider : "this provider", max,
	    max == 1 ? "" : "s", n);
}
