// Interop test: the independent OpenID Connect client `openid-client` (npm) runs the
// authorization code flow with PKCE S256 against volmacht's OidcProvider, served by the
// test-only oidc_interop_server (src/oidc/interop_server_main.cc), and checks what a Dutch
// relying party relies on: discovery, the ID token's ES256 signature against the JWKS,
// iss/aud/nonce/acr and the urn:nl-eid-gdi claims, userinfo, and the refusals (wrong PKCE
// verifier, code replay, LoA too low, unregistered redirect URI).
//
//   node run.mjs <issuer url> <ca.pem> [acting BSN] [legal BSN]
//
// Exit 0 = pass, 1 = fail, 77 = skipped (openid-client not installed: run `npm ci`).
import { spawnSync } from 'node:child_process';
import { createPublicKey, verify as verifySignature } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
if (!existsSync(join(root, 'node_modules', 'openid-client', 'package.json'))) {
  console.log('SKIP: node_modules/openid-client is missing (run npm ci)');
  process.exit(77);
}

const [url, ca, acting = '999993653', legal = '111222333'] = process.argv.slice(2);
if (!url || !ca) {
  console.error('usage: node run.mjs <issuer url> <ca.pem> [acting BSN] [legal BSN]');
  process.exit(2);
}
// Node reads extra trust anchors only at start-up: run again with the test CA trusted.
if (process.env.NODE_EXTRA_CA_CERTS !== ca) {
  const r = spawnSync(process.execPath, process.argv.slice(1), {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: ca },
  });
  process.exit(r.status ?? 1);
}

const client = await import('openid-client');

const CLIENT_ID = 'interop-rp';
const CLIENT_SECRET = 'interop-secret';
const REDIRECT_URI = 'http://127.0.0.1/interop-callback';
const SERVICE = '5b0c7a3e-9d1f-4c2b-8e6a-2f4d1c3b5a69';
const CLASSES = 'urn:oasis:names:tc:SAML:2.0:ac:classes:';
const ACTING = 'urn:nl-eid-gdi:1.0:ActingSubjectID';
const LEGAL = 'urn:nl-eid-gdi:1.0:LegalSubjectID';
const SERVICE_CLAIM = 'urn:nl-eid-gdi:1.0:ServiceUUID';

let failures = 0;
function check(cond, what) {
  if (cond) {
    console.log(`ok   ${what}`);
  } else {
    console.log(`FAIL ${what}`);
    failures++;
  }
}
async function expectError(promise, code, what) {
  try {
    await promise;
    check(false, `${what}: expected ${code}, got success`);
  } catch (e) {
    const got = await errorCode(e);
    check(got === code, `${what} -> ${code} (got ${got})`);
  }
}
// The OAuth error code of an openid-client failure: from the body of a 400, the
// WWW-Authenticate challenge of a 401 (its error parameter, else the JSON body), or the
// error parameter of an authorization response.
async function errorCode(e) {
  if (typeof e?.error === 'string') return e.error;
  const challenge = Array.isArray(e?.cause) ? e.cause.find((c) => c.parameters?.error) : undefined;
  if (challenge) return challenge.parameters.error;
  try {
    const body = await e?.response?.clone().json();
    if (typeof body?.error === 'string') return body.error;
  } catch {
    // not JSON: fall through
  }
  return e?.code ?? String(e);
}

async function configure(auth) {
  const config = await client.discovery(
    new URL(url),
    CLIENT_ID,
    { id_token_signed_response_alg: 'ES256', redirect_uris: [REDIRECT_URI] },
    auth,
  );
  // Verify the ID token's JWS signature against jwks_uri too (openid-client trusts the TLS
  // channel of the token endpoint otherwise).
  client.enableNonRepudiationChecks(config);
  return config;
}

// Runs authorize (the interop server's login is automatic) and returns the callback URL.
async function authorize(config, extra = {}) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const params = {
    redirect_uri: REDIRECT_URI,
    scope: `openid urn:nl-eid-gdi:1.0:ServiceUUID:${SERVICE}`,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  };
  const authUrl = client.buildAuthorizationUrl(config, params);
  const res = await fetch(authUrl, { redirect: 'manual' });
  const location = res.headers.get('location');
  return { status: res.status, callback: location ? new URL(location) : null, verifier, state, nonce };
}

async function main() {
  const config = await configure(client.ClientSecretBasic(CLIENT_SECRET));
  const meta = config.serverMetadata();
  check(meta.issuer === url, 'discovery: issuer matches');
  check(meta.code_challenge_methods_supported?.includes('S256'), 'discovery: S256');
  check(meta.acr_values_supported?.length === 4, 'discovery: four acr values');

  // 1. Acting for someone (representation mandatory), client_secret_basic.
  const a = await authorize(config, {
    vertegenwoordiging: 'verplicht',
    acr_values: `${CLASSES}MobileTwoFactorContract`,
  });
  check(a.status === 302 && a.callback?.searchParams.has('code'), 'authorize redirects with a code');
  check(!a.callback?.href.includes(acting) && !a.callback?.href.includes(legal), 'no BSN in the redirect');
  const tokens = await client.authorizationCodeGrant(config, a.callback, {
    pkceCodeVerifier: a.verifier,
    expectedState: a.state,
    expectedNonce: a.nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims();
  check(claims.iss === url && claims.aud === CLIENT_ID, 'ID token iss and aud');
  check(claims.nonce === a.nonce, 'ID token nonce');
  check(claims.acr === `${CLASSES}Smartcard`, 'ID token acr = Substantieel');
  check(claims[ACTING] === acting, 'ID token ActingSubjectID');
  check(claims[LEGAL] === legal, 'ID token LegalSubjectID');
  check(claims[SERVICE_CLAIM] === SERVICE, 'ID token ServiceUUID');
  check(typeof claims.sub === 'string' && claims.sub !== acting && !claims.sub.includes(acting),
        'sub is a pseudonym, not the BSN');

  // Independent signature check with node:crypto and the published JWKS.
  const jwks = await (await fetch(meta.jwks_uri)).json();
  const [h, p, s] = tokens.id_token.split('.');
  const header = JSON.parse(Buffer.from(h, 'base64url').toString());
  const jwk = jwks.keys.find((k) => k.kid === header.kid);
  check(header.alg === 'ES256' && jwk !== undefined, 'ID token header alg ES256, kid in JWKS');
  const key = createPublicKey({ key: jwk, format: 'jwk' });
  const sig = Buffer.from(s, 'base64url');
  check(verifySignature('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, sig),
        'ID token signature verifies with node:crypto');
  const bad = Buffer.from(sig);
  bad[0] ^= 1;
  check(!verifySignature('sha256', Buffer.from(`${h}.${p}`), { key, dsaEncoding: 'ieee-p1363' }, bad),
        'a flipped signature bit does not verify');

  const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  check(userinfo.sub === claims.sub, 'userinfo sub equals ID token sub');
  check(userinfo[ACTING] === acting && userinfo[LEGAL] === legal, 'userinfo subjects');

  // 2. Replaying the same code: refused.
  await expectError(client.authorizationCodeGrant(config, a.callback, {
    pkceCodeVerifier: a.verifier, expectedState: a.state, expectedNonce: a.nonce,
  }), 'invalid_grant', 'code replay');
  // ... and the access token issued from it is revoked.
  await expectError(client.fetchUserInfo(config, tokens.access_token, claims.sub),
                    'invalid_token', 'userinfo after code replay');

  // 3. Wrong PKCE verifier: refused.
  const w = await authorize(config, { vertegenwoordiging: 'optioneel' });
  await expectError(client.authorizationCodeGrant(config, w.callback, {
    pkceCodeVerifier: client.randomPKCECodeVerifier(), expectedState: w.state, expectedNonce: w.nonce,
  }), 'invalid_grant', 'wrong code_verifier');

  // 4. Logging in as oneself, client_secret_post: no LegalSubjectID.
  const post = await configure(client.ClientSecretPost(CLIENT_SECRET));
  const m = await authorize(post);
  const own = await client.authorizationCodeGrant(post, m.callback, {
    pkceCodeVerifier: m.verifier, expectedState: m.state, expectedNonce: m.nonce,
  });
  check(own.claims()[ACTING] === acting && own.claims()[LEGAL] === undefined,
        'myself: ActingSubjectID only (client_secret_post)');

  // 5. Wrong client secret: invalid_client.
  const wrong = await configure(client.ClientSecretBasic('not-the-secret'));
  const x = await authorize(wrong);
  await expectError(client.authorizationCodeGrant(wrong, x.callback, {
    pkceCodeVerifier: x.verifier, expectedState: x.state, expectedNonce: x.nonce,
  }), 'invalid_client', 'wrong client secret');

  // 6. LoA above what the login gave: access_denied back at the client.
  const high = await authorize(config, { acr_values: `${CLASSES}SmartcardPKI` });
  check(high.callback?.searchParams.get('error') === 'access_denied', 'LoA too low -> access_denied');
  await expectError(client.authorizationCodeGrant(config, high.callback, {
    pkceCodeVerifier: high.verifier, expectedState: high.state, expectedNonce: high.nonce,
  }), 'access_denied', 'openid-client sees access_denied');

  // 7. Unregistered redirect URI: an error page, never a redirect.
  const evil = await authorize(config, { redirect_uri: 'https://evil.example/cb' });
  check(evil.status === 400 && evil.callback === null, 'unregistered redirect_uri -> 400, no redirect');

  // 8. PKCE plain: refused with an error redirect.
  const plain = await authorize(config, { code_challenge_method: 'plain' });
  check(plain.callback?.searchParams.get('error') === 'invalid_request', 'PKCE plain refused');
}

try {
  await main();
} catch (e) {
  console.log(`FAIL unexpected error: ${e?.stack ?? e}`);
  failures++;
}
console.log(failures === 0 ? 'PASS' : `${failures} check(s) failed`);
process.exit(failures === 0 ? 0 : 1);
