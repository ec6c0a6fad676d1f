/* fuzz-json.c — libFuzzer target, differential: any bytes as an OpenAI-wire
 * answer, read through the token tape and through libjq alone, must give
 * the same result (tests/json-alike.h); whatever libjq parses,
 * mlm_json_dump must write as jv_dump_string does; and taken as a neutral
 * request, the OpenAI-compatible adapter's plain writer and its general
 * path must send the same request. */
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
		if (jv_get_kind(x) == JV_KIND_OBJECT && (!build_alike(x, "openai", 0, why, sizeof why) ||
		    !build_alike(x, "zhipu", 1, why, sizeof why)))
			abort();
		jv_free(x);
	}
	return 0;
}
