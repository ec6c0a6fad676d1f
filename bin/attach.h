/*
 * attach.h — files and URLs attached to a prompt (llm-ask --attach, the
 * "attach" field of an llm-map template): images (PNG, JPEG, GIF, WebP)
 * and PDF, their type read from their first bytes.
 */
#ifndef ATTACH_H
#define ATTACH_H

#include <stddef.h>
#include <jv.h>

#define ATTACH_MAX (20u << 20)         /* bytes of one attached file */

/* spec: a file path, a data URL or an http(s) URL. *url gets a data URL
 * for a file, the URL itself else (malloc'd). -1 with err when the file
 * cannot be read, -2 when its type is none of those taken. */
int attach_url(const char *spec, char **url, char *err, size_t errlen);
/* The last message of msgs (consumed) with the image parts of urls (an
 * array of URL strings, consumed) after its text. */
jv attach_to_last(jv msgs, jv urls);

#endif
