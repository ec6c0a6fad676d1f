#!/usr/bin/env python3
"""Writes cases.ndjson: the llm-fmt corpus of messy model outputs.

One case per line: {"id", "schema", "input", "level", "repair", "multi",
"expect" (the JSON value) | "refuse" (a substring of the error line),
"diag" (optional: a repair/coerce code that must be reported)}.
Run: python3 tests/fmt-corpus/gen.py > tests/fmt-corpus/cases.ndjson
"""
import json
import sys

cases = []


def case(cid, schema, inp, expect=None, refuse=None, level="safe", repair="safe", multi=False, diag=None):
    c = {"id": cid, "schema": schema, "input": inp, "level": level, "repair": repair, "multi": multi}
    if refuse is not None:
        c["refuse"] = refuse
    else:
        c["expect"] = expect
    if diag:
        c["diag"] = diag
    cases.append(c)


P = "name, age int"
ADA = {"name": "Ada", "age": 36}
J = '{"name": "Ada", "age": 36}'

# 1. clean JSON, every level and tier
for lv in ("strict", "safe", "lenient"):
    for rp in ("none", "safe", "aggressive"):
        case(f"clean-{lv}-{rp}", P, J, ADA, level=lv, repair=rp)
case("clean-pretty", P, '{\n  "name": "Ada",\n  "age": 36\n}\n', ADA, repair="none")
case("clean-escapes", "s", r'{"s": "a\"b\\c\/d\n\t\u00e9\ud83d\ude00"}', {"s": "a\"b\\c/d\n\té😀"}, repair="none")

# 2. code fences
case("fence-json", P, "```json\n" + J + "\n```", ADA)
case("fence-bare", P, "```\n" + J + "\n```", ADA)
case("fence-upper", P, "```JSON\n" + J + "\n```", ADA)
case("fence-tilde", P, "~~~json\n" + J + "\n~~~", ADA)
case("fence-prose", P, "Here is the result:\n\n```json\n" + J + "\n```\n\nLet me know!", ADA)
case("fence-unclosed", P, "```json\n" + J + "\n", ADA)
case("fence-indented", P, "Result:\n    ```json\n    " + J + "\n    ```", ADA)
case("fence-two-second-valid", P, "```json\n{\"name\": \"Ada\"}\n```\nCorrected:\n```json\n" + J + "\n```", ADA)
case("fence-python", P, "```python\n{'name': 'Ada', 'age': 36}\n```", ADA, diag="single_quote")
case("fence-jsonc", P, "```jsonc\n{\"name\": \"Ada\", // the name\n \"age\": 36}\n```", ADA, diag="comment")
case("fence-4backticks", P, "````json\n" + J + "\n````", ADA)
case("fence-strict-tier-none", P, "```json\n" + J + "\n```", ADA, repair="none")
case("fence-array-multi", P, "```json\n[" + J + ", {\"name\": \"Bob\", \"age\": 5}]\n```", [ADA, {"name": "Bob", "age": 5}], multi=True)
case("fence-only-prose", P, "```\nI cannot answer that.\n```", refuse="no JSON found")
case("fence-wrong-then-right", "x int", "```\n{\"x\": \"no\"}\n```\n```\n{\"x\": 2}\n```", {"x": 2})

# 3. prose around JSON
case("prose-before", P, "Sure! Here is the JSON you asked for: " + J, ADA)
case("prose-after", P, J + "\nI hope this helps.", ADA)
case("prose-both", P, "Okay.\n" + J + "\nAnything else?", ADA)
case("prose-braces-before", P, "Use {placeholders} like {this}. Answer: " + J, ADA)
case("prose-brackets-before", P, "See [1] and [note]. " + J, ADA)
case("prose-apostrophes", P, "Here's what I've got, it's: " + J + " that's it", ADA)
case("prose-jsonp", P, "callback(" + J + ");", ADA)
case("prose-label", P, "JSON: " + J, ADA)
case("prose-multiline", P, "Let me think.\nThe person is Ada.\nShe is 36.\n\n" + J + "\n\nDone.", ADA)
case("prose-none", P, "I'm sorry, I can't help with that.", refuse="no JSON found")
case("prose-empty", P, "", refuse="no JSON found")
case("prose-whitespace", P, "   \n\t  ", refuse="no JSON found")
case("prose-bare-scalar", P, "42", refuse="expected object")
case("prose-unicode", "city", "La réponse est : {\"city\": \"Zürich\"} — voilà.", {"city": "Zürich"})
case("prose-html", P, "<p>Result</p><pre>" + J + "</pre>", ADA)

# 4. truncation
case("trunc-close-brace", P, '{"name": "Ada", "age": 36, "x": 1', ADA, diag="truncated")
case("trunc-in-key", "name, age int?", '{"name": "Ada", "ag', {"name": "Ada", "age": None}, diag="truncated")
case("trunc-in-value-required", P, '{"name": "Ada", "age": 3', refuse="missing required field \"age\"")
case("trunc-in-string", "name, bio?", '{"name": "Ada", "bio": "Mathematician and wri', {"name": "Ada", "bio": None}, diag="truncated")
case("trunc-in-string-required", "name, bio", '{"name": "Ada", "bio": "Mathematician and wri', refuse="missing required field \"bio\"")
case("trunc-array", "name, tags [str]", '{"name": "Ada", "tags": ["math", "engines", "poe', {"name": "Ada", "tags": ["math", "engines"]}, diag="truncated")
case("trunc-after-comma", "name, tags [str]", '{"name": "Ada", "tags": ["math", ', {"name": "Ada", "tags": ["math"]}, diag="truncated")
case("trunc-nested", "name, address {city, zip?}", '{"name": "Ada", "address": {"city": "London", "zip": "W1', {"name": "Ada", "address": {"city": "London", "zip": None}}, diag="truncated")
case("trunc-after-colon", "name, age int?", '{"name": "Ada", "age": ', {"name": "Ada", "age": None}, diag="truncated")
case("trunc-literal", "name, ok bool?", '{"name": "Ada", "ok": tr', {"name": "Ada", "ok": None}, diag="truncated")
case("trunc-literal-complete", "name, ok bool", '{"name": "Ada", "ok": true', {"name": "Ada", "ok": True}, diag="truncated")
case("trunc-fenced", P, "```json\n{\"name\": \"Ada\", \"age\": 36,", ADA, diag="truncated")
case("trunc-tier-none", P, '{"name": "Ada", "age": 36', refuse="end of text", repair="none")
case("trunc-escape", "name, bio?", '{"name": "Ada", "bio": "a\\', {"name": "Ada", "bio": None}, diag="truncated")
case("trunc-unicode-escape", "name, bio?", '{"name": "Ada", "bio": "caf\\u00', {"name": "Ada", "bio": None}, diag="truncated")
case("trunc-multi", "name", '[{"name": "a"}, {"name": "b"}, {"na', [{"name": "a"}, {"name": "b"}], multi=True, diag="truncated")
case("trunc-only-open", P, "{", refuse="missing required field")
case("trunc-key-only", P, '{"name": "Ada", "age"', refuse="missing required field \"age\"")
case("trunc-deep", "a {b {c {d int}}}", '{"a": {"b": {"c": {"d": 1, "e": 2', {"a": {"b": {"c": {"d": 1}}}}, diag="truncated")
case("trunc-number-exp", "name, x float?", '{"name": "Ada", "x": 1e', {"name": "Ada", "x": None}, diag="truncated")

# 5. inner quotes
IQ = '{"item": "samsung 32" display", "price": 199}'
case("innerq-safe-refuses", "item, price int", IQ, refuse="expected ',' or '}'")
case("innerq-aggressive", "item, price int", IQ, {"item": 'samsung 32" display', "price": 199}, repair="aggressive", diag="inner_quote")
case("innerq-said", "quote", '{"quote": "She said "hi" to me"}', {"quote": 'She said "hi" to me'}, repair="aggressive", diag="inner_quote")
case("innerq-array", "items [str]", '{"items": ["a 12" ruler", "b"]}', {"items": ['a 12" ruler', "b"]}, repair="aggressive")
case("innerq-leading", "q", '{"q": ""quoted" word"}', {"q": '"quoted" word'}, repair="aggressive")
case("innerq-escaped-ok", "q", '{"q": "She said \\"hi\\""}', {"q": 'She said "hi"'}, repair="none")
case("innerq-single", "q", "{'q': 'it's fine'}", {"q": "it's fine"}, repair="aggressive")
case("innerq-single-safe", "q", "{'q': 'it's fine'}", refuse="expected ',' or '}'")
case("innerq-code", "code", '{"code": "print("hello")"}', {"code": 'print("hello")'}, repair="aggressive")
case("innerq-quote-colon-safe", "a, b", '{"a": "x", "b": "y"}', {"a": "x", "b": "y"}, repair="aggressive")

# 6. Python / JS literals, single quotes
case("py-dict", "name, ok bool, nick str?", "{'name': 'Ada', 'ok': True, 'nick': None}", {"name": "Ada", "ok": True, "nick": None}, diag="python_literal")
case("py-false", "ok bool", "{'ok': False}", {"ok": False})
case("py-none-required", "name", "{'name': None}", refuse="expected string, got null")
case("py-single-escaped", "s", "{'s': 'it\\'s'}", {"s": "it's"})
case("py-single-with-double", "s", "{'s': 'say \"hi\"'}", {"s": 'say "hi"'})
case("py-list", "tags [str]", "{'tags': ['a', 'b',]}", {"tags": ["a", "b"]})
case("py-tier-none", "ok bool", "{'ok': True}", refuse="single_quote", repair="none")
case("js-undefined", "name, nick str?", '{"name": "Ada", "nick": undefined}', {"name": "Ada", "nick": None}, diag="js_literal")
case("js-upper-true", "ok bool", '{"ok": TRUE}', {"ok": True})
case("js-null-case", "nick str?", '{"nick": Null}', {"nick": None})
case("py-repr-prose", "name, age int", "The answer is {'name': 'Ada', 'age': 36}.", ADA)
case("py-nested", "a {b [int]}", "{'a': {'b': [1, 2, 3]}}", {"a": {"b": [1, 2, 3]}})
case("py-tuple-not-supported", "a [int]", "{'a': (1, 2)}", refuse="")
case("nan-nullable", "x float?", '{"x": NaN}', {"x": None}, diag="nan")
case("nan-required", "x float", '{"x": NaN}', refuse="expected number, got null")
case("infinity", "x float?", '{"x": -Infinity}', {"x": None})

# 7. NDJSON and --multi
ND = '{"name": "a", "age": 1}\n{"name": "b", "age": 2}\n{"name": "c", "age": 3}'
NDV = [{"name": "a", "age": 1}, {"name": "b", "age": 2}, {"name": "c", "age": 3}]
case("ndjson-multi", P, ND, NDV, multi=True, diag="joined")
case("ndjson-single-first", P, ND, {"name": "a", "age": 1}, diag="ambiguous")
case("multi-array", P, json.dumps(NDV), NDV, multi=True)
case("multi-items-wrapper", P, json.dumps({"items": NDV}), NDV, multi=True, diag="unwrap_items")
case("multi-results-wrapper", P, json.dumps({"people": NDV}), NDV, multi=True)
case("multi-single-object", P, J, [ADA], multi=True, diag="single_to_array")
case("multi-single-strict", P, J, refuse="expected array", multi=True, level="strict")
case("multi-fenced-ndjson", P, "```\n" + ND + "\n```", NDV, multi=True)
case("multi-prose-ndjson", P, "Here:\n" + ND + "\nThat's all.", NDV, multi=True)
case("multi-one-bad", P, '[{"name": "a", "age": 1}, {"name": "b", "age": "two"}]', refuse="$[1].age: expected integer", multi=True)
case("multi-empty", P, "[]", [], multi=True)
case("multi-trailing-comma", P, '[{"name": "a", "age": 1},]', [{"name": "a", "age": 1}], multi=True)
case("multi-two-arrays", "x int", '[{"x": 1}]\n[{"x": 2}]', [{"x": 1}], multi=True, diag="ambiguous")
case("root-array-dsl", "[name, age int]", json.dumps(NDV), NDV)
case("root-array-str", "[str]", '["a", "b"]', ["a", "b"])

# 8. wrong types
case("type-str-int-safe", P, '{"name": "Ada", "age": "36"}', ADA, diag="string_to_int")
case("type-str-int-strict", P, '{"name": "Ada", "age": "36"}', refuse='$.age: expected integer, got "36" (string)', level="strict")
case("type-five", P, '{"name": "Ada", "age": "five"}', refuse='$.age: expected integer, got "five" (string)')
case("type-float-int-safe", P, '{"name": "Ada", "age": 36.0}', ADA, diag="float_to_int")
case("type-float-int-strict", P, '{"name": "Ada", "age": 36.0}', refuse="$.age: expected integer, got 36.0 (number)", level="strict")
case("type-fraction-int-safe", P, '{"name": "Ada", "age": 36.6}', refuse="$.age: expected integer, got 36.6 (number)")
case("type-fraction-int-lenient", P, '{"name": "Ada", "age": 36.6}', {"name": "Ada", "age": 37}, level="lenient", diag="round")
case("type-str-float", "x float", '{"x": "2.5"}', {"x": 2.5}, diag="string_to_number")
case("type-str-float-space", "x float", '{"x": " 2.5 "}', {"x": 2.5})
case("type-num-str-safe", "zip", '{"zip": 10001}', {"zip": "10001"}, diag="number_to_string")
case("type-num-str-lexeme", "code", '{"code": 007}', {"code": "007"})
case("type-num-str-strict", "zip", '{"zip": 10001}', refuse="$.zip: expected string, got 10001 (number)", level="strict")
case("type-bool-yes", "ok bool", '{"ok": "yes"}', {"ok": True}, diag="string_to_bool")
case("type-bool-no-upper", "ok bool", '{"ok": "NO"}', {"ok": False})
case("type-bool-one", "ok bool", '{"ok": 1}', {"ok": True}, diag="number_to_bool")
case("type-bool-on-safe", "ok bool", '{"ok": "on"}', refuse="expected boolean")
case("type-bool-on-lenient", "ok bool", '{"ok": "on"}', {"ok": True}, level="lenient")
case("type-bool-strict", "ok bool", '{"ok": "true"}', refuse="expected boolean", level="strict")
case("type-bool-maybe", "ok bool", '{"ok": "maybe"}', refuse='$.ok: expected boolean, got "maybe" (string)')
case("type-scalar-to-array", "tags [str]", '{"tags": "solo"}', {"tags": ["solo"]}, diag="single_to_array")
case("type-scalar-to-array-strict", "tags [str]", '{"tags": "solo"}', refuse="$.tags: expected array", level="strict")
case("type-array-to-scalar-safe", "name", '{"name": ["Ada"]}', refuse="$.name: expected string, got an array")
case("type-array-to-scalar-lenient", "name", '{"name": ["Ada"]}', {"name": "Ada"}, level="lenient", diag="array_to_single")
case("type-object-for-string", "name", '{"name": {"first": "Ada"}}', refuse="$.name: expected string, got an object")
case("type-string-for-object", "a {b}", '{"a": "b"}', refuse="$.a: expected object")
case("type-currency-safe", "price float", '{"price": "$1,234.50"}', refuse="expected number")
case("type-currency-lenient", "price float", '{"price": "$1,234.50"}', {"price": 1234.5}, level="lenient")
case("type-fraction-lenient", "share float", '{"share": "1/5"}', {"share": 0.2}, level="lenient")
case("type-percent-lenient", "p float", '{"p": "12%"}', {"p": 12}, level="lenient")
case("type-thousands-int-lenient", "n int", '{"n": "12,000"}', {"n": 12000}, level="lenient")
case("type-null-string-safe", "n int?", '{"n": "null"}', {"n": None}, diag="string_to_null")
case("type-na-safe", "n int?", '{"n": "N/A"}', refuse="expected integer")
case("type-na-lenient", "n int?", '{"n": "N/A"}', {"n": None}, level="lenient")
case("type-null-word-string-kept", "nick str?", '{"nick": "null"}', {"nick": "null"})
case("type-bigint", "n int", '{"n": 12345678901234567890}', refuse="out of range")
case("type-neg-int", "n int", '{"n": -5}', {"n": -5})
case("type-exp-int", "n int", '{"n": 1e3}', {"n": 1000})
case("type-exp-int-strict", "n int", '{"n": 1e3}', refuse="expected integer", level="strict")
case("type-str-int-decimal-zero", "n int", '{"n": "36.0"}', {"n": 36})
case("type-errors-all-listed", "a int, b int, c bool", '{"a": "x", "b": "y", "c": "z"}', refuse='$.a: expected integer, got "x" (string)')

# 9. missing and extra fields
case("missing-required", "name, email", '{"name": "Ada"}', refuse='$: missing required field "email"')
case("missing-optional", "name, email?", '{"name": "Ada"}', {"name": "Ada", "email": None})
case("missing-default", 'name, lang = "en"', '{"name": "Ada"}', {"name": "Ada", "lang": "en"}, diag="default")
case("missing-default-strict", 'name, lang = "en"', '{"name": "Ada"}', refuse='missing required field "lang"', level="strict")
case("missing-nested", "name, address {street, city}", '{"name": "Ada", "address": {"street": "x"}}', refuse='$.address: missing required field "city"')
case("missing-in-array", "jobs [company, years int]", '{"jobs": [{"company": "A", "years": 1}, {"company": "B"}]}', refuse='$.jobs[1]: missing required field "years"')
case("extra-dropped", P, '{"name": "Ada", "age": 36, "mood": "happy"}', ADA, diag="extra_key")
case("extra-strict", P, '{"name": "Ada", "age": 36, "mood": "happy"}', refuse="$.mood: unexpected field", level="strict")
case("extra-nested-dropped", "a {b}", '{"a": {"b": "x", "c": "y"}}', {"a": {"b": "x"}})
case("duplicate-key", P, '{"name": "Ada", "name": "Bob", "age": 36}', refuse="$.name: the key occurs more than once")
case("empty-object", P, "{}", refuse='$: missing required field "name"')
case("null-root", P, "null", refuse="expected object, got null")
case("quoted-key-name", '"first name", age int', '{"first name": "Ada", "age": 36}', {"first name": "Ada", "age": 36})
case("key-case-safe", P, '{"Name": "Ada", "age": 36}', refuse='missing required field "name"')
case("key-case-lenient", P, '{"Name": "Ada", "age": 36}', ADA, level="lenient", diag="key_case")

# 10. curly quotes
case("curly-double", P, '{\u201cname\u201d: \u201cAda\u201d, \u201cage\u201d: 36}', ADA, diag="curly_quote")
case("curly-single", "name", "{\u2018name\u2019: \u2018Ada\u2019}", {"name": "Ada"})
case("curly-mixed", P, '{"name": \u201cAda\u201d, "age": 36}', ADA)
case("curly-inside-string-kept", "q", '{"q": "she said \u201chi\u201d"}', {"q": "she said \u201chi\u201d"}, repair="none")
case("curly-prose", P, "Here\u2019s the data: {\u201cname\u201d: \u201cAda\u201d, \u201cage\u201d: 36}", ADA)
case("curly-apostrophe-in-value", "q", '{"q": "it\u2019s"}', {"q": "it\u2019s"})
case("curly-tier-none", "name", '{\u201cname\u201d: \u201cAda\u201d}', refuse="curly_quote", repair="none")
case("curly-right-only", "name", '{\u201dname\u201d: \u201dAda\u201d}', {"name": "Ada"})

# 11. comments
case("comment-line", P, '{\n  "name": "Ada", // first name\n  "age": 36\n}', ADA, diag="comment")
case("comment-block", P, '{"name": /* who */ "Ada", "age": 36}', ADA)
case("comment-hash", P, '{\n  "name": "Ada",  # name\n  "age": 36\n}', ADA)
case("comment-before", P, "// result\n" + J, ADA)
case("comment-url-in-string", "url", '{"url": "http://example.com/a//b"}', {"url": "http://example.com/a//b"}, repair="none")
case("comment-hash-in-string", "tag", '{"tag": "#1 /* not */"}', {"tag": "#1 /* not */"}, repair="none")
case("comment-tier-none", P, '{"name": "Ada", // x\n "age": 36}', refuse="comment", repair="none")
case("comment-unclosed", P, '{"name": "Ada", "age": 36} /* trailing', ADA)
case("comment-trailing", P, J + " // done", ADA)
case("comment-many", "a int, b int", '{\n// one\n"a": 1, /* two */\n# three\n"b": 2 // four\n}', {"a": 1, "b": 2})

# 12. trailing / extra commas
case("comma-trailing-object", P, '{"name": "Ada", "age": 36,}', ADA, diag="trailing_comma")
case("comma-trailing-array", "tags [str]", '{"tags": ["a", "b",]}', {"tags": ["a", "b"]})
case("comma-double", "tags [str]", '{"tags": ["a",, "b"]}', {"tags": ["a", "b"]}, diag="extra_comma")
case("comma-leading", "tags [str]", '{"tags": [, "a"]}', {"tags": ["a"]})
case("comma-trailing-nested", "a {b int}", '{"a": {"b": 1,},}', {"a": {"b": 1}})
case("comma-tier-none", P, '{"name": "Ada", "age": 36,}', refuse="trailing_comma", repair="none")
case("comma-missing-safe", P, '{"name": "Ada" "age": 36}', refuse="expected ',' or '}'")
case("comma-missing-aggressive", P, '{"name": "Ada" "age": 36}', ADA, repair="aggressive", diag="missing_comma")
case("comma-missing-array-aggressive", "tags [str]", '{"tags": ["a" "b"]}', {"tags": ["a", "b"]}, repair="aggressive")
case("comma-newline-missing-aggressive", P, '{"name": "Ada"\n"age": 36}', ADA, repair="aggressive")

# 13. unquoted keys
case("ukey-simple", P, '{name: "Ada", age: 36}', ADA, diag="unquoted_key")
case("ukey-underscore", "first_name", '{first_name: "Ada"}', {"first_name": "Ada"})
case("ukey-dollar-dash", '"x-id", "$ref"', '{x-id: "1", $ref: "r"}', {"x-id": "1", "$ref": "r"})
case("ukey-number", '"1"', '{1: "one"}', {"1": "one"})
case("ukey-js-object", P, "const person = {name: 'Ada', age: 36};", ADA)
case("ukey-tier-none", P, '{name: "Ada", age: 36}', refuse="unquoted_key", repair="none")
case("ukey-unicode", '"größe" int', '{größe: 180}', {"größe": 180})
case("ukey-space-refused", '"first name"', '{first name: "Ada"}', refuse="expected ':'")

# 14. several candidates
case("cands-second-valid", P, 'Example: {"name": "X"}. Answer: ' + J, ADA)
case("cands-first-valid", P, J + ' or maybe {"name": "Bob"}', ADA)
case("cands-both-valid-first", P, J + ' and {"name": "Bob", "age": 5}', ADA, diag="ambiguous")
case("cands-fewer-repairs-wins", P, "{name: 'Bob', age: 5,} then " + J, ADA)
case("cands-array-then-object", P, "[1, 2] " + J, ADA)
case("cands-nested-not-candidate", "x int", '{"wrap": {"x": 1}}', refuse='missing required field "x"')
case("cands-schema-picks", "city", '{"name": "Ada"} {"city": "London"}', {"city": "London"})
case("cands-none-valid-best-error", P, '{"name": "A"} {"name": "B", "age": "x"}', refuse='$.age: expected integer, got "x" (string)')
case("cands-prose-then-fence", P, 'I think {"name": "Bob", "age": "old"}\n```json\n' + J + '\n```', ADA)
case("cands-two-fences-json-tag-first", "x int", '```\n{"x": 1}\n```\n```json\n{"x": 2}\n```', {"x": 2}, diag="ambiguous")

# 15. enums
E = "role admin|editor|viewer"
case("enum-exact", E, '{"role": "admin"}', {"role": "admin"})
case("enum-case", E, '{"role": "Admin"}', {"role": "admin"}, diag="enum_fold")
case("enum-space", E, '{"role": " EDITOR "}', {"role": "editor"})
case("enum-strict-case", E, '{"role": "Admin"}', refuse="expected one of admin|editor|viewer", level="strict")
case("enum-unknown", E, '{"role": "owner"}', refuse='$.role: expected one of admin|editor|viewer, got "owner" (string)')
case("enum-prefix-safe", E, '{"role": "adm"}', refuse="expected one of")
case("enum-prefix-lenient", E, '{"role": "adm"}', {"role": "admin"}, level="lenient")
case("enum-substring-lenient", E, '{"role": "The role is viewer."}', {"role": "viewer"}, level="lenient")
case("enum-ambiguous-lenient", "size small|smaller", '{"size": "sm"}', refuse="expected one of", level="lenient")
case("enum-quoted-values", 'kind "bug report"|"feature"', '{"kind": "Bug Report"}', {"kind": "bug report"})
case("enum-numbers", "stars 1|2|3|4|5", '{"stars": 4}', {"stars": 4})
case("enum-numbers-string", "stars 1|2|3|4|5", '{"stars": "4"}', {"stars": 4})
case("enum-numbers-bad", "stars 1|2|3|4|5", '{"stars": 6}', refuse="expected one of 1|2|3|4|5")
case("enum-nullable", "role admin|user?", '{"role": null}', {"role": None})
case("enum-in-array", "roles [admin|user]", '{"roles": ["admin", "User"]}', {"roles": ["admin", "user"]})

# 16. nested paths
NS = "name, jobs [company, title, years int?], address {street, city, zip str?}?"
case("nest-ok", NS, '{"name": "Ada", "jobs": [{"company": "A", "title": "T", "years": 3}], "address": null}',
     {"name": "Ada", "jobs": [{"company": "A", "title": "T", "years": 3}], "address": None})
case("nest-bad-years", NS, '{"name": "Ada", "jobs": [{"company": "A", "title": "T"}, {"company": "B", "title": "U", "years": "five"}]}',
     refuse='$.jobs[1].years: expected integer, got "five" (string)')
case("nest-missing-address", NS, '{"name": "Ada", "jobs": []}', {"name": "Ada", "jobs": [], "address": None})
case("nest-address-zip-num", NS, '{"name": "Ada", "jobs": [], "address": {"street": "s", "city": "c", "zip": 12345}}',
     {"name": "Ada", "jobs": [], "address": {"street": "s", "city": "c", "zip": "12345"}})
case("nest-deep-path", "a {b [c {d int}]}", '{"a": {"b": [{"c": {"d": 1}}, {"c": {"d": "x"}}]}}', refuse='$.a.b[1].c.d: expected integer')
case("nest-odd-key-path", '"first name" int', '{"first name": "x"}', refuse='$["first name"]: expected integer')
case("nest-array-of-arrays", "m [[int]]", '{"m": [[1, 2], [3]]}', {"m": [[1, 2], [3]]})
case("nest-array-of-arrays-bad", "m [[int]]", '{"m": [[1, 2], [3, "x"]]}', refuse="$.m[1][1]: expected integer")
case("nest-any", "meta any", '{"meta": {"x": [1, null]}}', {"meta": {"x": [1, None]}})
case("nest-str-array-suffix", "tags str[]", '{"tags": ["a"]}', {"tags": ["a"]})

# 17. formats and ranges
case("fmt-date-ok", "d date", '{"d": "2024-02-29"}', {"d": "2024-02-29"})
case("fmt-date-bad", "d date", '{"d": "2024-02-30"}', refuse='$.d: expected date, got "2024-02-30" (string)')
case("fmt-date-prose", "d date", '{"d": "Feb 3, 2024"}', refuse="expected date")
case("fmt-datetime-ok", "t datetime", '{"t": "2024-01-02T03:04:05Z"}', {"t": "2024-01-02T03:04:05Z"})
case("fmt-datetime-offset", "t datetime", '{"t": "2024-01-02T03:04:05.123+02:00"}', {"t": "2024-01-02T03:04:05.123+02:00"})
case("fmt-email-ok", "e email", '{"e": "ada@example.org"}', {"e": "ada@example.org"})
case("fmt-email-bad", "e email", '{"e": "ada at example"}', refuse="expected email")
case("fmt-uuid-ok", "u uuid", '{"u": "123e4567-e89b-12d3-a456-426614174000"}', {"u": "123e4567-e89b-12d3-a456-426614174000"})
case("fmt-uri-bad", "u uri", '{"u": "not a uri"}', refuse="expected uri")
case("range-int-ok", "age int 0..150", '{"age": 150}', {"age": 150})
case("range-int-high", "age int 0..150", '{"age": 200}', refuse="$.age: 200 is greater than the maximum 150")
case("range-int-low", "age int 0..150", '{"age": -1}', refuse="less than the minimum 0")
case("range-str-len", "bio str ..5", '{"bio": "abcdef"}', refuse="longer than 5")
case("range-str-utf8", "bio str ..3", '{"bio": "日本語"}', {"bio": "日本語"})
case("range-array", "tags [str] 1..2", '{"tags": []}', refuse="0 items, expected at least 1")
case("range-float", "p float 0..1", '{"p": 0.5}', {"p": 0.5})

# 18. stringified JSON, unicode, whitespace
case("stringified", P, json.dumps(J), ADA, diag="stringified_json")
case("stringified-fenced", P, "```json\n" + json.dumps(J) + "\n```", ADA)
case("unicode-surrogate-pair", "s", '{"s": "\\ud83d\\ude00"}', {"s": "😀"}, repair="none")
case("unicode-lone-surrogate", "s", '{"s": "a\\ud800b"}', {"s": "a\ufffdb"}, diag="lone_surrogate")
case("unicode-raw", "s", '{"s": "日本語 ✓"}', {"s": "日本語 ✓"}, repair="none")
case("bom", P, "\ufeff" + J, ADA, diag="bom")
case("nbsp", P, '{"name":\u00a0"Ada",\u00a0"age": 36}', ADA, diag="special_whitespace")
case("raw-newline-in-string", "s", '{"s": "line1\nline2"}', {"s": "line1\nline2"}, diag="control_char")
case("raw-tab-tier-none", "s", '{"s": "a\tb"}', refuse="control_char", repair="none")
case("invalid-escape-kept", "path", '{"path": "C:\\Users\\ada"}', {"path": "C:\\Users\\ada"}, diag="invalid_escape")
case("number-plus", "n int", '{"n": +5}', {"n": 5}, diag="number_format")
case("number-leading-dot", "x float", '{"x": .5}', {"x": 0.5})
case("number-trailing-garbage", "n int", '{"n": 5kg}', refuse="unexpected character after a number")

# 19. aggressive-only repairs
case("uval-safe", "name, city", '{"name": Ada Lovelace, "city": London}', refuse="unexpected word")
case("uval-aggressive", "name, city", '{"name": Ada Lovelace, "city": London}', {"name": "Ada Lovelace", "city": "London"}, repair="aggressive", diag="unquoted_value")
case("missing-value-aggressive", "name, nick str?", '{"name": "Ada", "nick": }', {"name": "Ada", "nick": None}, repair="aggressive", diag="missing_value")
case("missing-value-safe", "name, nick str?", '{"name": "Ada", "nick": }', refuse="")
case("ellipsis-aggressive", "n [int]", '{"n": [1, 2, 3, ...]}', {"n": [1, 2, 3]}, repair="aggressive", diag="ellipsis")
case("ellipsis-safe", "n [int]", '{"n": [1, 2, 3, ...]}', refuse="")

# 20. llm compatibility and other schema forms
case("llm-desc", "name: the person's name, age int: their age, bio: a short bio",
     '{"name": "Ada", "age": 36, "bio": "math"}', {"name": "Ada", "age": 36, "bio": "math"})
case("llm-newline-desc", "name: the name, with a comma\nage int: in years",
     '{"name": "Ada", "age": 36}', ADA)
case("jsonschema-basic", '{"type":"object","properties":{"name":{"type":"string"},"age":{"type":"integer"}},"required":["name","age"]}', J, ADA)
case("jsonschema-optional-absent", '{"type":"object","properties":{"name":{"type":"string"},"nick":{"type":"string"}},"required":["name"]}',
     '{"name": "Ada"}', {"name": "Ada"})
case("jsonschema-nullable-type", '{"type":"object","properties":{"n":{"type":["integer","null"]}},"required":["n"]}', '{"n": null}', {"n": None})
case("jsonschema-anyof-null", '{"type":"object","properties":{"n":{"anyOf":[{"type":"integer"},{"type":"null"}]}},"required":["n"]}', '{"n": "7"}', {"n": 7})
case("jsonschema-enum", '{"type":"object","properties":{"c":{"enum":["red","green"]}},"required":["c"]}', '{"c": "Green"}', {"c": "green"})
case("jsonschema-ref", '{"type":"object","properties":{"a":{"$ref":"#/$defs/A"}},"required":["a"],"$defs":{"A":{"type":"object","properties":{"x":{"type":"integer"}},"required":["x"]}}}',
     '{"a": {"x": 1}}', {"a": {"x": 1}})
case("jsonschema-min", '{"type":"object","properties":{"n":{"type":"integer","minimum":10}},"required":["n"]}', '{"n": 5}', refuse="less than the minimum 10")
case("cstruct-basic", "struct person { const char *name; long long age; };", J, ADA)
case("cstruct-array-nullable", "struct p { const char *name; const char *const *tags; size_t tags_count; bool has_age; int age; };",
     '{"name": "Ada", "tags": ["a"]}', {"name": "Ada", "tags": ["a"], "age": None})
case("cstruct-enum", "enum color { COLOR_RED, COLOR_GREEN };\nstruct c { enum color color; };", '{"color": "GREEN"}', {"color": "green"})

# 21. reasoning models, chat wrappers, other formats
case("think-block", P, "<think>The user wants {\"name\": \"X\", \"age\": 1}. Let me answer.</think>\n" + J, ADA)
case("think-only-valid-inside", P, "<think>" + J + "</think>\nI gave it above.", ADA)
case("think-unclosed", P, J + "\n<think>maybe {\"name\": \"Y\", \"age\": 2}", ADA)
case("thinking-tag", P, "<thinking>{\"name\": \"X\", \"age\": 1}</thinking>" + J, ADA)
case("chat-role-prefix", P, "assistant: " + J, ADA)
case("yaml-refused", P, "name: Ada\nage: 36\n", refuse="no JSON found")
case("markdown-table-refused", P, "| name | age |\n|---|---|\n| Ada | 36 |", refuse="no JSON found")
case("xml-refused", P, "<person><name>Ada</name><age>36</age></person>", refuse="no JSON found")
case("json-in-quote-block", P, "> " + J, ADA)
case("json-bullet", P, "- " + J, ADA)

# 22. arrays of scalars, numbers
case("arr-int-coerce", "n [int]", '{"n": ["1", 2, "3"]}', {"n": [1, 2, 3]})
case("arr-int-bad-item", "n [int]", '{"n": [1, "two", 3]}', refuse='$.n[1]: expected integer, got "two" (string)')
case("arr-bool", "b [bool]", '{"b": [true, "no", 1]}', {"b": [True, False, True]})
case("arr-nullable-items", "s [str?]", '{"s": ["a", null]}', {"s": ["a", None]})
case("arr-null-item-refused", "s [str]", '{"s": ["a", null]}', refuse="$.s[1]: expected string, got null")
case("num-negative-zero", "x float", '{"x": -0.0}', {"x": -0.0})
case("num-exponent", "x float", '{"x": 6.02e23}', {"x": 6.02e23})
case("num-max-safe", "n int", '{"n": 9007199254740992}', {"n": 9007199254740992})
case("num-beyond-safe", "n int", '{"n": 9007199254740993}', refuse="out of range")
case("num-string-exponent-int", "n int", '{"n": "1e2"}', {"n": 100})
case("num-hex-refused", "n int", '{"n": 0x1F}', refuse="unexpected character after a number")

# 23. unicode keys and values
case("key-unicode", '"名前", "年齢" int', '{"名前": "エイダ", "年齢": 36}', {"名前": "エイダ", "年齢": 36})
case("key-emoji", '"🔑"', '{"🔑": "v"}', {"🔑": "v"})
case("value-escaped-unicode", "s", '{"s": "\\u65e5\\u672c"}', {"s": "日本"})
case("value-invalid-utf8", "s", '{"s": "a\udcff"}', {"s": "a\ufffd"})

# 24. more schema forms
case("cstruct-char-array", "struct p { char code[4]; };", '{"code": "abcd"}', refuse="longer than 3")
case("cstruct-typedef-root", "typedef struct { const char *name; int age; } person;", J, ADA)
case("cstruct-nested-struct", "struct a { const char *city; };\nstruct p { const char *name; struct a addr; };",
     '{"name": "Ada", "addr": {"city": "London"}}', {"name": "Ada", "addr": {"city": "London"}})
case("cstruct-unsigned", "struct p { unsigned n; };", '{"n": -1}', refuse="less than the minimum 0")
case("jsonschema-const", '{"type":"object","properties":{"v":{"const":"x"}},"required":["v"]}', '{"v": "X"}', {"v": "x"})
case("jsonschema-additional-false-safe", '{"type":"object","properties":{"a":{"type":"string"}},"required":["a"],"additionalProperties":false}',
     '{"a": "x", "b": 1}', {"a": "x"})
case("jsonschema-array-root", '{"type":"array","items":{"type":"integer"}}', "[1, 2]", [1, 2])
case("jsonschema-exclusive", '{"type":"object","properties":{"p":{"type":"number","exclusiveMaximum":1}},"required":["p"]}', '{"p": 1}',
     refuse="greater than the maximum (exclusive) 1")
case("dsl-multiline-block", "name\naddress {\n  street\n  city\n}\n", '{"name": "a", "address": {"street": "s", "city": "c"}}',
     {"name": "a", "address": {"street": "s", "city": "c"}})

json.dump  # keep linters quiet
ids = set()
for c in cases:
    assert c["id"] not in ids, c["id"]
    ids.add(c["id"])
    sys.stdout.write(json.dumps(c, ensure_ascii=False) + "\n")
sys.stderr.write(f"{len(cases)} cases\n")
