/*
 * catalog-cli.c — the tools' side of the catalog: its load warnings on
 * stderr (once per process) and `llm-pool --catalog`.
 */
#include <string.h>

#include "tool.h"

void
tool_catalog_warn(void)
{
	static int done;
	const char *const *w;
	size_t n = mlm_catalog_warnings(&w);
	if (done)
		return;
	done = 1;
	for (size_t i = 0; i < n; i++)
		warnmsg("warning: %s", w[i]);
}

int
tool_catalog_print(const char *provider, const char *model)
{
	jv a = mlm_catalog_json();
	tool_catalog_warn();
	int n = jv_array_length(jv_copy(a));
	for (int i = 0; i < n; i++) {
		jv o = jv_array_get(jv_copy(a), i);
		jv p = jv_object_get(jv_copy(o), jv_string("provider"));
		jv m = jv_object_get(jv_copy(o), jv_string("model"));
		int keep = mlm_glob(provider, jv_string_value(p)) &&
		    (!model || (jv_get_kind(m) == JV_KIND_STRING && mlm_glob(model, jv_string_value(m))));
		jv_free(p);
		jv_free(m);
		if (keep)
			out_json(o, 0);
		else
			jv_free(o);
	}
	jv_free(a);
	return 0;
}
