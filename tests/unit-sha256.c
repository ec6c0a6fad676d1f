/* unit-sha256.c — SHA-256 against the FIPS 180-4 / NIST vectors, one-shot
 * and fed in pieces of every size across block boundaries; HMAC-SHA-256
 * against RFC 4231. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sha256.h"
#include "tap.h"

static const char *
hex(const void *p, size_t n)
{
	static char out[65];
	unsigned char d[32];
	mlm_sha256(p, n, d);
	mlm_sha256_hex(d, out);
	return out;
}

int
main(void)
{
	is_str(hex("", 0), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "empty");
	is_str(hex("abc", 3), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "\"abc\"");
	const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	is_str(hex(m448, strlen(m448)), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	    "448-bit message (two blocks of padding)");
	const char *m896 = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmno"
	    "ijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
	is_str(hex(m896, strlen(m896)), "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
	    "896-bit message");
	char *a = malloc(1000000);
	memset(a, 'a', 1000000);
	is_str(hex(a, 1000000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	    "one million 'a'");
	/* 55, 56, 63, 64, 65 bytes: the padding's edge cases (checked against
	 * the one-shot digest of the same bytes fed in pieces) */
	int same = 1;
	for (size_t n = 0; n < 300 && same; n++) {
		unsigned char d1[32], d2[32];
		mlm_sha256(a, n, d1);
		for (size_t step = 1; step <= 70 && same; step++) {
			mlm_sha256_ctx c;
			mlm_sha256_init(&c);
			for (size_t k = 0; k < n; k += step)
				mlm_sha256_update(&c, a + k, n - k < step ? n - k : step);
			mlm_sha256_final(&c, d2);
			same = !memcmp(d1, d2, 32);
		}
	}
	ok(same, "pieces of every size give the one-shot digest");
	is_str(hex(a, 56), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a", "56 'a' (padding spills into a second block)");
	is_str(hex(a, 64), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb", "64 'a' (one whole block)");

	/* HMAC-SHA-256: RFC 4231 test cases 1, 2, 6 (a key longer than a block) */
	unsigned char d[32], key[131];
	char h[65];
	memset(key, 0x0b, 20);
	mlm_hmac_sha256(key, 20, "Hi There", 8, d);
	mlm_sha256_hex(d, h);
	is_str(h, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7", "HMAC: RFC 4231 case 1");
	mlm_hmac_sha256("Jefe", 4, "what do ya want for nothing?", 28, d);
	mlm_sha256_hex(d, h);
	is_str(h, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", "HMAC: RFC 4231 case 2");
	memset(key, 0xaa, 131);
	const char *m6 = "Test Using Larger Than Block-Size Key - Hash Key First";
	mlm_hmac_sha256(key, 131, m6, strlen(m6), d);
	mlm_sha256_hex(d, h);
	is_str(h, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54", "HMAC: RFC 4231 case 6 (long key)");
	free(a);
	printf("1..%d\n", tap_n);
	return tap_fail != 0;
}
