// check.mjs — the report lines the test files read (tests/lib.sh node_tap):
// check prints "PASS name" or "FAIL name: why"; step runs one async check
// and turns an exception into a FAIL line.
export function check(name, cond, why) {
	console.log(cond ? `PASS ${name}` : `FAIL ${name}: ${why}`);
}

export async function step(name, fn) {
	try {
		await fn();
	} catch (e) {
		check(name, false, `threw ${e && e.constructor && e.constructor.name}: ${e && e.message}`);
	}
}
