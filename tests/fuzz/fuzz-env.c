/* fuzz-env.c — the .env parser on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include "mlm.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[MLM_ERRLEN];
	mlm_env *e = mlm_env_new();
	if (mlm_env_parse(e, "fuzz.env", (const char *)data, size, err, sizeof err) == 0) {
		const char *const *names;
		size_t n = mlm_env_names(e, &names);
		for (size_t i = 0; i < n; i++)
			(void)mlm_env_get(e, names[i]);
	}
	mlm_env_free(e);
	return 0;
}
