// openapi-check.mjs — validates JSON bodies against OpenAI's published
// OpenAPI document (tests/spec/openai-openapi-subset.json) with ajv, an
// independent validator (run by tests/0530-openapi.t).
// Environment: SPEC (the document), ITEMS (a file) holding one JSON object
// a line: {"name": str, "schema": NAME, "body": value}, NAME a schema of components.schemas. One "PASS name" or "FAIL name: why" line each.
import { readFileSync } from 'node:fs';
import Ajv2020 from 'ajv/dist/2020.js';
import { check } from './check.mjs';

const spec = process.env.SPEC, items = process.env.ITEMS;
const doc = JSON.parse(readFileSync(spec, 'utf8'));
// the document's schemas are JSON Schema 2020-12 (OpenAPI 3.1) with a few
// annotations of OpenAPI's and the generator's own (nullable, discriminator,
// x-stainless-*): annotations, not constraints
// The document says OpenAPI 3.1 but still marks some schemas with 3.0's
// "nullable: true" (null allowed too, whatever the enum or $ref says); read
// as the 3.1 form it stands for: {anyOf: [schema, {type: "null"}]}
function nullable(x) {
	if (Array.isArray(x))
		return x.map(nullable);
	if (!x || typeof x !== 'object')
		return x;
	const o = {};
	for (const [k, v] of Object.entries(x))
		o[k] = k === 'properties' || k === 'schemas' ?
		    Object.fromEntries(Object.entries(v).map(([n, s]) => [n, nullable(s)])) : nullable(v);
	if (!('nullable' in o))
		return o;
	const n = o.nullable;
	delete o.nullable;
	return n === true ? { anyOf: [o, { type: 'null' }] } : o;
}
doc.components = nullable(doc.components);
const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
ajv.addKeyword({ keyword: 'discriminator' });
ajv.addSchema({ $id: 'openai', components: doc.components }, 'openai');

const cache = new Map();
function validator(name) {
	if (!cache.has(name)) {
		if (!doc.components.schemas[name])
			throw new Error(`no schema ${name} in the document`);
		cache.set(name, ajv.getSchema(`openai#/components/schemas/${name}`));
	}
	return cache.get(name);
}

let n = 0;
for (const line of readFileSync(items, 'utf8').split('\n')) {
	if (!line.trim())
		continue;
	const it = JSON.parse(line);
	const v = validator(it.schema);
	const ok = v(it.body);
	n++;
	check(`${it.name} is a valid ${it.schema}`, ok,
	    ok ? '' : ajv.errorsText(v.errors.slice(0, 4), { dataVar: 'body' }) + ' in ' +
	    JSON.stringify(it.body).slice(0, 300));
}
check('items were checked', n > 0, 'none');
