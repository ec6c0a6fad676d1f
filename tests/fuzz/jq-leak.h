/* jq-leak.h — for the fuzz targets that parse through libjq: libjq 1.6
 * itself leaks a key string on some parse errors; keep LeakSanitizer on for
 * everything else. libjq has no frame pointers: unwind slowly so the
 * suppression sees its frames. */
#ifndef JQ_LEAK_H
#define JQ_LEAK_H
const char *__asan_default_options(void);
const char *
__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}

const char *__lsan_default_suppressions(void);
const char *
__lsan_default_suppressions(void)
{
	return "leak:jv_parser_next\n";
}
#endif
