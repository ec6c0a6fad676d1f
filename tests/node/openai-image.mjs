// An image through llm-serve with the official openai client (run by
// tests/0731-serve-images.t): an image_url part with a data URL reaches
// an entry that takes images, and llm-sim's digest of the bytes comes back.
// Prints "PASS name" / "FAIL name: why". Environment: SRV, TOKEN,
// IMAGE_B64 (a PNG in base64), DIGEST (llm-sim's line for it).
import OpenAI from 'openai';
import { check, step } from './check.mjs';

const client = new OpenAI({ baseURL: process.env.SRV + '/v1', apiKey: process.env.TOKEN,
	maxRetries: 0, timeout: 20000 });

await step('image', async () => {
	const r = await client.chat.completions.create({ model: 'auto', messages: [{ role: 'user',
		content: [{ type: 'text', text: 'what is it' },
			{ type: 'image_url', image_url: { url: 'data:image/png;base64,' + process.env.IMAGE_B64 } }] }] });
	check('image: the digest of the bytes', r.choices[0].message.content ===
	    process.env.DIGEST + '\necho: what is it', JSON.stringify(r.choices[0].message));
});
