// test/relay/gunzip.mjs: a client of a gzip-coded event stream for the
// relay_gzip suite (test/relay/gzip.sh).
//
//   node gunzip.mjs URL OUT_FILE SECONDS
//
// Asks for the stream with "Accept-Encoding: gzip", checks that the
// response says "Content-Encoding: gzip", and appends the text node's own
// zlib decodes to OUT_FILE as each piece arrives (so the suite sees an
// event while the stream is still open only if the relay flushed it),
// then ends the request after SECONDS.  Exits non-zero, saying why, on a
// status other than 200, a missing Content-Encoding or bytes that do not
// decode.
import { appendFileSync, writeFileSync } from "node:fs";
import { get } from "node:http";
import { createGunzip, constants } from "node:zlib";

const [url, out, seconds] = process.argv.slice(2);
writeFileSync(out, "");
const fail = (msg) => {
	console.error(msg);
	process.exit(1);
};
const req = get(url, { headers: { "Accept-Encoding": "gzip" } }, (res) => {
	if (res.statusCode !== 200) fail(`status ${res.statusCode}`);
	if (res.headers["content-encoding"] !== "gzip")
		fail(`content-encoding: ${res.headers["content-encoding"]}`);
	// A sync flush in the input yields its text at once
	const gunzip = createGunzip({ finishFlush: constants.Z_SYNC_FLUSH });
	gunzip.on("data", (d) => appendFileSync(out, d));
	gunzip.on("error", (e) => fail(`gunzip: ${e.message}`));
	res.on("error", () => {});
	res.pipe(gunzip);
});
req.on("error", (e) => fail(`request: ${e.message}`));
setTimeout(() => {
	req.destroy();
	process.exit(0);
}, Number(seconds) * 1000);
