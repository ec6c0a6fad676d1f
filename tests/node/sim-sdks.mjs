// llm-sim seen through the official openai and @google/genai clients (run by
// tests/0101-sim-sdks.t): the answers the simulator sends, whole and
// streamed, and its errors, must be what the SDKs accept and map to their
// error classes. One "PASS name" or "FAIL name: why" line per check.
// Environment: SIM (the simulator's base URL).
import OpenAI from 'openai';
import { GoogleGenAI, ApiError } from '@google/genai';
import { check, step } from './check.mjs';

const SIM = process.env.SIM;

const oai = (key) => new OpenAI({ baseURL: SIM + '/v1', apiKey: key, maxRetries: 0, timeout: 20000 });

await step('openai: whole answer', async () => {
	const r = await oai('good1').chat.completions.create({
		model: 'gpt-4o-mini',
		messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello' }],
	});
	check('openai: whole answer', r.choices[0].message.content === 'echo: hello', JSON.stringify(r));
	check('openai: usage', r.usage && r.usage.prompt_tokens > 0 && r.usage.completion_tokens > 0,
	    JSON.stringify(r.usage));
});

await step('openai: stream', async () => {
	const s = await oai('good1').chat.completions.create({
		model: 'gpt-4o-mini', stream: true, stream_options: { include_usage: true },
		messages: [{ role: 'user', content: 'stream this' }],
	});
	let text = '', usage = null, finish = null;
	for await (const c of s) {
		if (c.choices.length) {
			text += c.choices[0].delta.content || '';
			finish = c.choices[0].finish_reason || finish;
		}
		if (c.usage)
			usage = c.usage;
	}
	check('openai: stream text', text === 'echo: stream this', text);
	check('openai: stream finish_reason', finish === 'stop', finish);
	check('openai: stream usage', usage && usage.total_tokens > 0, JSON.stringify(usage));
});

async function oaiError(name, key, cls, status) {
	await step(name, async () => {
		try {
			await oai(key).chat.completions.create({ model: 'gpt-4o-mini',
			    messages: [{ role: 'user', content: 'x' }] });
			check(name, false, 'no error');
		} catch (e) {
			check(name, e instanceof cls && e.status === status,
			    `${e && e.constructor && e.constructor.name} ${e && e.status}`);
		}
	});
}
await oaiError('openai: invalid key is an AuthenticationError', 'k1+invalid', OpenAI.AuthenticationError, 401);
await oaiError('openai: rate limit is a RateLimitError', 'k2+rpm=0', OpenAI.RateLimitError, 429);
await oaiError('openai: 500 is an InternalServerError', 'k3+status=500', OpenAI.InternalServerError, 500);

const gem = (key) => new GoogleGenAI({ apiKey: key, httpOptions: { baseUrl: SIM, timeout: 20000 } });

await step('gemini: whole answer', async () => {
	const r = await gem('good1').models.generateContent({
		model: 'gemini-2.5-flash', contents: 'hello there',
		config: { systemInstruction: 'be brief' },
	});
	check('gemini: whole answer', r.text === 'echo: hello there', JSON.stringify(r));
	check('gemini: usage', r.usageMetadata && r.usageMetadata.promptTokenCount > 0,
	    JSON.stringify(r.usageMetadata));
});

await step('gemini: stream', async () => {
	const s = await gem('good1').models.generateContentStream({
		model: 'gemini-2.5-flash', contents: 'stream this',
	});
	let text = '', n = 0;
	for await (const c of s) {
		n++;
		text += c.text || '';
	}
	check('gemini: stream text', text === 'echo: stream this', text);
	check('gemini: stream in several chunks', n >= 2, n);
});

async function gemError(name, key, status) {
	await step(name, async () => {
		try {
			await gem(key).models.generateContent({ model: 'gemini-2.5-flash', contents: 'x' });
			check(name, false, 'no error');
		} catch (e) {
			check(name, e instanceof ApiError && e.status === status,
			    `${e && e.constructor && e.constructor.name} ${e && e.status} ${e && e.message}`);
		}
	});
}
await gemError('gemini: invalid key is an ApiError 400', 'k4+invalid', 400);
await gemError('gemini: rate limit is an ApiError 429', 'k5+rpm=0', 429);
await gemError('gemini: overload is an ApiError 503', 'k6+overload', 503);
