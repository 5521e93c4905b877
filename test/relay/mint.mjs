// test/relay/mint.mjs: JSON Web Tokens for the relay_jwt suite, made with
// node's crypto module (never with the relay's code).
//
//   node mint.mjs ALG KEY CLAIMS_JSON
//
// ALG: HS256 HS384 HS512 (KEY: the secret, or @FILE to use a file's bytes
// as the secret: the public-key confusion), RS256 ES256 (KEY: a PEM
// private key file), none (no signature), or HS256-bad (signed with KEY,
// then one signature byte changed).  CLAIMS_JSON may use "$now+N" and
// "$now-N" strings, replaced by the time N seconds from now.
import { createHmac, createPrivateKey, sign } from "node:crypto";
import { readFileSync } from "node:fs";

const [alg, key, claimsText] = process.argv.slice(2);
const now = Math.floor(Date.now() / 1000);
const claims = JSON.parse(claimsText, (k, v) => {
	const m = typeof v === "string" && /^\$now([+-]\d+)?$/.exec(v);
	return m ? now + Number(m[1] || 0) : v;
});
const b64 = (b) => Buffer.from(b).toString("base64url");
const headerAlg = alg === "HS256-bad" ? "HS256" : alg;
const input = b64(JSON.stringify({ alg: headerAlg, typ: "JWT" })) + "." +
	b64(JSON.stringify(claims));
let sig;
if (alg === "none") {
	sig = "";
} else if (alg.startsWith("HS")) {
	const secret = key.startsWith("@") ? readFileSync(key.slice(1)) : key;
	const bits = headerAlg.slice(2);
	const mac = createHmac("sha" + bits, secret).update(input).digest();
	if (alg === "HS256-bad")
		mac[0] ^= 1;
	sig = b64(mac);
} else if (alg === "RS256" || alg === "ES256") {
	const pk = createPrivateKey(readFileSync(key));
	sig = b64(sign("sha256", Buffer.from(input),
		alg === "ES256" ? { key: pk, dsaEncoding: "ieee-p1363" } : pk));
} else {
	throw new Error("unknown alg " + alg);
}
process.stdout.write(input + "." + sig + "\n");
