/* unit-sha256.c — SHA-256 (FIPS 180-4 examples) and HMAC-SHA256 (RFC 4231)
 * known answers, and the keyed key digest of the state. */
#include "tap.h"
#include "mlm.h"

static void
hex(const unsigned char *d, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static const char *
sha(const void *p, size_t n, size_t reps)
{
	static char out[65];
	unsigned char d[32];
	mlm_sha256 c;
	mlm_sha256_init(&c);
	for (size_t i = 0; i < reps; i++)
		mlm_sha256_add(&c, p, n);
	mlm_sha256_end(&c, d);
	hex(d, 32, out);
	return out;
}

static const char *
hmac(const void *k, size_t kl, const void *m, size_t ml)
{
	static char out[65];
	unsigned char d[32];
	mlm_hmac_sha256(k, kl, m, ml, d);
	hex(d, 32, out);
	return out;
}

int
main(void)
{
	is_str(sha("", 0, 1), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sha256 of nothing");
	is_str(sha("abc", 3, 1), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256 abc");
	const char *m448 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	is_str(sha(m448, strlen(m448), 1), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	    "sha256 of 448 bits (two blocks of padding)");
	char a[1000];
	memset(a, 'a', sizeof a);
	is_str(sha(a, sizeof a, 1000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0",
	    "sha256 of a million a's, fed in pieces");
	/* every length around the block and padding edges agrees, fed whole or a byte at a time */
	int same = 1;
	for (size_t n = 0; n < 140; n++) {
		char whole[65];
		snprintf(whole, sizeof whole, "%s", sha(a, n, 1));
		mlm_sha256 c;
		unsigned char d[32];
		char bytes[65];
		mlm_sha256_init(&c);
		for (size_t i = 0; i < n; i++)
			mlm_sha256_add(&c, a + i, 1);
		mlm_sha256_end(&c, d);
		hex(d, 32, bytes);
		same &= !strcmp(whole, bytes);
	}
	ok(same, "sha256: whole and byte-at-a-time agree for lengths 0..139");
	unsigned char k1[20];
	memset(k1, 0x0b, sizeof k1);
	is_str(hmac(k1, 20, "Hi There", 8), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
	    "hmac-sha256 RFC 4231 case 1");
	is_str(hmac("Jefe", 4, "what do ya want for nothing?", 28),
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", "hmac-sha256 RFC 4231 case 2");
	unsigned char k6[131];
	memset(k6, 0xaa, sizeof k6);
	is_str(hmac(k6, 131, "Test Using Larger Than Block-Size Key - Hash Key First", 54),
	    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	    "hmac-sha256 RFC 4231 case 6 (a key longer than a block)");
	/* the key digest: keyed by the store's secret, 16 hex digits */
	mlm_store *s1 = mlm_store_memory(), *s2 = mlm_store_memory();
	char d1[17], d2[17], d3[17];
	mlm_store_key_digest(s1, "sk-test-key", d1);
	mlm_store_key_digest(s2, "sk-test-key", d2);
	mlm_store_key_digest(s1, "sk-test-key", d3);
	is_int((long long)strlen(d1), 16, "the key digest has 16 hex digits");
	ok(strcmp(d1, d2) != 0, "another secret, another digest");
	is_str(d3, d1, "the same secret, the same digest");
	unsigned char d[32];
	char want[17];
	mlm_hmac_sha256(mlm_store_secret(s1), 32, "sk-test-key", 11, d);
	hex(d, 8, want);
	is_str(d1, want, "the digest is HMAC-SHA256(secret, key), truncated");
	mlm_store_close(s1);
	mlm_store_close(s2);
	return tap_done();
}
