/*
 * sha256.h — SHA-256 (FIPS 180-4), one-shot and incremental. Used for
 * content digests (the cache's keys) and for keyed hashes built on it.
 */
#ifndef MLM_SHA256_H
#define MLM_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct mlm_sha256_ctx {
	uint32_t h[8];
	uint64_t len;           /* bytes so far */
	unsigned char blk[64];
	size_t n;               /* bytes in blk */
} mlm_sha256_ctx;

void mlm_sha256_init(mlm_sha256_ctx *c);
void mlm_sha256_update(mlm_sha256_ctx *c, const void *p, size_t n);
void mlm_sha256_final(mlm_sha256_ctx *c, unsigned char out[32]);
/* The digest of p[0..n) in one call. */
void mlm_sha256(const void *p, size_t n, unsigned char out[32]);
/* HMAC-SHA-256 (RFC 2104) of msg under key: a keyed digest. */
void mlm_hmac_sha256(const void *key, size_t keylen, const void *msg, size_t n,
    unsigned char out[32]);
/* out: the 64 lowercase hex digits of a digest, NUL-terminated. */
void mlm_sha256_hex(const unsigned char d[32], char out[65]);

#endif
