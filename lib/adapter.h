/*
 * adapter.h — what the adapters (lib/adapter-*.c, lib/embed-*.c) share and
 * nothing else includes: building a request, reading a stream event's
 * object, the generic classify member, joining a URL. Defined in
 * lib/adapters.c beside the registry of wires (MLM_WIRES in mlm.h).
 */
#ifndef MLM_ADAPTER_H
#define MLM_ADAPTER_H

#include "mlm.h"

/* The opening every stream event of the JSON APIs shares: trims blanks;
 * 1 at "[DONE]" (when done_marker), 0 for empty data, -1 with o filled for
 * data that is not a JSON object or is an error (is_error), else 2 with
 * the object in *x (the caller frees it). */
int mlm_event_object(const char *data, size_t len, int done_marker, int (*is_error)(jv),
    jv *x, mlm_outcome *o);

/* adapters.c: the classify member of an adapter whose errors have only
 * the generic shapes (mlm_classify_generic; the entry is not needed). */
void mlm_adapter_classify(const mlm_entry *e, long status, const mlm_headers *h,
    const char *body, size_t len, mlm_outcome *o);
/* adapters.c: base + tail (e.g. "/chat/completions") with the base's
 * trailing slashes dropped, and no tail when the base ends in it already;
 * malloc'd, NULL when out of memory. */
char *mlm_url_join(const char *base, const char *tail);

/* Starts building: clears out, checks the entry has a base URL and a model
 * and req (borrowed) is an object with a "messages" array, returned in *msgs. */
int mlm_build_begin(const mlm_entry *e, jv req, mlm_httpreq *out, jv *msgs, char *err,
    size_t errlen);

/* Finishes a request an adapter built: the body (consumed) as JSON text,
 * the shown URL, the key header ("AUTH KEY", e.g. "Authorization: Bearer"
 * or "x-goog-api-key:"), the content type, an SSE Accept when streaming.
 * out->url must be set; -1 (and out freed) when memory runs out. */
int mlm_httpreq_finish(mlm_httpreq *out, jv body, const char *auth, const char *key, int stream,
    char *err, size_t errlen);
/* The same with the body's JSON text already written (body: owned, from
 * malloc; NULL is out of memory). */
int mlm_httpreq_finish_text(mlm_httpreq *out, char *body, const char *auth, const char *key,
    int stream, char *err, size_t errlen);

#endif
