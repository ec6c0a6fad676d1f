/*
 * serve-parts.h — image parts of the three wires llm-serve speaks, as the
 * neutral request's {"type":"image","url"} parts: OpenAI chat "image_url"
 * parts, Anthropic "image" (and PDF "document") blocks with base64 or url
 * sources, Responses "input_image" items. The URL is a data URL (an image
 * type or application/pdf, base64) or an http(s) URL that goes to
 * providers that fetch it; llm-serve itself never fetches one.
 */
#ifndef SERVE_PARTS_H
#define SERVE_PARTS_H

#include <stddef.h>
#include <jv.h>

/* part (borrowed): 0 when it is no image part of any wire; 1 with the
 * neutral part appended to *imgs; -1 with err (what names the part). */
int serve_image_part(jv part, const char *what, jv *imgs, char *err, size_t errlen);
/* The content: text (consumed) alone when imgs (consumed) is empty, else
 * the parts: the text (when not empty), then the images. */
jv serve_parts_join(jv text, jv imgs);

#endif
