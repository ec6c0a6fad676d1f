/* unit-caps.c — images in the neutral request (parts.c: base64, magic
 * bytes, data URLs, each wire's parts) and what a request needs of an
 * entry (caps.c: the size estimate, learning from a refusal). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mlm.h"
#include "tap.h"

static char *
dump(jv v)
{
	jv s = jv_dump_string(v, 0);
	char *r = strdup(jv_string_value(s));
	jv_free(s);
	return r;
}

static long
tokens(const char *json)
{
	jv r = jv_parse(json);
	long n = mlm_caps_tokens(r);
	jv_free(r);
	return n;
}

int
main(void)
{
	/* base64 both ways, every length modulo 3 */
	const char *in[] = { "", "f", "fo", "foo", "foob", "fooba", "foobar" };
	const char *want[] = { "", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy" };
	for (size_t i = 0; i < sizeof in / sizeof *in; i++) {
		mlm_buf b = { 0 }, d = { 0 };
		ok(mlm_b64_encode(&b, in[i], strlen(in[i])) == 0 && mlm_buf_add(&b, "", 0) == 0, "encode %s", in[i]);
		is_str(b.p, want[i], "base64 of \"%s\"", in[i]);
		ok(mlm_b64_decode(&d, b.p, b.len) == 0 && mlm_buf_add(&d, "", 0) == 0, "decode %s", want[i]);
		is_str(d.p, in[i], "base64 back to \"%s\"", in[i]);
		mlm_buf_free(&b), mlm_buf_free(&d);
	}
	mlm_buf d = { 0 };
	ok(mlm_b64_decode(&d, "Zm9v!", 5) < 0, "base64: a stray character is refused");
	mlm_buf_free(&d);

	/* magic bytes */
	is_str(mlm_media_sniff("\x89PNG\r\n\x1a\n....", 12), "image/png", "sniff: PNG");
	is_str(mlm_media_sniff("\xff\xd8\xff\xe0", 4), "image/jpeg", "sniff: JPEG");
	is_str(mlm_media_sniff("GIF89a..", 8), "image/gif", "sniff: GIF");
	is_str(mlm_media_sniff("RIFF\0\0\0\0WEBPVP8 ", 16), "image/webp", "sniff: WebP");
	is_str(mlm_media_sniff("%PDF-1.7", 8), "application/pdf", "sniff: PDF");
	ok(mlm_media_sniff("hello", 5) == NULL, "sniff: text is none of them");
	ok(mlm_media_sniff("\x89PN", 3) == NULL, "sniff: a short prefix is none");

	/* data URLs */
	char *u = mlm_dataurl_make("image/png", "foo", 3), mime[64];
	is_str(u, "data:image/png;base64,Zm9v", "data URL made");
	const char *data = NULL;
	ok(mlm_dataurl_parse(u, mime, &data) == 0 && !strcmp(mime, "image/png") && !strcmp(data, "Zm9v"),
	    "data URL parsed back");
	ok(mlm_dataurl_parse("data:image/png,raw", mime, &data) < 0, "a data URL without base64 is refused");
	free(u);

	/* each wire's parts */
	char err[MLM_ERRLEN];
	jv c = jv_parse("[{\"type\":\"text\",\"text\":\"hi\"},{\"type\":\"image\",\"url\":\"data:image/gif;base64,R0lG\"}]");
	char *s = dump(mlm_parts_openai(jv_copy(c), NULL, 1, err, sizeof err));
	is_str(s, "[{\"type\":\"text\",\"text\":\"hi\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/gif;base64,R0lG\"}}]",
	    "openai parts");
	free(s);
	s = dump(mlm_parts_gemini(jv_copy(c), NULL, err, sizeof err));
	is_str(s, "[{\"text\":\"hi\"},{\"inlineData\":{\"mimeType\":\"image/gif\",\"data\":\"R0lG\"}}]", "gemini parts");
	free(s);
	jv_free(c);
	jv url = jv_parse("[{\"type\":\"image\",\"url\":\"https://a.invalid/x.png\"}]");
	mlm_entry e = { .provider = "gemini" };
	s = dump(mlm_parts_gemini(jv_copy(url), &e, err, sizeof err));
	is_str(s, "[{\"fileData\":{\"mimeType\":\"image/png\",\"fileUri\":\"https://a.invalid/x.png\"}}]",
	    "gemini: a URL as fileData, its type from the extension");
	free(s);
	jv odd = jv_parse("[{\"type\":\"image\",\"url\":\"https://a.invalid/x.png/view?t=.gif\"}]");
	jv g = mlm_parts_gemini(odd, &e, err, sizeof err);
	ok(!jv_is_valid(g) && strstr(err, "unsupported parameter images: gemini takes an image URL only "
	    "with a known type") != NULL, "gemini: a URL of no known extension is unsupported");
	jv_free(g);
	jv o = mlm_parts_openai(jv_copy(url), &e, 1, err, sizeof err);
	ok(jv_is_valid(o), "openai: a URL goes");
	jv_free(o), jv_free(url);
	jv pdf = jv_parse("[{\"type\":\"image\",\"url\":\"data:application/pdf;base64,JVBERg==\"}]");
	s = dump(mlm_parts_openai(jv_copy(pdf), NULL, 1, err, sizeof err));
	is_str(s, "[{\"type\":\"file\",\"file\":{\"filename\":\"attachment.pdf\",\"file_data\":\"data:application/pdf;base64,JVBERg==\"}}]",
	    "openai: a PDF is a file part");
	free(s);
	s = dump(mlm_parts_gemini(jv_copy(pdf), NULL, err, sizeof err));
	is_str(s, "[{\"inlineData\":{\"mimeType\":\"application/pdf\",\"data\":\"JVBERg==\"}}]", "gemini: a PDF inline");
	free(s);
	o = mlm_parts_openai(pdf, &e, 0, err, sizeof err);
	ok(!jv_is_valid(o) && strstr(err, "takes no PDF files"), "no URLs (Workers AI): no PDFs either");
	jv_free(o);
	jv bad = jv_parse("[{\"type\":\"image\",\"url\":\"data:text/plain;base64,aGk=\"}]");
	o = mlm_parts_openai(bad, NULL, 1, err, sizeof err);
	ok(!jv_is_valid(o) && strstr(err, "text/plain"), "a data URL of a text type is refused: %s", err);
	jv_free(o);

	/* the size estimate */
	/* every string of a message counts: "user" is a token */
	is_int(tokens("{\"messages\":[{\"role\":\"user\",\"content\":\"abcdabcdabcdabcd\"}]}"), 9,
	    "ASCII: 16 bytes are 4 tokens, plus 4 for the message and 1 for its role");
	/* 40 ideographs: 120 bytes, 40 tokens */
	char cjk[400] = "{\"messages\":[{\"role\":\"user\",\"content\":\"";
	for (int i = 0; i < 40; i++)
		strcat(cjk, "\xe4\xbd\xa0");
	strcat(cjk, "\"}]}");
	is_int(tokens(cjk), 45, "CJK: a token per character, plus 5");
	is_int(tokens("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"url\":\"data:image/png;base64,AAAA\"}]}]}"),
	    1005, "an image: 1000 tokens, plus 5");
	is_int(tokens("{\"system\":\"abcd\",\"messages\":[]}"), 5, "the system prompt counts, with 4 for itself");
	jv r = jv_parse("{\"messages\":[],\"max_tokens\":77}");
	is_int(mlm_caps_out_tokens(r), 77, "max_tokens read");
	ok(mlm_caps_need(r) == 0, "a text request needs nothing");
	jv_free(r);
	r = jv_parse("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"url\":\"https://x.invalid/a.png\"}]}]}");
	ok(mlm_caps_need(r) == MLM_FEAT_VISION, "a request with an image needs vision");
	jv_free(r);

	/* the one-pass estimate of a plain request and the general walks agree
	 * (tokens and needs), and requests that are not plain go the long way */
	static const char *const reqs[] = {
		"{\"messages\":[{\"role\":\"user\",\"content\":\"abcdabcdabcdabcd\"}]}",
		"{\"system\":\"\u4f60\u597d, be brief\",\"messages\":[{\"role\":\"user\",\"content\":\"\u00e9t\u00e9\"}],"
		    "\"temperature\":0.2,\"max_tokens\":9}",
		"{\"messages\":[{\"content\":\"a\",\"role\":\"user\"},{\"role\":\"assistant\",\"content\":\"b\"}],"
		    "\"system\":null}",
		"{\"messages\":[]}",
		"{\"messages\":[{\"role\":\"tool\",\"content\":\"42\"}]}",
		"{\"messages\":[{\"role\":\"user\",\"content\":\"x\",\"name\":\"n\"}]}",
		"{\"messages\":[{\"role\":\"user\"}]}",
		"{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"url\":\"data:image/png;base64,AAAA\"}]}]}",
		"{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"system\":{\"a\":1}}",
		"{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"name\":\"f\"}]}",
		"{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"schema\":{\"type\":\"object\"}}",
		"{\"messages\":{}}", "{\"embed\":[\"a\"]}", "{}",
	};
	for (size_t i = 0; i < sizeof reqs / sizeof *reqs; i++) {
		jv q = jv_parse(reqs[i]);
		long t[2];
		unsigned need[2];
		for (int k = 0; k < 2; k++) {
			mlm_json_fast_off = k;
			t[k] = mlm_caps_tokens(q);
			need[k] = mlm_caps_need(q);
		}
		mlm_json_fast_off = 0;
		long both_t;
		unsigned both = mlm_caps_need_tokens(q, &both_t);
		ok(t[0] == t[1] && need[0] == need[1], "one pass and the general walks agree (%ld/%ld tokens, "
		    "needs %u/%u): %s", t[0], t[1], need[0], need[1], reqs[i]);
		ok(both_t == t[1] && both == need[1], "both at once agree too: %s", reqs[i]);
		jv_free(q);
	}

	/* refusals and what they teach */
	ok(mlm_caps_refusal_text("Invalid content type. image_url is only supported by certain models."),
	    "OpenAI's refusal of images");
	ok(mlm_caps_refusal_text("Image input modality is not enabled for models/x"), "Gemini's refusal of images");
	ok(!mlm_caps_refusal_text("The model is overloaded."), "an overload is no refusal");
	ok(mlm_caps_refusal_text("Function calling is not enabled for models/gemma-3-27b-it"),
	    "Gemini's refusal of tools");
	ok(mlm_caps_learn("Function calling is not enabled for models/gemma-3-27b-it") == MLM_FEAT_TOOLS,
	    "Gemini's refusal of tools teaches tools");
	ok(!mlm_caps_refusal_text("Invalid tool call arguments: expected an object"),
	    "a malformed call is no refusal of tools");
	ok(mlm_caps_learn("unsupported parameter images: gemini takes images as data only") == MLM_FEAT_VISION,
	    "an image refusal teaches vision");
	ok(mlm_caps_learn("unsupported parameter tools: gemini does not take tools here yet") == MLM_FEAT_TOOLS,
	    "a tools refusal teaches tools");
	ok(mlm_caps_learn("response_format json_schema is not supported") == MLM_FEAT_SCHEMA,
	    "a schema refusal teaches schema, as before");
	printf("1..%d\n", tap_n);
	return tap_fail != 0;
}
