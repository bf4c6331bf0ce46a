// E2E acceptance in a real browser (Debian's chromium, driven by playwright-core; no browser
// download): open the demo-provider page, log in with Combi-Connect (SAML) and with OpenID
// Connect through digid-sim as the demo agent, pick the principal on volmacht's choice page,
// and see both BSNs, the service and the LoA on the demo-provider's result page. axe-core
// checks the choice page (and the demo-provider's own pages): no serious/critical violations.
//
//   tests/e2e/stack.py <build dir> <source dir> -- node tests/e2e/browser.mjs
// Exit 0 = pass, 1 = fail, 77 = skipped (no /usr/bin/chromium or node_modules missing).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CHROMIUM = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';
for (const [what, path] of [
  ['chromium', CHROMIUM],
  ['playwright-core', join(root, 'node_modules', 'playwright-core', 'package.json')],
  ['@axe-core/playwright', join(root, 'node_modules', '@axe-core', 'playwright', 'package.json')],
]) {
  if (!existsSync(path)) {
    console.log(`SKIP: ${what} is missing (${path}); apt-get install chromium / npm ci`);
    process.exit(77);
  }
}
const env = process.env;
if (!env.E2E_DEMO_URL) {
  console.error('E2E_DEMO_URL is not set: run through tests/e2e/stack.py');
  process.exit(2);
}
const { chromium } = await import('playwright-core');
const { default: AxeBuilder } = await import('@axe-core/playwright');

const PARKEREN = '5d6c1f0e-8a43-4b7e-9c1d-0a1b2c3d4e03';
let failures = 0;
let count = 0;
function check(cond, what) {
  count++;
  console.log(`${cond ? 'ok  ' : 'FAIL'} ${what}`);
  if (!cond) failures++;
}

async function axe(page, what, assert = true) {
  const r = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
    .analyze();
  const bad = r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const text = bad.map((v) => `${v.id} (${v.impact}, ${v.nodes.length}x)`).join(', ');
  if (assert) {
    check(bad.length === 0, `axe: no serious/critical violations on ${what}${text ? `: ${text}` : ''}`);
  } else if (bad.length) {
    console.log(`note axe on ${what}: ${text}`);
  }
}

async function loginThrough(page, button) {
  await page.goto(env.E2E_DEMO_URL);
  check((await page.title()).includes('Demo-gemeente'), 'demo-provider start page');
  await page.getByLabel('optioneel', { exact: false }).first().check();
  await page.getByRole('button', { name: button }).click();
  // digid-sim: the demo agent, the default LoA (the minimum asked).
  await page.waitForURL(/\/saml\/idp\/sso/);
  await page.getByLabel(env.E2E_AGENT_NAME, { exact: false }).check();
  await page.getByRole('button', { name: 'Inloggen' }).click();
  // volmacht: "Voor wie logt u in?"
  await page.getByRole('heading', { name: 'Voor wie logt u in?' }).waitFor();
  check(!page.url().includes(env.E2E_AGENT) && !page.url().includes(env.E2E_PRINCIPAL),
        'no BSN in the choice page URL');
  const body = await page.locator('body').innerText();
  check(!body.includes(env.E2E_AGENT) && !body.includes(env.E2E_PRINCIPAL), 'no BSN on the choice page');
  await axe(page, `the choice page (${button})`);
  await page.getByLabel(env.E2E_PRINCIPAL_NAME, { exact: false }).check();
  await page.getByRole('button', { name: 'Doorgaan' }).click();
  // Back at the demo-provider.
  await page.locator('#acting-bsn').waitFor();
  const text = async (id) => (await page.locator(`#${id}`).innerText()).trim();
  check((await text('status')).includes('Gelukt'), `${button}: status Gelukt`);
  check((await text('acting-bsn')) === env.E2E_AGENT, `${button}: acting BSN shown`);
  check((await text('legal-bsn')) === env.E2E_PRINCIPAL, `${button}: legal BSN shown`);
  check((await text('acting-for')) === 'namens een ander', `${button}: acting for someone else`);
  const service = await text('service');
  check(service.includes(PARKEREN) && service.includes('Parkeervergunning'), `${button}: service shown`);
  check((await text('loa')).startsWith('Basis'), `${button}: LoA shown`);
  await axe(page, `the demo-provider result page (${button})`);
}

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'nl-NL' });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  await page.goto(env.E2E_DEMO_URL);
  await axe(page, 'the demo-provider start page');
  for (const button of ['Inloggen met Combi-Connect (SAML)', 'Inloggen met OpenID Connect']) {
    try {
      await loginThrough(page, button);
    } catch (e) {
      check(false, `${button}: ${e?.message ?? e} (at ${page.url()})`);
    }
  }
  await context.close();
} finally {
  await browser.close();
}
console.log(failures === 0 ? `PASS (${count} checks)` : `${failures} of ${count} check(s) failed`);
process.exit(failures === 0 ? 0 : 1);
