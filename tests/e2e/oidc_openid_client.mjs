// E2E: the independent OpenID Connect client `openid-client` (npm) runs the authorization
// code flow with PKCE S256 against the real `volmacht serve`, with the login through
// digid-sim and volmacht's "Voor wie logt u in?" page in between (driven here with fetch and
// a small cookie jar), and checks the claims and the ID token signature (openid-client's
// JWKS check and an independent node:crypto check).
//
// Run through the stack (it starts brp-sim, digid-sim, volmacht and sets E2E_* variables):
//   tests/e2e/stack.py <build dir> <source dir> -- node tests/e2e/oidc_openid_client.mjs
// Exit 0 = pass, 1 = fail, 77 = skipped (node_modules/openid-client missing: run npm ci).
import { spawnSync } from 'node:child_process';
import { createPublicKey, verify as verifySignature } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
if (!existsSync(join(root, 'node_modules', 'openid-client', 'package.json'))) {
  console.log('SKIP: node_modules/openid-client is missing (run npm ci)');
  process.exit(77);
}
const env = process.env;
for (const v of ['E2E_CA', 'E2E_OIDC_ISSUER', 'E2E_OIDC_CLIENT_ID', 'E2E_OIDC_SECRET']) {
  if (!env[v]) {
    console.error(`${v} is not set: run through tests/e2e/stack.py`);
    process.exit(2);
  }
}
// Node reads extra trust anchors only at start-up: run again with the test CAs trusted.
if (env.NODE_EXTRA_CA_CERTS !== env.E2E_CA) {
  const r = spawnSync(process.execPath, process.argv.slice(1), {
    stdio: 'inherit',
    env: { ...env, NODE_EXTRA_CA_CERTS: env.E2E_CA },
  });
  process.exit(r.status ?? 1);
}

const client = await import('openid-client');
const ISSUER = env.E2E_OIDC_ISSUER;
const REDIRECT_URI = env.E2E_OIDC_REDIRECT_URI;
const SERVICE = env.E2E_OIDC_SERVICE;
const AGENT = env.E2E_AGENT;
const PRINCIPAL = env.E2E_PRINCIPAL;
const PRINCIPAL_NAME = env.E2E_PRINCIPAL_NAME;
const LONER = env.E2E_LONER;
const CLASSES = 'urn:oasis:names:tc:SAML:2.0:ac:classes:';
const ACTING = 'urn:nl-eid-gdi:1.0:ActingSubjectID';
const LEGAL = 'urn:nl-eid-gdi:1.0:LegalSubjectID';
const SERVICE_CLAIM = 'urn:nl-eid-gdi:1.0:ServiceUUID';
const LEVEL = { PasswordProtectedTransport: 10, MobileTwoFactorContract: 20, Smartcard: 25, SmartcardPKI: 30 };

let failures = 0;
let count = 0;
function check(cond, what) {
  count++;
  console.log(`${cond ? 'ok  ' : 'FAIL'} ${what}`);
  if (!cond) failures++;
}

// ---- a scripted browser: cookies per host name, redirects followed by hand.
class Browser {
  constructor() {
    this.jar = new Map(); // host -> Map(name -> value)
    this.urls = [];
  }
  cookieHeader(url) {
    const c = this.jar.get(new URL(url).hostname);
    return c ? [...c].map(([k, v]) => `${k}=${v}`).join('; ') : '';
  }
  store(url, res) {
    const host = new URL(url).hostname;
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const i = pair.indexOf('=');
      if (!this.jar.has(host)) this.jar.set(host, new Map());
      this.jar.get(host).set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
    }
  }
  // Follows redirects until a page, or until the browser is sent to stopPrefix.
  async go(url, stopPrefix, init = {}) {
    for (let hop = 0; hop < 20; hop++) {
      if (url.startsWith(stopPrefix)) return { kind: 'redirect', url };
      this.urls.push(url);
      const headers = { ...(init.headers ?? {}), cookie: this.cookieHeader(url) };
      const res = await fetch(url, { ...init, headers, redirect: 'manual' });
      this.store(url, res);
      if ([301, 302, 303, 307].includes(res.status)) {
        url = new URL(res.headers.get('location'), url).href;
        if (res.status !== 307) init = {};
        continue;
      }
      return { kind: 'page', url, status: res.status, text: await res.text() };
    }
    throw new Error('too many redirects');
  }
  async submit(page, stopPrefix, fields) {
    const form = page.text.match(/<form[^>]*action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/);
    if (!form) throw new Error(`no form on ${page.url} (HTTP ${page.status})`);
    const data = new URLSearchParams();
    for (const m of form[2].matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
      data.set(m[1], m[2].replaceAll('&amp;', '&').replaceAll('&quot;', '"'));
    }
    for (const m of form[2].matchAll(/<input type="radio" name="([^"]+)" id="[^"]*" value="([^"]*)" checked>/g)) {
      data.set(m[1], m[2]);
    }
    for (const [k, v] of Object.entries(fields)) data.set(k, v);
    return this.go(new URL(form[1], page.url).href, stopPrefix, {
      method: 'POST',
      body: data.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }
}

// The radio value whose label contains `label` on the choice page.
function optionFor(text, label) {
  for (const m of text.matchAll(/<input type="radio" name="keuze" id="([^"]+)" value="([^"]*)"/g)) {
    const l = text.match(new RegExp(`<label for="${m[1]}">([^<]*)</label>`));
    if (l && l[1].includes(label)) return m[2];
  }
  return null;
}

// The whole login: authorize -> digid-sim -> choice -> back at the redirect URI.
async function login(authUrl, { person, loa, choose, cancelAt } = {}) {
  const b = new Browser();
  let out = await b.go(authUrl.href, REDIRECT_URI);
  if (out.kind === 'page' && out.text.includes('/saml/idp/login')) {
    const fields = { bsn: person, actie: cancelAt === 'digid' ? 'annuleren' : 'inloggen' };
    if (loa) fields.loa = String(loa);
    out = await b.submit(out, REDIRECT_URI, fields);
  }
  if (out.kind === 'page' && out.text.includes('/inloggen/kies')) {
    if (cancelAt === 'choice') {
      out = await b.submit(out, REDIRECT_URI, { actie: 'annuleren' });
    } else {
      const value = optionFor(out.text, choose);
      check(value !== null, `choice page offers ${choose}`);
      check(!out.text.includes(PRINCIPAL) && !out.text.includes(AGENT), 'no BSN on the choice page');
      out = await b.submit(out, REDIRECT_URI, { keuze: value, actie: 'doorgaan' });
    }
  }
  check(!b.urls.some((u) => u.includes(AGENT) || u.includes(PRINCIPAL)), 'no BSN in any URL');
  if (out.kind !== 'redirect') throw new Error(`not sent back: HTTP ${out.status} at ${out.url}`);
  return new URL(out.url);
}

async function start(config, extra = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI,
    scope: `openid urn:nl-eid-gdi:1.0:ServiceUUID:${SERVICE}`,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  return { url, verifier, state, nonce };
}

async function expectError(promise, code, what) {
  try {
    await promise;
    check(false, `${what}: expected ${code}, got success`);
  } catch (e) {
    let got = e?.error ?? e?.code;
    try {
      const body = await e?.response?.clone().json();
      if (typeof body?.error === 'string') got = body.error;
    } catch { /* not JSON */ }
    check(got === code, `${what} -> ${code} (got ${got})`);
  }
}

async function main() {
  const config = await client.discovery(new URL(ISSUER), env.E2E_OIDC_CLIENT_ID,
    { redirect_uris: [REDIRECT_URI] }, client.ClientSecretBasic(env.E2E_OIDC_SECRET));
  client.enableNonRepudiationChecks(config);
  const meta = config.serverMetadata();
  check(meta.issuer === ISSUER, 'discovery: issuer');
  check(meta.code_challenge_methods_supported?.includes('S256'), 'discovery: PKCE S256');

  // 1. Acting for someone, representation optional, LoA Midden asked.
  const a = await start(config, { vertegenwoordiging: 'optioneel', acr_values: `${CLASSES}MobileTwoFactorContract` });
  const cb = await login(a.url, { person: AGENT, choose: PRINCIPAL_NAME });
  check(cb.searchParams.has('code') && cb.searchParams.get('iss') === ISSUER, 'callback with code and iss');
  const tokens = await client.authorizationCodeGrant(config, cb, {
    pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce, idTokenExpected: true,
  });
  const claims = tokens.claims();
  check(claims.iss === ISSUER && claims.aud === env.E2E_OIDC_CLIENT_ID, 'ID token iss and aud');
  check(claims[ACTING] === AGENT, 'ID token ActingSubjectID = the agent');
  check(claims[LEGAL] === PRINCIPAL, 'ID token LegalSubjectID = the principal');
  check(claims[SERVICE_CLAIM] === SERVICE, 'ID token ServiceUUID');
  const level = LEVEL[String(claims.acr).replace(CLASSES, '')] ?? 0;
  check(level >= 20, `ID token acr ${claims.acr} at least Midden`);
  check(typeof claims.sub === 'string' && !claims.sub.includes(AGENT), 'sub is not the BSN');

  const jwks = await (await fetch(meta.jwks_uri)).json();
  const [h, p, s] = tokens.id_token.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url').toString());
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  check(jwk !== undefined && ['ES256', 'RS256'].includes(header.alg), `ID token ${header.alg}, kid in the JWKS`);
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  const opts = header.alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key;
  const sig = Buffer.from(s, 'base64url');
  check(verifySignature('sha256', Buffer.from(`${h}.${p}`), opts, sig), 'signature verifies (node:crypto)');
  sig[sig.length - 1] ^= 1;
  check(!verifySignature('sha256', Buffer.from(`${h}.${p}`), opts, sig), 'a flipped bit does not');

  const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  check(info[ACTING] === AGENT && info[LEGAL] === PRINCIPAL, 'userinfo carries both subjects');

  // 2. Wrong PKCE verifier.
  const w = await start(config, { vertegenwoordiging: 'verplicht' });
  const wcb = await login(w.url, { person: AGENT, choose: PRINCIPAL_NAME });
  await expectError(client.authorizationCodeGrant(config, wcb, {
    pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: w.state, expectedNonce: w.nonce,
  }), 'invalid_grant', 'wrong code_verifier');

  // 3. Myself (optional): ActingSubjectID only.
  const m = await start(config, { vertegenwoordiging: 'optioneel' });
  const mcb = await login(m.url, { person: AGENT, choose: 'Mijzelf' });
  const own = await client.authorizationCodeGrant(config, mcb, {
    pkceCodeVerifier: m.verifier, expectedState: m.state, expectedNonce: m.nonce,
  });
  check(own.claims()[ACTING] === AGENT && own.claims()[LEGAL] === undefined, 'myself: no LegalSubjectID');

  // 4. Refusals come back as access_denied at the client.
  const denied = async (what, extra, how) => {
    try {
      const r = await start(config, extra);
      const cbx = await login(r.url, how);
      check(cbx.searchParams.get('error') === 'access_denied' && !cbx.searchParams.has('code'),
            `${what} -> access_denied (got ${cbx.searchParams.get('error') ?? 'a code'})`);
      check(cbx.searchParams.get('state') === r.state, `${what}: state returned`);
    } catch (e) {
      check(false, `${what}: ${e.message}`);
    }
  };
  await denied('mandatory, nobody to act for', { vertegenwoordiging: 'verplicht' }, { person: LONER });
  await denied('LoA too low', { acr_values: `${CLASSES}Smartcard` }, { person: AGENT, loa: 20 });
  await denied('cancel at DigiD', { vertegenwoordiging: 'optioneel' }, { person: AGENT, cancelAt: 'digid' });
  // Midden: the service's minimum, below which nobody would be offered (no choice page).
  await denied('cancel on the choice page', { vertegenwoordiging: 'optioneel', acr_values: `${CLASSES}MobileTwoFactorContract` },
               { person: AGENT, cancelAt: 'choice' });
}

try {
  await main();
} catch (e) {
  console.log(`FAIL unexpected error: ${e?.stack ?? e}`);
  failures++;
}
console.log(failures === 0 ? `PASS (${count} checks)` : `${failures} of ${count} check(s) failed`);
process.exit(failures === 0 ? 0 : 1);
