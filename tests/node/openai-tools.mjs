// llm-serve's function tools and sampling parameters seen through the
// official openai client (run by tests/0720-serve-tools-openai.t): a tool
// round trip (call, result, text), the parameters accepted, and a refused
// one as the client's BadRequestError. Prints "PASS name" / "FAIL name: why".
// Environment: SRV (base URL), TOKEN (bearer token).
import OpenAI from 'openai';
import { check, step } from './check.mjs';

const client = new OpenAI({ baseURL: process.env.SRV + '/v1', apiKey: process.env.TOKEN,
	maxRetries: 0, timeout: 20000 });
const tools = [{ type: 'function', function: { name: 'write_file', description: 'writes a file',
	parameters: { type: 'object', properties: { path: { type: 'string' }, text: { type: 'string' } },
		required: ['path', 'text'] } } }];
const messages = [{ role: 'user', content: 'CALL write_file {"path":"a.txt","text":"hi"}' }];

await step('tool round trip', async () => {
	const first = await client.chat.completions.create({ model: 'm1', messages, tools, tool_choice: 'auto' });
	const msg = first.choices[0].message, call = msg.tool_calls && msg.tool_calls[0];
	check('call: finish_reason tool_calls', first.choices[0].finish_reason === 'tool_calls',
	    first.choices[0].finish_reason);
	check('call: the function and its arguments', call && call.type === 'function' &&
	    call.function.name === 'write_file' && JSON.parse(call.function.arguments).text === 'hi',
	    JSON.stringify(msg));
	messages.push(msg);
	messages.push({ role: 'tool', tool_call_id: call.id, content: 'wrote 2 bytes' });
	const second = await client.chat.completions.create({ model: 'm1', messages, tools });
	check('result: the text', second.choices[0].message.content === 'tool said: wrote 2 bytes',
	    JSON.stringify(second.choices[0]));
	check('result: finish_reason stop', second.choices[0].finish_reason === 'stop',
	    second.choices[0].finish_reason);
});

await step('parameters', async () => {
	const r = await client.chat.completions.create({ model: 'm1',
		messages: [{ role: 'user', content: 'params' }], stop: ['END'], top_p: 0.5, seed: 3,
		presence_penalty: 0.5, frequency_penalty: 0.25, user: 'someone', max_completion_tokens: 16, n: 1 });
	check('parameters: accepted', r.choices[0].message.content === 'echo: params', JSON.stringify(r));
});

await step('refused', async () => {
	try {
		await client.chat.completions.create({ model: 'm1', messages: [{ role: 'user', content: 'x' }],
			logit_bias: { '50256': -100 } });
		check('refused: BadRequestError naming logit_bias', false, 'no error');
	} catch (e) {
		check('refused: BadRequestError naming logit_bias', e instanceof OpenAI.BadRequestError &&
		    /logit_bias/.test(e.message), `${e.constructor.name}: ${e.message}`);
	}
});
