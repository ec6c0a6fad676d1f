// Function tools through llm-serve with the official clients (run by
// tests/0722-serve-tools-sdks.t): a tool round trip (call, result, text),
// whole and streamed, on each wire: openai chat.completions, openai
// responses.create, @anthropic-ai/sdk messages.create. Prints "PASS name" /
// "FAIL name: why". Environment: SRV (base URL), TOKEN (bearer token).
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { check, step } from './check.mjs';

const openai = new OpenAI({ baseURL: process.env.SRV + '/v1', apiKey: process.env.TOKEN,
	maxRetries: 0, timeout: 20000 });
const anthropic = new Anthropic({ baseURL: process.env.SRV, apiKey: process.env.TOKEN,
	maxRetries: 0, timeout: 20000 });
const ask = 'CALL write_file {"path":"a.txt","text":"hi"}';
const params = { type: 'object', properties: { path: { type: 'string' }, text: { type: 'string' } },
	required: ['path', 'text'] };

// ---- chat completions, streamed
await step('chat stream', async () => {
	const tools = [{ type: 'function', function: { name: 'write_file', description: 'writes a file',
		parameters: params } }];
	const messages = [{ role: 'user', content: ask }];
	const stream = await openai.chat.completions.create({ model: 'm1', messages, tools, stream: true });
	const calls = [];
	let finish = null, content = '';
	for await (const chunk of stream) {
		const c = chunk.choices[0];
		if (!c)
			continue;
		content += c.delta.content || '';
		for (const tc of c.delta.tool_calls || []) {
			calls[tc.index] ??= { id: '', name: '', arguments: '' };
			if (tc.id) calls[tc.index].id = tc.id;
			if (tc.function?.name) calls[tc.index].name += tc.function.name;
			if (tc.function?.arguments) calls[tc.index].arguments += tc.function.arguments;
		}
		if (c.finish_reason)
			finish = c.finish_reason;
	}
	check('chat stream: finish_reason tool_calls', finish === 'tool_calls', finish);
	check('chat stream: the call assembled from its deltas', calls.length === 1 &&
	    calls[0].name === 'write_file' && JSON.parse(calls[0].arguments).text === 'hi' && content === '',
	    JSON.stringify(calls));
	// the client's own helper assembles the same
	const helper = openai.beta.chat.completions.stream({ model: 'm1', messages, tools });
	const final = await helper.finalChatCompletion();
	const fc = final.choices[0].message.tool_calls?.[0];
	check('chat stream: the client helper assembles the call', fc?.function.name === 'write_file' &&
	    fc.function.arguments === calls[0].arguments && fc.id === calls[0].id, JSON.stringify(final.choices[0]));
	messages.push({ role: 'assistant', content: null, tool_calls: [{ id: calls[0].id, type: 'function',
		function: { name: calls[0].name, arguments: calls[0].arguments } }] });
	messages.push({ role: 'tool', tool_call_id: calls[0].id, content: 'wrote 2 bytes' });
	const s2 = await openai.chat.completions.create({ model: 'm1', messages, tools, stream: true });
	let text = '', f2 = null;
	for await (const chunk of s2) {
		text += chunk.choices[0]?.delta.content || '';
		f2 = chunk.choices[0]?.finish_reason || f2;
	}
	check('chat stream: the result answered with text', text === 'tool said: wrote 2 bytes' && f2 === 'stop',
	    `${text} ${f2}`);
});

// ---- responses, whole and streamed
const rtools = [{ type: 'function', name: 'write_file', description: 'writes a file', parameters: params,
	strict: false }];
await step('responses whole', async () => {
	const first = await openai.responses.create({ model: 'gpt-5', input: ask, tools: rtools });
	const call = first.output.find((o) => o.type === 'function_call');
	check('responses whole: a function_call item', call && call.name === 'write_file' &&
	    JSON.parse(call.arguments).text === 'hi' && call.call_id && first.output_text === '',
	    JSON.stringify(first.output));
	check('responses whole: tools echoed', first.tools.length === 1 && first.tools[0].name === 'write_file',
	    JSON.stringify(first.tools));
	const second = await openai.responses.create({ model: 'gpt-5', tools: rtools, input: [
		{ role: 'user', content: ask }, call,
		{ type: 'function_call_output', call_id: call.call_id, output: 'wrote 2 bytes' }] });
	check('responses whole: the result answered with text', second.output_text === 'tool said: wrote 2 bytes',
	    JSON.stringify(second.output));
});

await step('responses stream', async () => {
	const stream = await openai.responses.create({ model: 'gpt-5', input: ask, tools: rtools, stream: true });
	const types = [];
	let args = '', done = null, seqok = true;
	for await (const ev of stream) {
		seqok &&= ev.sequence_number === types.length;
		types.push(ev.type);
		if (ev.type === 'response.function_call_arguments.delta')
			args += ev.delta;
		if (ev.type === 'response.completed')
			done = ev.response;
	}
	check('responses stream: event order', types.join(',') === 'response.created,response.in_progress,' +
	    'response.output_item.added,response.function_call_arguments.delta,' +
	    'response.function_call_arguments.done,response.output_item.done,response.completed', types.join(','));
	check('responses stream: sequence numbers', seqok, types.length);
	const call = done?.output?.[0];
	check('responses stream: the call', call?.type === 'function_call' && call.arguments === args &&
	    JSON.parse(args).path === 'a.txt', JSON.stringify(done?.output));
	const s2 = await openai.responses.create({ model: 'gpt-5', tools: rtools, stream: true, input: [
		{ role: 'user', content: ask }, call,
		{ type: 'function_call_output', call_id: call.call_id, output: 'wrote 2 bytes' }] });
	let text = '';
	for await (const ev of s2)
		if (ev.type === 'response.output_text.delta')
			text += ev.delta;
	check('responses stream: the result answered with text', text === 'tool said: wrote 2 bytes', text);
});

// ---- anthropic messages, whole and streamed
const atools = [{ name: 'write_file', description: 'writes a file', input_schema: params }];
await step('anthropic whole', async () => {
	const messages = [{ role: 'user', content: ask }];
	const first = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100,
		tools: atools, tool_choice: { type: 'auto' }, messages });
	const use = first.content.find((b) => b.type === 'tool_use');
	check('anthropic whole: a tool_use block, stop_reason tool_use', first.stop_reason === 'tool_use' &&
	    use?.name === 'write_file' && use.input.text === 'hi', JSON.stringify(first));
	messages.push({ role: 'assistant', content: first.content });
	messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id,
		content: [{ type: 'text', text: 'wrote 2 bytes' }] }] });
	const second = await anthropic.messages.create({ model: 'claude-sonnet-4-5', max_tokens: 100,
		tools: atools, messages });
	check('anthropic whole: the result answered with text', second.stop_reason === 'end_turn' &&
	    second.content[0].text === 'tool said: wrote 2 bytes', JSON.stringify(second.content));
});

await step('anthropic stream', async () => {
	const messages = [{ role: 'user', content: [{ type: 'text', text: ask }] }];
	const stream = anthropic.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 100,
		tools: atools, tool_choice: { type: 'any' }, messages });
	let json = '';
	stream.on('inputJson', (delta) => { json += delta; });
	const msg = await stream.finalMessage();
	const use = msg.content.find((b) => b.type === 'tool_use');
	check('anthropic stream: the tool_use block assembled', msg.stop_reason === 'tool_use' &&
	    use?.name === 'write_file' && use.input.path === 'a.txt' && JSON.parse(json).text === 'hi',
	    JSON.stringify(msg));
	messages.push({ role: 'assistant', content: msg.content });
	messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: 'disk full',
		is_error: true }] });
	const s2 = anthropic.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 100, tools: atools, messages });
	const m2 = await s2.finalMessage();
	check('anthropic stream: an error result answered with text', m2.stop_reason === 'end_turn' &&
	    m2.content[0].text === 'tool said: Error: disk full', JSON.stringify(m2.content));
});
