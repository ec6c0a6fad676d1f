// llm-sim's tool calls through the official openai and @google/genai
// clients (run by tests/0210-sim-tools-sdks.t): the streamed OpenAI chunks
// must be what the openai client's stream helper assembles into whole
// calls, parallel ones included; Gemini's functionCall parts what the
// genai client reads as functionCalls, whole and streamed; the tool results
// come back as text. Prints "PASS name" / "FAIL name: why".
// Environment: SIM (the simulator's base URL).
import OpenAI from 'openai';
import { GoogleGenAI } from '@google/genai';
import { check, step } from './check.mjs';

const SIM = process.env.SIM;
const oai = new OpenAI({ baseURL: SIM + '/v1', apiKey: 'tools1', maxRetries: 0, timeout: 20000 });
const tools = [
	{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object',
		properties: { city: { type: 'string' } }, required: ['city'] } } },
	{ type: 'function', function: { name: 'add', parameters: { type: 'object',
		properties: { a: { type: 'number' }, b: { type: 'number' } } } } },
];
const ask = 'CALL get_weather {"city":"Paris"}\nCALL add {"a":1,"b":2}';
const want = JSON.stringify([['get_weather', { city: 'Paris' }], ['add', { a: 1, b: 2 }]]);
const calls = (m) => JSON.stringify((m.tool_calls || []).map((c) => [c.function.name,
	JSON.parse(c.function.arguments)]));

await step('openai: streamed calls', async () => {
	const messages = [{ role: 'user', content: ask }];
	const s = oai.beta.chat.completions.stream({ model: 'gpt-4o-mini', messages, tools,
		stream_options: { include_usage: true } });
	const done = await s.finalChatCompletion();
	const msg = done.choices[0].message;
	check('openai: streamed calls assembled', calls(msg) === want, JSON.stringify(msg));
	check('openai: streamed finish_reason tool_calls', done.choices[0].finish_reason === 'tool_calls',
	    done.choices[0].finish_reason);
	check('openai: streamed call ids', msg.tool_calls[0].id === 'call_sim_get_weather' &&
	    msg.tool_calls[1].id === 'call_sim_add_1', JSON.stringify(msg.tool_calls));
	messages.push(msg);
	for (const c of msg.tool_calls)
		messages.push({ role: 'tool', tool_call_id: c.id, content: c.function.name === 'add' ? '3' : 'sunny' });
	const t = oai.beta.chat.completions.stream({ model: 'gpt-4o-mini', messages, tools });
	const last = await t.finalChatCompletion();
	check('openai: streamed text from the results', last.choices[0].message.content ===
	    'tool said: sunny\ntool said: 3', JSON.stringify(last.choices[0]));
});

await step('openai: whole calls', async () => {
	const r = await oai.chat.completions.create({ model: 'gpt-4o-mini', tools,
		messages: [{ role: 'user', content: ask }] });
	check('openai: whole calls', calls(r.choices[0].message) === want, JSON.stringify(r.choices[0]));
});

const gem = new GoogleGenAI({ apiKey: 'tools2', httpOptions: { baseUrl: SIM } });
const fdecl = [{ functionDeclarations: [
	{ name: 'get_weather', parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } } } },
	{ name: 'add', parameters: { type: 'OBJECT', properties: { a: { type: 'NUMBER' }, b: { type: 'NUMBER' } } } },
] }];
const gcalls = (fc) => JSON.stringify((fc || []).map((c) => [c.name, c.args]));

await step('gemini: whole calls', async () => {
	const r = await gem.models.generateContent({ model: 'gemini-2.5-flash', contents: ask,
		config: { tools: fdecl } });
	check('gemini: whole calls', gcalls(r.functionCalls) === want, JSON.stringify(r));
});

await step('gemini: streamed calls', async () => {
	const s = await gem.models.generateContentStream({ model: 'gemini-2.5-flash', contents: ask,
		config: { tools: fdecl } });
	let all = [];
	for await (const c of s)
		all = all.concat(c.functionCalls || []);
	check('gemini: streamed calls', gcalls(all) === want, JSON.stringify(all));
});

await step('gemini: results', async () => {
	const r = await gem.models.generateContent({ model: 'gemini-2.5-flash', config: { tools: fdecl },
		contents: [{ role: 'user', parts: [{ text: ask }] },
			{ role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }] },
			{ role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { output: 'sunny' } } }] }] });
	check('gemini: text from the result', r.text === 'tool said: sunny', JSON.stringify(r));
});
