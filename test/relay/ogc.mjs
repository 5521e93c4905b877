// test/relay/ogc.mjs: checks of the relay's OGC API resources for the
// relay_ogc suite (test/relay/ogc.sh).  Each command reads the JSON a
// relay answered (saved by curl) and exits non-zero, saying why, when it
// is not what the command expects.
//
//   node ogc.mjs validate API_FILE
//     the file is an OpenAPI 3.0 document valid for swagger-parser
//     (schema and $refs), with a non-empty paths object
//   node ogc.mjs has-paths API_FILE PATH...
//     every PATH (a template: /queries/{name}) is a path of the document
//     with an operation (get, or post for the ingest route)
//   node ogc.mjs list-paths API_FILE
//     prints the document's paths, one a line
//   node ogc.mjs list-ops API_FILE
//     prints "METHOD PATH" for each operation of the document, one a line
//   node ogc.mjs landing FILE
//     a landing page: title, description, and links with rel self,
//     conformance, service-desc (href /api, the OpenAPI 3.0 media type)
//     and data (href /queries)
//   node ogc.mjs conformance FILE CLASS...
//     conformsTo holds exactly the CLASSes (in any order)
import { readFileSync } from "node:fs";
import { importTest } from "./lib.mjs";

const [cmd, file, ...rest] = process.argv.slice(2);
const fail = (msg) => {
	console.error(msg);
	process.exit(1);
};
const read = () => {
	try {
		return JSON.parse(readFileSync(file, "utf8"));
	} catch (e) {
		fail(`${file}: not JSON: ${e.message}`);
	}
};

if (cmd === "validate") {
	const doc = read();
	if (!/^3\.0\.\d+$/.test(String(doc.openapi)))
		fail(`openapi is ${JSON.stringify(doc.openapi)}, not 3.0.x`);
	const mod = await importTest("@apidevtools/swagger-parser");
	const SwaggerParser = mod.default ?? mod;
	try {
		await SwaggerParser.validate(file);
	} catch (e) {
		fail(`swagger-parser: ${e.message}`);
	}
	if (!doc.paths || Object.keys(doc.paths).length === 0)
		fail("no paths");
	console.log(`OpenAPI ${doc.openapi}, ${Object.keys(doc.paths).length} paths`);
} else if (cmd === "has-paths") {
	const doc = read();
	const ops = ["get", "post", "put", "patch", "delete"];
	const missing = rest.filter((p) => !ops.some((m) => doc.paths?.[p]?.[m]));
	if (missing.length > 0)
		fail(`not in the document (with an operation): ${missing.join(" ")}`);
} else if (cmd === "list-paths") {
	console.log(Object.keys(read().paths ?? {}).join("\n"));
} else if (cmd === "list-ops") {
	// "METHOD PATH" for each operation: a POST-only route is routed too
	const methods = ["get", "post", "put", "patch", "delete"];
	const ops = Object.entries(read().paths ?? {}).flatMap(([p, item]) =>
		methods.filter((m) => item[m]).map((m) => `${m.toUpperCase()} ${p}`));
	console.log(ops.join("\n"));
} else if (cmd === "landing") {
	const doc = read();
	if (typeof doc.title !== "string" || typeof doc.description !== "string")
		fail("title or description missing");
	const links = Array.isArray(doc.links) ? doc.links : [];
	const rel = (r) => links.find((l) => l.rel === r);
	for (const r of ["self", "conformance", "service-desc", "data"])
		if (!rel(r) || typeof rel(r).href !== "string")
			fail(`no link with rel ${r} and an href`);
	const sd = rel("service-desc");
	if (sd.href !== "/api" ||
	    sd.type !== "application/vnd.oai.openapi+json;version=3.0")
		fail(`service-desc is ${JSON.stringify(sd)}`);
	if (rel("conformance").href !== "/conformance")
		fail(`conformance is ${JSON.stringify(rel("conformance"))}`);
	if (rel("data").href !== "/queries")
		fail(`data is ${JSON.stringify(rel("data"))}`);
	console.log(links.map((l) => `${l.rel}=${l.href}`).join(" "));
} else if (cmd === "conformance") {
	const got = read().conformsTo;
	if (!Array.isArray(got))
		fail("no conformsTo array");
	const want = [...rest].sort();
	const have = [...got].sort();
	if (JSON.stringify(want) !== JSON.stringify(have))
		fail(`conformsTo is ${JSON.stringify(got)}`);
} else {
	fail(`usage: ogc.mjs validate|has-paths|list-paths|list-ops|landing|conformance FILE ...`);
}
