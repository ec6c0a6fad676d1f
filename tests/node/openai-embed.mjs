// llm-serve's POST /v1/embeddings seen through the official openai client
// (run by tests/0710-serve-embed.t): the client's default (base64, decoded
// by the client) and "float" give the same vectors, in input order, with
// the dimensions asked. Environment: SRV (base URL), TOKEN (bearer token).
import OpenAI from 'openai';
import { check, step } from './check.mjs';

const client = new OpenAI({ baseURL: process.env.SRV + '/v1', apiKey: process.env.TOKEN, maxRetries: 0, timeout: 20000 });

await step('embeddings', async () => {
	const b = await client.embeddings.create({ model: 'text-embedding-004', input: ['alpha', 'beta'], dimensions: 4 });
	const f = await client.embeddings.create({ model: 'text-embedding-004', input: ['alpha', 'beta'], dimensions: 4,
	    encoding_format: 'float' });
	check('embeddings: two vectors of 4', b.data.length === 2 && b.data.every((d) => d.embedding.length === 4),
	    JSON.stringify(b.data));
	check('embeddings: indexes in order', b.data[0].index === 0 && b.data[1].index === 1, JSON.stringify(b.data));
	check('embeddings: base64 and float agree', JSON.stringify(b.data.map((d) => d.embedding)) ===
	    JSON.stringify(f.data.map((d) => d.embedding)), JSON.stringify([b.data, f.data]));
	check('embeddings: the two inputs differ', JSON.stringify(f.data[0].embedding) !== JSON.stringify(f.data[1].embedding), '');
	check('embeddings: model named', f.model === 'text-embedding-004', f.model);
	const one = await client.embeddings.create({ model: 'text-embedding-004', input: 'beta', dimensions: 4,
	    encoding_format: 'float' });
	check('embeddings: a string input is the same text\'s vector',
	    JSON.stringify(one.data[0].embedding) === JSON.stringify(f.data[1].embedding), JSON.stringify(one.data));
});
