// llm-serve seen through the official openai client (run by
// tests/0703-serve-openai.t). Prints one "PASS name" or "FAIL name: why"
// line per check. Environment: SRV (base URL), TOKEN (bearer token).
import OpenAI from 'openai';
import { check, step } from './check.mjs';

const baseURL = process.env.SRV + '/v1';
const client = new OpenAI({ baseURL, apiKey: process.env.TOKEN, maxRetries: 0, timeout: 20000 });

await step('whole answer', async () => {
	const { data, response } = await client.chat.completions.create({
		model: 'm1',
		messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: 'hello' }],
		temperature: 0.5,
		max_tokens: 20,
	}).withResponse();
	check('whole answer: text', data.choices[0].message.content === 'echo: hello', JSON.stringify(data));
	check('whole answer: finish_reason', data.choices[0].finish_reason === 'stop', data.choices[0].finish_reason);
	check('whole answer: usage', data.usage && data.usage.total_tokens > 0, JSON.stringify(data.usage));
	check('whole answer: X-ManyLLM-Entry', response.headers.get('x-manyllm-entry') === 'openai-1:m1',
	    response.headers.get('x-manyllm-entry'));
});

await step('streamed answer', async () => {
	const stream = await client.chat.completions.create({
		model: 'm1',
		stream: true,
		stream_options: { include_usage: true },
		messages: [{ role: 'user', content: 'stream this please' }],
	});
	let text = '', chunks = 0, usage = null, finish = null;
	for await (const chunk of stream) {
		chunks++;
		if (chunk.choices.length) {
			text += chunk.choices[0].delta.content || '';
			finish = chunk.choices[0].finish_reason || finish;
		}
		if (chunk.usage)
			usage = chunk.usage;
	}
	check('streamed answer: text', text === 'echo: stream this please', text);
	check('streamed answer: several chunks', chunks >= 3, chunks);
	check('streamed answer: finish_reason', finish === 'stop', finish);
	check('streamed answer: usage chunk', usage && usage.total_tokens > 0, JSON.stringify(usage));
});

await step('models', async () => {
	const ids = [];
	for await (const m of client.models.list())
		ids.push(m.id);
	check('models: list', ids.includes('auto') && ids.includes('m1'), ids.join(','));
});

await step('bad token', async () => {
	const bad = new OpenAI({ baseURL, apiKey: 'wrong', maxRetries: 0 });
	try {
		await bad.chat.completions.create({ model: 'm1', messages: [{ role: 'user', content: 'x' }] });
		check('bad token: AuthenticationError', false, 'no error');
	} catch (e) {
		check('bad token: AuthenticationError', e instanceof OpenAI.AuthenticationError && e.status === 401,
		    `${e.constructor.name} ${e.status}`);
		check('bad token: error code', e.code === 'invalid_api_key', e.code);
	}
});

await step('unknown model', async () => {
	try {
		await client.chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] });
		check('unknown model: NotFoundError', false, 'no error');
	} catch (e) {
		check('unknown model: NotFoundError', e instanceof OpenAI.NotFoundError, `${e.constructor.name} ${e.status}`);
	}
});

await step('rate limited', async () => {
	try {
		await client.chat.completions.create({ model: 'busy', messages: [{ role: 'user', content: 'x' }] });
		check('every entry cooling: RateLimitError', false, 'no error');
	} catch (e) {
		check('every entry cooling: RateLimitError', e instanceof OpenAI.RateLimitError && e.status === 429,
		    `${e.constructor.name} ${e.status}`);
		check('every entry cooling: Retry-After', Number(e.headers && e.headers['retry-after']) > 0,
		    JSON.stringify(e.headers));
	}
});

await step('broken stream', async () => {
	const stream = await client.chat.completions.create({
		model: 'cutmodel',
		stream: true,
		messages: [{ role: 'user', content: 'one two three four five six' }],
	});
	let text = '';
	try {
		for await (const chunk of stream)
			text += chunk.choices[0]?.delta?.content || '';
		check('broken stream: the client sees an error', false, `ended cleanly with "${text}"`);
	} catch (e) {
		check('broken stream: the client sees an error', e instanceof OpenAI.APIError, e.constructor.name);
		check('broken stream: after some text', text.length > 0, JSON.stringify(text));
	}
});
