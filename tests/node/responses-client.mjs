// llm-serve's /v1/responses seen through the official openai client (run
// by tests/0713-serve-sdks.t). Prints one "PASS name" or "FAIL name: why"
// line per check. Environment: SRV (base URL), TOKEN.
import OpenAI from 'openai';
import { check, step } from './check.mjs';

const client = new OpenAI({ baseURL: process.env.SRV + '/v1', apiKey: process.env.TOKEN, maxRetries: 0,
	timeout: 20000 });

await step('responses whole', async () => {
	const { data, response } = await client.responses.create({
		model: 'gpt-5',
		instructions: 'be brief',
		input: 'hello',
		max_output_tokens: 40,
		store: false,
	}).withResponse();
	check('responses whole: output_text', data.output_text === 'echo: hello', JSON.stringify(data.output));
	check('responses whole: status', data.status === 'completed' && data.object === 'response', data.status);
	check('responses whole: usage', data.usage.total_tokens === data.usage.input_tokens + data.usage.output_tokens &&
	    data.usage.output_tokens > 0, JSON.stringify(data.usage));
	check('responses whole: instructions echoed', data.instructions === 'be brief', data.instructions);
	check('responses whole: failover', response.headers.get('x-manyllm-attempts') === '2',
	    response.headers.get('x-manyllm-attempts'));
});

await step('responses stream', async () => {
	const stream = await client.responses.create({
		model: 'gpt-5-mini',
		input: [{ role: 'user', content: [{ type: 'input_text', text: 'stream this please' }] }],
		stream: true,
	});
	const types = [];
	let text = '', done = null, seqok = true;
	for await (const ev of stream) {
		if (ev.sequence_number !== types.length)
			seqok = false;
		types.push(ev.type);
		if (ev.type === 'response.output_text.delta')
			text += ev.delta;
		if (ev.type === 'response.completed')
			done = ev.response;
	}
	check('responses stream: text', text === 'echo: stream this please', text);
	check('responses stream: completed response', done && done.output[0].content[0].text === text, JSON.stringify(done));
	const want = ['response.created', 'response.in_progress', 'response.output_item.added',
		'response.content_part.added'];
	const tail = ['response.output_text.done', 'response.content_part.done', 'response.output_item.done',
		'response.completed'];
	check('responses stream: event order', want.every((t, i) => types[i] === t) &&
	    tail.every((t, i) => types[types.length - 4 + i] === t), types.join(','));
	check('responses stream: sequence numbers', seqok, types.length);
});

await step('responses errors', async () => {
	try {
		await client.responses.create({ model: 'gpt-5', input: 'x', previous_response_id: 'resp_123' });
		check('responses previous_response_id: BadRequestError', false, 'no error');
	} catch (e) {
		check('responses previous_response_id: BadRequestError', e instanceof OpenAI.BadRequestError &&
		    /previous_response_id/.test(e.message), `${e.constructor.name} ${e.message}`);
	}
	try {
		await client.responses.create({ model: 'gpt-5', input: 'x',
			tools: [{ type: 'web_search' }] });
		check('responses web_search tool: BadRequestError', false, 'no error');
	} catch (e) {
		check('responses web_search tool: BadRequestError', e instanceof OpenAI.BadRequestError &&
		    /tools\[0\]\.type: web_search tools are not supported/.test(e.message),
		    `${e.constructor.name} ${e.message}`);
	}
});
