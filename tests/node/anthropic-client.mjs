// llm-serve's /v1/messages seen through the official @anthropic-ai/sdk
// client (run by tests/0713-serve-sdks.t). Prints one "PASS name" or
// "FAIL name: why" line per check. Environment: SRV (base URL), TOKEN.
import Anthropic from '@anthropic-ai/sdk';
import { check, step } from './check.mjs';

const client = new Anthropic({ baseURL: process.env.SRV, apiKey: process.env.TOKEN, maxRetries: 0,
	timeout: 20000 });

await step('anthropic whole', async () => {
	const { data, response } = await client.messages.create({
		model: 'claude-sonnet-4-5',
		max_tokens: 50,
		system: 'be brief',
		messages: [{ role: 'user', content: 'hello' }],
	}).withResponse();
	check('anthropic whole: text', data.content.length === 1 && data.content[0].type === 'text' &&
	    data.content[0].text === 'echo: hello', JSON.stringify(data.content));
	check('anthropic whole: stop_reason', data.stop_reason === 'end_turn', data.stop_reason);
	check('anthropic whole: model echoed', data.model === 'claude-sonnet-4-5', data.model);
	check('anthropic whole: usage', data.usage.input_tokens > 0 && data.usage.output_tokens > 0,
	    JSON.stringify(data.usage));
	check('anthropic whole: failover', response.headers.get('x-manyllm-attempts') === '2' &&
	    response.headers.get('x-manyllm-entry') === 'openai-2:m1',
	    `${response.headers.get('x-manyllm-attempts')} ${response.headers.get('x-manyllm-entry')}`);
});

await step('anthropic stream', async () => {
	const stream = client.messages.stream({
		model: 'claude-haiku-4-5',
		max_tokens: 50,
		messages: [{ role: 'user', content: [{ type: 'text', text: 'stream this please' }] }],
	});
	const types = [];
	let text = '';
	stream.on('streamEvent', (ev) => types.push(ev.type));
	stream.on('text', (t) => { text += t; });
	const msg = await stream.finalMessage();
	check('anthropic stream: text', text === 'echo: stream this please', text);
	check('anthropic stream: final message', msg.content[0].text === text && msg.stop_reason === 'end_turn',
	    JSON.stringify(msg));
	check('anthropic stream: event order', types[0] === 'message_start' && types[1] === 'content_block_start' &&
	    types.at(-3) === 'content_block_stop' && types.at(-2) === 'message_delta' &&
	    types.at(-1) === 'message_stop', types.join(','));
});

await step('anthropic raw stream', async () => {
	const stream = await client.messages.create({
		model: 'claude-haiku-4-5', max_tokens: 50, stream: true,
		messages: [{ role: 'user', content: 'raw events' }],
	});
	let text = '';
	for await (const ev of stream)
		if (ev.type === 'content_block_delta' && ev.delta.type === 'text_delta')
			text += ev.delta.text;
	check('anthropic raw stream: text', text === 'echo: raw events', text);
});

await step('anthropic stop_sequences', async () => {
	const r = await client.messages.create({
		model: 'claude-sonnet-4-5', max_tokens: 20, stop_sequences: ['STOP', 'END'], top_p: 0.5,
		messages: [{ role: 'user', content: 'sampled' }],
	});
	check('anthropic stop_sequences: answered', r.content[0].text === 'echo: sampled' &&
	    r.stop_reason === 'end_turn' && r.stop_sequence === null, JSON.stringify(r));
	const stream = client.messages.stream({
		model: 'claude-haiku-4-5', max_tokens: 20, stop_sequences: ['STOP'],
		messages: [{ role: 'user', content: 'sampled stream' }],
	});
	const msg = await stream.finalMessage();
	check('anthropic stop_sequences: streamed', msg.content[0].text === 'echo: sampled stream' &&
	    msg.stop_reason === 'end_turn' && msg.stop_sequence === null, JSON.stringify(msg));
	try {
		await client.messages.create({ model: 'claude-x', max_tokens: 20, top_k: 5,
			messages: [{ role: 'user', content: 'x' }] });
		check('anthropic top_k to OpenAI-compatible entries: BadRequestError', false, 'no error');
	} catch (e) {
		check('anthropic top_k to OpenAI-compatible entries: BadRequestError', e instanceof Anthropic.BadRequestError &&
		    /unsupported parameter top_k: openai does not take it/.test(e.error?.error?.message),
		    `${e.constructor.name} ${JSON.stringify(e.error)}`);
	}
});

await step('anthropic countTokens', async () => {
	const r = await client.messages.countTokens({
		model: 'claude-sonnet-4-5',
		system: 'be brief',
		messages: [{ role: 'user', content: 'count these words please' }],
	});
	check('anthropic countTokens: a positive estimate', Number.isInteger(r.input_tokens) && r.input_tokens > 0,
	    JSON.stringify(r));
});

await step('anthropic beta', async () => {
	const r = await client.beta.messages.create({
		model: 'claude-sonnet-4-5', max_tokens: 20, betas: ['some-future-feature-2099-01-01'],
		messages: [{ role: 'user', content: 'beta' }],
	});
	check('anthropic beta: unknown beta ignored, ?beta=true accepted', r.content[0].text === 'echo: beta',
	    JSON.stringify(r.content));
});

await step('anthropic errors', async () => {
	try {
		await client.messages.create({ model: 'claude-x', max_tokens: 20,
			tools: [{ type: 'web_search_20250305', name: 'web_search' }],
			messages: [{ role: 'user', content: 'x' }] });
		check('anthropic server tool: BadRequestError', false, 'no error');
	} catch (e) {
		check('anthropic server tool: BadRequestError', e instanceof Anthropic.BadRequestError &&
		    e.error?.error?.type === 'invalid_request_error' &&
		    /web_search_20250305 tools are not supported/.test(e.error?.error?.message),
		    `${e.constructor.name} ${JSON.stringify(e.error)}`);
	}
	const bad = new Anthropic({ baseURL: process.env.SRV, apiKey: 'wrong', maxRetries: 0 });
	try {
		await bad.messages.create({ model: 'claude-x', max_tokens: 20, messages: [{ role: 'user', content: 'x' }] });
		check('anthropic bad key: AuthenticationError', false, 'no error');
	} catch (e) {
		check('anthropic bad key: AuthenticationError', e instanceof Anthropic.AuthenticationError &&
		    e.error?.error?.type === 'authentication_error', `${e.constructor.name} ${JSON.stringify(e.error)}`);
	}
	try {
		await client.messages.create({ model: 'unmapped', max_tokens: 20, messages: [{ role: 'user', content: 'x' }] });
		check('anthropic unknown model: NotFoundError', false, 'no error');
	} catch (e) {
		check('anthropic unknown model: NotFoundError', e instanceof Anthropic.NotFoundError &&
		    /--model-map/.test(e.error?.error?.message), `${e.constructor.name} ${JSON.stringify(e.error)}`);
	}
});
