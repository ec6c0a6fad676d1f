/*
 * sim-images.h — llm-sim's image parts: it reads them in each provider's
 * form (OpenAI-compatible and Cloudflare "image_url" content parts and
 * OpenAI "file" parts, Gemini "inlineData"/"fileData" parts), answers
 * with a digest of each one received ("image image/png 1234 bytes
 * sha256:<64 hex>", "file application/pdf ..." for another type, or
 * "image url URL" for a URL, which it never fetches), and refuses images to a
 * text-only model (a model whose name contains "text-only") with that
 * provider's words. Part of llm-sim only (it is the adapters' oracle).
 */
#ifndef SIM_IMAGES_H
#define SIM_IMAGES_H

#include <stddef.h>
#include <jv.h>

/* The digest lines of the request's images, one per image in order
 * (malloc'd; NULL when it has none). gemini: the body is a Gemini
 * generateContent request, else an OpenAI-style "messages" one. -1 with
 * err (and *param, OpenAI's "param") for a malformed image part, or, when
 * text_only, for any image (the provider's refusal). */
int sim_images_scan(int gemini, jv req, const char *model, char **digest, char *err, size_t errlen,
    char *param, size_t plen);
/* A model that takes no images. */
int sim_images_text_only(const char *model);

#endif
