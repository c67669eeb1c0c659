import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { JWT_LEEWAY_SECONDS, rulesOf, signBarertcJwt, verifyBarertcJwt, type BarertcJwtSettings } from './jwt.js';

const SECRET = 'the website and the chat share this';
const ON: BarertcJwtSettings = { Enabled: true, Strict: true, SecretKey: SECRET, LandingPageURL: '', Algorithms: ['HS256', 'HS384', 'HS512'] };
const now = () => Math.floor(Date.now() / 1000);

/** A token as a website signs it: `alg`, secret and time claims chosen per test. */
async function websiteToken(claims: Record<string, unknown>, o: { alg?: string; secret?: string; exp?: number | null; nbf?: number } = {}): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: o.alg ?? 'HS256', typ: 'JWT' }).setIssuedAt();
  if (o.exp !== null) jwt.setExpirationTime(o.exp ?? now() + 300);
  if (o.nbf !== undefined) jwt.setNotBefore(o.nbf);
  return jwt.sign(new TextEncoder().encode(o.secret ?? SECRET));
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

describe('verifyBarertcJwt (reference §3, Parley: HMAC only, JWT on, secret set, exp with leeway)', () => {
  it("maps a website's claims onto BarertcClaims", async () => {
    const token = await websiteToken({ sub: 'alice', nick: 'Alice A.', op: true, vip: true, img: '/a.png', url: '/u/alice', emoji: '🤖', gender: 'f', rules: ['redcam', 'noimage'], iss: 'my own app' });
    expect(await verifyBarertcJwt(ON, token)).toStrictEqual({ sub: 'alice', nick: 'Alice A.', op: true, vip: true, img: '/a.png', url: '/u/alice', emoji: '🤖', gender: 'f', rules: ['redcam', 'noimage'] });
  });

  it('accepts HS512 and HS384 by default, and refuses them when Algorithms lists only HS256', async () => {
    const hs512 = await websiteToken({ sub: 'bob' }, { alg: 'HS512' });
    expect((await verifyBarertcJwt(ON, hs512)).sub).toBe('bob');
    expect((await verifyBarertcJwt(ON, await websiteToken({ sub: 'bob' }, { alg: 'HS384' }))).sub).toBe('bob');
    await expect(verifyBarertcJwt({ ...ON, Algorithms: ['HS256'] }, hs512)).rejects.toThrow('signing method is not allowed');
  });

  it('refuses an RS256 token, even one whose key is the secret\'s bytes published as a JWK', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const rs = await new SignJWT({ sub: 'mallory', op: true }).setProtectedHeader({ alg: 'RS256' }).setExpirationTime('5m').sign(privateKey);
    await expect(verifyBarertcJwt(ON, rs)).rejects.toThrow('signing method is not allowed');
    expect((await exportJWK(publicKey)).kty).toBe('RSA'); // a real RSA token, not a malformed one
  });

  it("refuses an unsigned alg:none token", async () => {
    const none = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: 'mallory', op: true, exp: now() + 300 })}.`;
    await expect(verifyBarertcJwt(ON, none)).rejects.toThrow(/signing method is not allowed|token is malformed/);
  });

  it('refuses an expired token, and accepts one expired within the leeway', async () => {
    await expect(verifyBarertcJwt(ON, await websiteToken({ sub: 'carol' }, { exp: now() - JWT_LEEWAY_SECONDS - 5 }))).rejects.toThrow('token is expired');
    expect((await verifyBarertcJwt(ON, await websiteToken({ sub: 'carol' }, { exp: now() - 5 }))).sub).toBe('carol');
  });

  it('refuses a token not valid yet beyond the leeway, and accepts a clock a little ahead', async () => {
    await expect(verifyBarertcJwt(ON, await websiteToken({ sub: 'dan' }, { nbf: now() + JWT_LEEWAY_SECONDS + 30 }))).rejects.toThrow('token is not valid yet');
    expect((await verifyBarertcJwt(ON, await websiteToken({ sub: 'dan' }, { nbf: now() + 5 }))).sub).toBe('dan');
  });

  it('refuses a token signed with another secret', async () => {
    await expect(verifyBarertcJwt(ON, await websiteToken({ sub: 'erin' }, { secret: 'not the shared secret' }))).rejects.toThrow('signature is invalid');
  });

  it('refuses every token while JWT is disabled, and while the secret is empty (BareRTC accepts both)', async () => {
    const token = await websiteToken({ sub: 'frank', op: true });
    await expect(verifyBarertcJwt({ ...ON, Enabled: false }, token)).rejects.toThrow('JWT authentication is not enabled on this server');
    const emptyKeyToken = await websiteToken({ sub: 'frank', op: true }, { secret: '' }).catch(() => `${b64({ alg: 'HS256' })}.${b64({ sub: 'frank' })}.x`);
    await expect(verifyBarertcJwt({ ...ON, SecretKey: '' }, emptyKeyToken)).rejects.toThrow('no secret key configured');
  });

  it('refuses a token without exp, a garbled one, and one whose claims have the wrong types', async () => {
    await expect(verifyBarertcJwt(ON, await websiteToken({ sub: 'gus' }, { exp: null }))).rejects.toThrow('token has no expiry (exp)');
    await expect(verifyBarertcJwt(ON, 'not.a.token')).rejects.toThrow('token is malformed');
    await expect(verifyBarertcJwt(ON, await websiteToken({ sub: 'gus', op: 'yes' }))).rejects.toThrow('invalid claim op');
    await expect(verifyBarertcJwt(ON, await websiteToken({ nick: 'no subject' }))).rejects.toThrow('invalid claim sub');
  });
});

describe('signBarertcJwt', () => {
  it('signs HS256 with exp = now + ttl, iat = nbf = now, and the claims back as they went in', async () => {
    const claims = { sub: 'bot', nick: 'Bot', op: true, emoji: '🤖', rules: ['novideo'] };
    const token = await signBarertcJwt(ON, claims, 300);
    expect(decodeProtectedHeader(token).alg).toBe('HS256');
    const payload = decodeJwt(token);
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(payload.nbf).toBe(payload.iat);
    expect(Math.abs(payload.iat! - now())).toBeLessThanOrEqual(1);
    expect(await verifyBarertcJwt(ON, token)).toStrictEqual(claims);
  });

  it('signs while JWT is disabled (as /api/authenticate does) but never with an empty secret', async () => {
    const disabled: BarertcJwtSettings = { ...ON, Enabled: false };
    expect(await signBarertcJwt(disabled, { sub: 'x' }, 60)).toMatch(/^ey/);
    await expect(signBarertcJwt({ SecretKey: '' }, { sub: 'x' }, 60)).rejects.toThrow('no secret key configured');
  });
});

describe('rulesOf', () => {
  it("gives the page's UserJWTRules / ping's jwtRules, novideo implying no broadcast", () => {
    expect(rulesOf({ sub: 'a', rules: ['novideo', 'nodvd'] })).toStrictEqual({ IsNoVideoRule: true, IsNoImageRule: false, IsNoBroadcastRule: true, IsRedCamRule: false, IsNoDarkVideoRule: true });
    expect(rulesOf(null)).toStrictEqual({ IsNoVideoRule: false, IsNoImageRule: false, IsNoBroadcastRule: false, IsRedCamRule: false, IsNoDarkVideoRule: false });
  });
});
