/* fuzz-pool.c — pool lines, and a pool built from fuzzed .env variables. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "mlm.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[MLM_ERRLEN];
	mlm_pool p = { 0 };
	char *s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	/* each line a pool line */
	char *line = s, *nl;
	while (line && *line) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		mlm_pool_add_line(&p, line, strlen(line), "fuzz:1", err, sizeof err);
		line = nl ? nl + 1 : NULL;
	}
	for (size_t i = 0; i < p.n; i++) {
		jv j = mlm_entry_json(&p.v[i], 0);
		jv_free(j);
	}
	mlm_pool_free(&p);
	/* the same bytes as .env text, then a pool from it */
	mlm_env *e = mlm_env_new();
	if (mlm_env_parse(e, "fuzz.env", (const char *)data, size, err, sizeof err) == 0) {
		mlm_pool q = { 0 };
		q.env = e;
		mlm_pool_from_env(&q, e, err, sizeof err);
		mlm_pool_free(&q);
	}
	mlm_env_free(e);
	free(s);
	return 0;
}
