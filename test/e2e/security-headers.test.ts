import { existsSync, mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_RATE_LIMITS, startNode, testSettings, type TestNode } from '../helpers/start-node.js';

// Issue 12 item 7: security headers (@fastify/helmet, and helmet on ChatCLI's own listener) on
// every HTML page and on nothing else, pages that still work under their Content-Security-Policy
// in a real browser, and CORS through @fastify/cors with every answer exactly as before.

const CHROMIUM = process.env['PARLEY_TEST_CHROMIUM'] ?? '/usr/bin/chromium';
const inCI = process.env['CI'] === 'true' || process.env['CI'] === '1';
if (inCI && !existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing but CI=true requires it (.ci/run installs Debian's chromium)`);
/** Where the screenshots go, for a person to look at (PARLEY_TEST_SCREENSHOTS=dir). */
const SHOTS = process.env['PARLEY_TEST_SCREENSHOTS'];

const HELMET_HEADERS = ['content-security-policy', 'x-content-type-options', 'x-frame-options', 'referrer-policy', 'cross-origin-opener-policy', 'x-permitted-cross-domain-policies'];

let node: TestNode;
let token: string;
beforeAll(async () => {
  node = await startNode({ settings: testSettings(`${NO_RATE_LIMITS}\n[barertc]\nCORSHosts = ["https://www.example.com"]\n`), env: { PARLEY_DOMAIN: 'chat.example' } });
  ({ token } = await node.server.core.invites.createAccount({ source: 'test' }));
});
afterAll(async () => {
  await node?.stop();
});

/** The answer's headers, minus those that change with every request. */
async function answer(path: string, init: RequestInit = {}, base = node.url) {
  const res = await fetch(`${base}${path}`, { redirect: 'manual', ...init });
  const body = await res.text();
  const headers = Object.fromEntries([...res.headers].filter(([k]) => !['date', 'connection', 'keep-alive'].includes(k)));
  return { status: res.status, headers, body };
}

describe('HTML pages', () => {
  const pages: [string, string, RequestInit?][] = [
    ['BareRTC chat page', '/'],
    ['BareRTC about page', '/about'],
    ['BareRTC logout page', '/logout'],
    ['invite page', '/invite?TOKEN'],
    ['expired invite page', '/invite?no-such-token'],
    ['sign-up form', '/register?t=TOKEN'],
    ['invite API refusal', '/invites_api'],
    ['ChatCLI subscribe form', '/subscribe'],
    ['ChatCLI Flask-style 405 page', '/user/login', { method: 'OPTIONS' }],
  ];
  it.each(pages)('%s carries the security headers', async (_name, path, init) => {
    const res = await answer(path.replace('TOKEN', token), init);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    for (const h of HELMET_HEADERS) expect(res.headers, h).toHaveProperty(h);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    const csp = res.headers['content-security-policy']!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("form-action 'self'");
    // No HSTS: that is the TLS terminator's decision.
    expect(res.headers).not.toHaveProperty('strict-transport-security');
  });

  it('gives each answer its own script nonce, the one the page\'s scripts carry', async () => {
    const [a, b] = [await answer('/'), await answer('/')];
    const nonce = /'nonce-([^']+)'/.exec(a.headers['content-security-policy']!)?.[1];
    expect(nonce).toMatch(/^[0-9a-f]{32}$/);
    expect(b.headers['content-security-policy']).not.toContain(nonce);
    expect(a.body).toContain(`<script nonce="${nonce}">`);
    expect(a.body).not.toMatch(/<script>/);
  });

  it('ChatCLI\'s own listener puts them on its welcome page, not on its JSON 404', async () => {
    const http = node.server.chatcliUrl.replace(/^ws/, 'http');
    const page = await answer('/', {}, http);
    expect(page.status).toBe(200);
    for (const h of HELMET_HEADERS) expect(page.headers, h).toHaveProperty(h);
    expect(page.headers['content-security-policy']).toContain("script-src 'none'");
    const missing = await answer('/nothing', {}, http);
    expect(missing).toMatchObject({ status: 404, body: '{"detail":"Not Found"}' });
    expect(Object.keys(missing.headers).sort()).toEqual(['content-type', 'transfer-encoding']);
  });
});

describe('JSON answers keep the originals\' headers', () => {
  it.each([
    ['TrueConf server probe', '/api/v4/server', {}],
    ['BareRTC statistics', '/api/statistics', { method: 'POST' }],
    ['connor room list', '/api/v1/rooms', {}],
    ['ChatCLI login', '/user/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }],
  ] as [string, string, RequestInit][])('%s has no helmet header', async (_name, path, init) => {
    const res = await answer(path, init);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    for (const h of [...HELMET_HEADERS, 'x-dns-prefetch-control', 'origin-agent-cluster']) expect(res.headers, h).not.toHaveProperty(h);
  });

  it('the TrueConf probe answers exactly as before', async () => {
    const res = await answer('/api/v4/server', { headers: { origin: 'https://a.example' } });
    expect(res.headers).toEqual({ 'content-type': 'application/json; charset=utf-8', 'content-length': String(res.body.length) });
  });
});

/** Only the CORS-relevant headers of an answer, and its status. */
async function cors(path: string, init: RequestInit = {}) {
  const res = await answer(path, init);
  const picked = Object.fromEntries(Object.entries(res.headers).filter(([k]) => k.startsWith('access-control-') || k === 'vary' || (k === 'content-length' && res.status === 204)));
  return { status: res.status, headers: picked };
}
const preflight = (origin: string, method: string, headers?: string): RequestInit =>
  ({ method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, ...(headers ? { 'access-control-request-headers': headers } : {}) } });

describe('CORS answers are exactly as before', () => {
  const TOKEN = '/bridge/api/client/v1/oauth/token';
  const trueconfPreflight = { 'access-control-allow-origin': '*', 'access-control-allow-methods': 'POST, OPTIONS', 'access-control-allow-headers': 'content-type' };

  it('TrueConf token endpoint: * on every answer, a 204 preflight whatever it asks, no Content-Length on it', async () => {
    for (const origin of ['https://a.example', 'null']) {
      expect(await cors(TOKEN, { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: '{}' })).toEqual({ status: 400, headers: { 'access-control-allow-origin': '*' } });
      expect(await cors(TOKEN, preflight(origin, 'POST', 'content-type, x-other'))).toEqual({ status: 204, headers: trueconfPreflight });
    }
    expect(await cors(TOKEN, { method: 'OPTIONS' })).toEqual({ status: 204, headers: trueconfPreflight });
  });

  it('TrueConf files: * on answers and errors; no preflight, OPTIONS stays an unknown route; the probes have none', async () => {
    expect(await cors('/bridge/api/client/v1/files', { method: 'POST', headers: { origin: 'https://a.example' } })).toEqual({ status: 400, headers: { 'access-control-allow-origin': '*' } });
    expect(await cors('/bridge/api/client/v1/files/x/y', { headers: { origin: 'https://a.example' } })).toEqual({ status: 404, headers: { 'access-control-allow-origin': '*' } });
    expect(await cors('/bridge/api/client/v1/files', preflight('https://a.example', 'POST'))).toEqual({ status: 404, headers: {} });
    expect(await cors('/api/v4/server', preflight('https://a.example', 'GET'))).toEqual({ status: 404, headers: {} });
    // Other protocols' OPTIONS answers are not swallowed by the plugin's OPTIONS route.
    expect((await answer('/user/login', preflight('https://a.example', 'POST'))).status).toBe(405);
    expect((await answer('/api/authenticate', preflight('https://www.example.com', 'POST'))).status).toBe(400);
  });

  it('BareRTC /api/statistics: CORSHosts echoed, others nothing, Vary always, preflight 204 either way', async () => {
    const allowed = 'https://www.example.com';
    expect(await cors('/api/statistics', { headers: { origin: allowed } })).toEqual({ status: 200, headers: { 'access-control-allow-origin': allowed, vary: 'Origin' } });
    expect(await cors('/api/statistics', { headers: { origin: 'https://evil.example' } })).toEqual({ status: 200, headers: { vary: 'Origin' } });
    expect(await cors('/api/statistics', preflight(allowed, 'POST'))).toEqual({
      status: 204,
      headers: { 'access-control-allow-origin': allowed, 'access-control-allow-methods': 'GET, POST, OPTIONS', 'access-control-allow-headers': 'Content-Type', 'access-control-max-age': '600', vary: 'Origin' },
    });
    expect((await cors('/api/statistics', preflight(allowed, 'POST', 'X-Foo, content-type'))).headers['access-control-allow-headers']).toBe('X-Foo, content-type');
    expect(await cors('/api/statistics', preflight('https://evil.example', 'POST', 'content-type'))).toEqual({ status: 204, headers: { vary: 'Origin' } });
    // An OPTIONS without Access-Control-Request-Method is no preflight: the statistics, as BareRTC.
    const plain = await answer('/api/statistics', { method: 'OPTIONS', headers: { origin: allowed } });
    expect(plain.status).toBe(200);
    expect(Object.keys(JSON.parse(plain.body) as object)).toEqual(['UserCount', 'Usernames', 'Cameras']);
  });

  it('Prosody invites: the origin echoed (else *) with the preflight headers on every answer, OPTIONS 200', async () => {
    const prosody = (origin: string) => ({ 'access-control-allow-origin': origin, 'access-control-allow-methods': 'OPTIONS, GET', 'access-control-allow-headers': 'Content-Type', 'access-control-max-age': '7200' });
    expect(await cors('/invites_api', { headers: { origin: 'https://a.example' } })).toEqual({ status: 403, headers: prosody('https://a.example') });
    expect(await cors('/invites_api')).toEqual({ status: 403, headers: prosody('*') });
    expect(await cors('/invites_api', preflight('https://a.example', 'GET'))).toEqual({ status: 200, headers: prosody('https://a.example') });
  });
});

describe.runIf(existsSync(CHROMIUM))('the pages in a real browser, under their policy', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    if (SHOTS) mkdirSync(SHOTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** A page at this width that records every console error (CSP violations are reported there). */
  async function open(width: number): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage({ viewport: { width, height: 800 } });
    const errors: string[] = [];
    // The browser's own /favicon.ico probe (the originals have none either) is no page error.
    page.on('console', (m) => void (m.type() === 'error' && !m.location().url.endsWith('/favicon.ico') && errors.push(m.text())));
    page.on('pageerror', (e) => void errors.push(e.message));
    return { page, errors };
  }
  const shot = async (page: Page, name: string, width: number) => {
    if (SHOTS) await page.screenshot({ path: `${SHOTS}/${name}-${width}.png`, fullPage: true });
  };

  it.each([390, 1280])('BareRTC\'s page runs its script with no CSP violation (%ipx)', async (width) => {
    const { page, errors } = await open(width);
    await page.goto(`${node.url}/`);
    // The page constants script ran: its top-level consts exist.
    expect(await page.evaluate('typeof CacheHash === "string" && UserJWTValid === false')).toBe(true);
    await shot(page, 'barertc', width);
    await page.goto(`${node.url}/about`);
    await shot(page, 'barertc-about', width);
    expect(errors).toEqual([]);
    await page.close();
  });

  it.each([390, 1280])('the invite page draws its QR code and its form signs up (%ipx)', async (width) => {
    const { token: fresh } = await node.server.core.invites.createAccount({ source: 'test' });
    const { page, errors } = await open(width);
    await page.goto(`${node.url}/invite?${fresh}`);
    await page.getByText('Open this invite on another device').click();
    const qr = await page.locator('svg').first().boundingBox();
    expect(qr?.width).toBeGreaterThan(100);
    await shot(page, 'invite', width);
    await page.getByRole('link', { name: 'Register an account' }).click();
    await page.getByLabel('Username').fill(`csp${width}`);
    await page.getByLabel('Password').fill('a long password');
    await shot(page, 'register', width);
    await page.getByRole('button', { name: 'Register' }).click();
    await page.waitForURL(/\/register$/);
    expect(await page.title()).toBe('Congratulations!');
    await shot(page, 'success', width);
    expect(errors).toEqual([]);
    await page.close();
  });

  it.each([390, 1280])('ChatCLI\'s welcome page and subscribe form render without violations (%ipx)', async (width) => {
    const { page, errors } = await open(width);
    await page.goto(`${node.server.chatcliUrl.replace(/^ws/, 'http')}/`);
    expect(await page.locator('h1').textContent()).toBe('Welcome to ChatCLI');
    await shot(page, 'chatcli', width);
    await page.goto(`${node.url}/subscribe`);
    await page.getByLabel('E-mail address').fill(`csp${width}@example.com`);
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.getByRole('status').waitFor();
    await shot(page, 'subscribe', width);
    expect(errors).toEqual([]);
    await page.close();
  });
});
