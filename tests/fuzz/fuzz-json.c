/* fuzz-json.c — libFuzzer target, differential: any bytes as an OpenAI-wire
 * answer, read through the token tape and through libjq alone, must give
 * the same result (tests/json-alike.h); and whatever libjq parses,
 * mlm_json_dump must write as jv_dump_string does. */
#include <stdlib.h>

#include "mlm.h"
#include "jq-leak.h"
#include "../json-alike.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char why[4096];
	if (!parse_alike((const char *)data, size, why, sizeof why))
		abort();
	if (size && size < (1u << 20)) {
		jv x = jv_parse_sized((const char *)data, (int)size);
		if (jv_is_valid(x) && !dump_alike(x, why, sizeof why))
			abort();
		jv_free(x);
	}
	return 0;
}
