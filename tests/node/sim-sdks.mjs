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

// ---- every other OpenAI-format answer through the openai client
const SCHEMA = { type: 'object', properties: { a: { type: 'integer' }, b: { type: ['string', 'null'] } },
	required: ['a', 'b'], additionalProperties: false };
await step('openai: structured output', async () => {
	const r = await oai('good1').chat.completions.create({
		model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'SIM-REPLY: {"a":1,"b":null}' }],
		response_format: { type: 'json_schema', json_schema: { name: 'out', strict: true, schema: SCHEMA } },
	});
	const v = JSON.parse(r.choices[0].message.content);
	check('openai: structured output', v.a === 1 && v.b === null, JSON.stringify(r));
});
await step('openai: a strict-mode break', async () => {
	try {
		await oai('good1').chat.completions.create({
			model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'x' }],
			response_format: { type: 'json_schema', json_schema: { name: 'out', strict: true,
			    schema: { type: 'object', properties: { a: { type: 'integer' } }, required: ['a'] } } },
		});
		check('openai: a strict-mode break is a BadRequestError', false, 'no error');
	} catch (e) {
		check('openai: a strict-mode break is a BadRequestError', e instanceof OpenAI.BadRequestError &&
		    e.status === 400 && e.param === 'response_format' && /additionalProperties/.test(e.message),
		    `${e && e.constructor && e.constructor.name} ${e && e.status} ${e && e.param} ${e && e.message}`);
	}
});
await step('openai: filtered answer', async () => {
	const r = await oai('good1+block').chat.completions.create({ model: 'gpt-4o-mini',
	    messages: [{ role: 'user', content: 'x' }] });
	check('openai: filtered answer', r.choices[0].finish_reason === 'content_filter', JSON.stringify(r));
});
await step('openai: filtered stream', async () => {
	const s = await oai('good1+block').chat.completions.create({ model: 'gpt-4o-mini', stream: true,
	    messages: [{ role: 'user', content: 'x' }] });
	let finish = null;
	for await (const c of s)
		if (c.choices.length)
			finish = c.choices[0].finish_reason || finish;
	check('openai: filtered stream', finish === 'content_filter', finish);
});
await step('openai: models', async () => {
	const ids = [];
	for await (const m of oai('good1').models.list())
		ids.push(m.id);
	check('openai: models', ids.includes('gpt-4o-mini'), JSON.stringify(ids));
});
for (const [path, name] of [['/v1beta/openai', 'Gemini'], ['/client/v4/accounts/a/ai/v1', 'Cloudflare']])
	await step(`openai: ${name}'s OpenAI-compatible answer`, async () => {
		const c = new OpenAI({ baseURL: SIM + path, apiKey: 'good1', maxRetries: 0, timeout: 20000 });
		const r = await c.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
		check(`openai: ${name}'s OpenAI-compatible answer`, r.choices[0].message.content === 'echo: hi',
		    JSON.stringify(r));
	});
await oaiError('openai: no credit is a RateLimitError', 'k7+credit', OpenAI.RateLimitError, 429);
await oaiError('openai: an unknown model is a NotFoundError', 'k8+model404', OpenAI.NotFoundError, 404);
await oaiError('openai: a long context is a BadRequestError', 'k9+context=0', OpenAI.BadRequestError, 400);
await oaiError('openai: overload is an InternalServerError', 'k10+overload', OpenAI.InternalServerError, 503);
await oaiError('openai: a simulated 400 is a BadRequestError', 'k11+status=400', OpenAI.BadRequestError, 400);

// ---- every other Gemini answer through @google/genai
await step('gemini: responseSchema', async () => {
	const r = await gem('good1').models.generateContent({
		model: 'gemini-2.5-flash', contents: 'SIM-REPLY: {"a":1}',
		config: { responseMimeType: 'application/json', responseSchema: { type: 'OBJECT',
		    properties: { a: { type: 'INTEGER' } }, required: ['a'], propertyOrdering: ['a'] } },
	});
	check('gemini: responseSchema', JSON.parse(r.text).a === 1, JSON.stringify(r));
});
await step('gemini: responseJsonSchema', async () => {
	const r = await gem('good1').models.generateContent({
		model: 'gemini-2.5-flash', contents: 'SIM-REPLY: {"a":1}',
		config: { responseMimeType: 'application/json', responseJsonSchema: { type: 'object',
		    properties: { a: { type: 'integer' } }, required: ['a'] } },
	});
	check('gemini: responseJsonSchema', JSON.parse(r.text).a === 1, JSON.stringify(r));
});
await step('gemini: blocked prompt', async () => {
	const r = await gem('good1+block').models.generateContent({ model: 'gemini-2.5-flash', contents: 'x' });
	check('gemini: blocked prompt', r.promptFeedback && r.promptFeedback.blockReason && !r.text,
	    JSON.stringify(r));
});
await step('gemini: blocked stream', async () => {
	const s = await gem('good1+block').models.generateContentStream({ model: 'gemini-2.5-flash', contents: 'x' });
	let reason = null;
	for await (const c of s)
		reason = (c.promptFeedback && c.promptFeedback.blockReason) ||
		    (c.candidates && c.candidates[0] && c.candidates[0].finishReason) || reason;
	check('gemini: blocked stream', reason === 'SAFETY' || reason === 'PROHIBITED_CONTENT', reason);
});
await step('gemini: models', async () => {
	const names = [];
	for await (const m of await gem('good1').models.list())
		names.push(m.name);
	check('gemini: models', names.some((n) => n.endsWith('gemini-2.5-flash')), JSON.stringify(names));
});
await gemError('gemini: daily quota is an ApiError 429', 'k12+rpd=0', 429);
await gemError('gemini: an unknown model is an ApiError 404', 'k13+model404', 404);
await gemError('gemini: a long context is an ApiError 400', 'k14+context=0', 400);
await gemError('gemini: a server error is an ApiError 500', 'k15+status=500', 500);
await step('gemini: a misspelt field is an ApiError 400', async () => {
	// the raw request path of the client: its own request, one field misspelt
	try {
		await gem('good1').models.generateContent({ model: 'gemini-2.5-flash', contents: 'x',
		    config: { httpOptions: { extraBody: { generationConfg: {} } } } });
		check('gemini: a misspelt field is an ApiError 400', false, 'no error');
	} catch (e) {
		check('gemini: a misspelt field is an ApiError 400', e instanceof ApiError && e.status === 400 &&
		    /Unknown name \\?"generationConfg/.test(e.message),
		    `${e && e.constructor && e.constructor.name} ${e && e.status} ${e && e.message}`);
	}
});
