// openai-client.mjs — the official openai npm client, pointed at llm-serve:
// the whole pool behind one OpenAI-compatible endpoint, failover included.
//
//   llm-serve --listen 127.0.0.1:8080 &          # LLM_SERVE_TOKENS=secret to require a token
//   npm install openai
//   MANYLLM_URL=http://127.0.0.1:8080/v1 MANYLLM_TOKEN=secret node openai-client.mjs [QUESTION]
//
// Asks QUESTION twice, once whole and once streamed, with the model "auto"
// (any entry of the pool; a model name or glob picks entries), and prints
// the answers and which entry answered (the X-ManyLLM-Entry header).
import OpenAI from 'openai';

const client = new OpenAI({
	baseURL: process.env.MANYLLM_URL || 'http://127.0.0.1:8080/v1',
	apiKey: process.env.MANYLLM_TOKEN || 'none',  // llm-serve without tokens accepts any
	maxRetries: 2,                                 // llm-serve already fails over inside
	timeout: 120000,
});
const model = process.env.MANYLLM_MODEL || 'auto';
const question = process.argv.slice(2).join(' ') || 'What is a Unix pipe?';
const messages = [
	{ role: 'system', content: 'Answer in one sentence.' },
	{ role: 'user', content: question },
];

try {
	const { data, response } = await client.chat.completions.create({ model, messages }).withResponse();
	console.log(`whole: ${data.choices[0].message.content}`);
	console.log(`entry: ${response.headers.get('x-manyllm-entry')}`);
	console.log(`tokens: ${data.usage ? data.usage.total_tokens : '?'}`);

	const stream = await client.chat.completions.create({ model, messages, stream: true });
	let text = '';
	for await (const chunk of stream)
		text += chunk.choices[0]?.delta?.content || '';
	console.log(`streamed: ${text}`);
} catch (e) {
	if (e instanceof OpenAI.APIError)
		console.error(`openai-client: HTTP ${e.status}: ${e.message}`);
	else
		console.error(`openai-client: ${e}`);
	process.exit(1);
}
