// llm-sim's embeddings through the official clients (run by
// tests/0422-sim-embed-sdks.t): @google/genai's embedContent (one content
// and several) and openai's embeddings.create (float and base64). Prints
// "PASS name" or "FAIL name: why". Environment: SIM (base URL).
import OpenAI from 'openai';
import { GoogleGenAI } from '@google/genai';
import { check, step } from './check.mjs';

const SIM = process.env.SIM;
const ai = new GoogleGenAI({ apiKey: 'k1', httpOptions: { baseUrl: SIM, timeout: 20000 } });
const oa = new OpenAI({ baseURL: SIM + '/v1', apiKey: 'k1', maxRetries: 0, timeout: 20000 });

await step('genai embedContent', async () => {
	const r = await ai.models.embedContent({ model: 'text-embedding-004', contents: ['alpha', 'beta', 'gamma'],
	    config: { outputDimensionality: 5, taskType: 'RETRIEVAL_DOCUMENT' } });
	check('genai embedContent: three embeddings of 5 values', r.embeddings.length === 3 &&
	    r.embeddings.every((e) => e.values.length === 5), JSON.stringify(r));
	const one = await ai.models.embedContent({ model: 'text-embedding-004', contents: 'beta',
	    config: { outputDimensionality: 5 } });
	check('genai embedContent: one content is the same vector as in the batch',
	    JSON.stringify(one.embeddings[0].values) === JSON.stringify(r.embeddings[1].values), JSON.stringify(one));
	const norm = r.embeddings[0].values.reduce((s, x) => s + x * x, 0);
	check('genai embedContent: a unit vector', Math.abs(norm - 1) < 1e-5, String(norm));
});

await step('openai embeddings.create', async () => {
	const b = await oa.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta'], dimensions: 6 });
	const f = await oa.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta'], dimensions: 6,
	    encoding_format: 'float' });
	check('openai embeddings.create: base64 and float agree', f.data.length === 2 && f.data[0].embedding.length === 6 &&
	    JSON.stringify(b.data.map((d) => d.embedding)) === JSON.stringify(f.data.map((d) => d.embedding)),
	    JSON.stringify([b, f]));
	check('openai embeddings.create: usage', f.usage.prompt_tokens > 0, JSON.stringify(f.usage));
});
