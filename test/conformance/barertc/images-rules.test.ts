import { SignJWT } from 'jose';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BARERTC_DEFAULTS } from '../../../src/protocols/barertc/settings.js';
import { NO_RATE_LIMITS, startNode, testSettings, type TestNode } from '../../helpers/start-node.js';
import { action, BareClient, BARERTC_TEST_SETTINGS, type BareFrame } from './barertc-client.js';

// reference/barertc.md §4.3 `file`, §4.8, §6.2, §10: shared images, moderation rules, PermitPhotos
// and DND, against a real node on port 0 with real sockets.
const SECRET = 'images-rules-secret-images-rules-secret';
const MAX = 200;
const PREVIEW = 50;
const S = BARERTC_DEFAULTS.Strings;

let node: TestNode;
beforeAll(async () => {
  const rule = (name: string, flag: string) => `\n[[barertc.ModerationRule]]\nUsername = "${name}"\n${flag} = true\n`;
  const channel = (id: string, extra: string) => `\n[[barertc.PublicChannels]]\nID = "${id}"\nName = "${id}"\n${extra}\n`;
  node = await startNode({
    settings: testSettings(
      `${NO_RATE_LIMITS}\n[barertc]\nMaxImageWidth = ${MAX}\nPreviewImageWidth = ${PREVIEW}\n${BARERTC_TEST_SETTINGS}` +
        `\n[barertc.JWT]\nEnabled = true\nStrict = false\nSecretKey = "${SECRET}"\n` +
        channel('lobby', 'PermitPhotos = true') + channel('nophotos', 'PermitPhotos = false') + channel('vip', 'VIP = true\nPermitPhotos = true') +
        rule('ir-noimg', 'NoImage') + rule('ir-nobc', 'NoBroadcast') + rule('ir-red', 'CameraAlwaysNSFW') + rule('ir-novid', 'NoVideo'),
    ),
  });
}, 30_000);
afterAll(() => node?.stop());

const token = (claims: Record<string, unknown>) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().setExpirationTime('5m').sign(new TextEncoder().encode(SECRET));

/** Log in with a website token for `sub` and read up to the own "has joined" line. */
async function website(sub: string, extra: Record<string, unknown> = {}): Promise<BareClient> {
  const client = await BareClient.open(node.wsUrl);
  client.send({ action: 'login', username: 'ignored', jwt: await token({ sub, ...extra }) });
  await client.next(action('me'));
  await client.next((f) => f.action === 'presence' && f['username'] === sub && f['message'] === 'has joined the room!');
  return client;
}

const guest = async (name: string) => (await BareClient.guest(node.wsUrl, name)).client;
const notice = (message: string) => ({ action: 'error', username: 'ChatServer', message });
const isError = (f: BareFrame) => f.action === 'error' && f['channel'] === undefined;
/** Frames other than the who lists and presence lines that interleave with everything. */
const own = (f: BareFrame) => f.action !== 'who' && f.action !== 'presence';
const isImage = (f: BareFrame) => f.action === 'message' && String(f['message']).startsWith('<img');

/** The parts of BareRTC's image HTML, or a failed expectation. */
function parseImg(html: unknown): { mime: string; data: Buffer; width: number; height: number } {
  const m = /^<img src="data:(image\/(?:jpeg|png|gif));base64,([A-Za-z0-9+/=]+)" width="(\d+)" height="(\d+)" onclick="setModalImage\(this\.src\)" style="cursor: pointer">$/.exec(String(html));
  expect(m, String(html).slice(0, 120)).not.toBeNull();
  const [, mime, b64, w, h] = m as RegExpExecArray;
  return { mime: mime as string, data: Buffer.from(b64 as string, 'base64'), width: Number(w), height: Number(h) };
}

const blank = (width: number, height: number, channels: 3 | 4 = 3) => sharp({ create: { width, height, channels, background: channels === 3 ? '#c00000' : '#00c00080' } });

let jpegWithExif: Buffer; // 400×300 stored, EXIF orientation 6 (shown 300×400), with a Copyright tag
let pngWithExif: Buffer; // 400×300 with EXIF
let gif: Buffer; // 80×40
beforeAll(async () => {
  jpegWithExif = await blank(400, 300).jpeg().withMetadata({ orientation: 6 }).withExifMerge({ IFD0: { Copyright: 'where-i-live' } }).toBuffer();
  pngWithExif = await blank(400, 300, 4).png().withExif({ IFD0: { Copyright: 'where-i-live' } }).toBuffer();
  gif = await blank(80, 40).gif().toBuffer();
  expect((await sharp(jpegWithExif).metadata()).exif).toBeDefined();
  expect((await sharp(pngWithExif).metadata()).exif).toBeDefined();
});

describe('file: images in a public channel', () => {
  it('re-encodes a JPEG sent as an int array: upright, no EXIF, scaled to MaxImageWidth, sized to PreviewImageWidth', async () => {
    const alice = await guest('ir-alice');
    const bob = await guest('ir-bob');
    alice.send({ action: 'file', channel: 'lobby', message: 'Holiday.JPG', bytes: [...jpegWithExif] });
    const got = await bob.next(isImage);
    expect(Object.keys(got).sort()).toEqual(['action', 'channel', 'message', 'msgID', 'username']);
    expect(got).toMatchObject({ action: 'message', channel: 'lobby', username: 'ir-alice' });
    expect(Number.isSafeInteger(got['msgID']) && (got['msgID'] as number) > 0).toBe(true);
    const img = parseImg(got['message']);
    expect(img.mime).toBe('image/jpeg');
    const meta = await sharp(img.data).metadata();
    expect(meta.format).toBe('jpeg');
    expect(meta.exif).toBeUndefined();
    expect(meta.orientation).toBeUndefined();
    // Turned upright (300×400), then the longest side brought to 200.
    expect([meta.width, meta.height]).toEqual([150, 200]);
    // Preview: longest side 50, the other truncated (150/200×50 = 37.5).
    expect([img.width, img.height]).toEqual([37, 50]);
    // The sender gets the same frame.
    expect(await alice.next(isImage)).toEqual(got);
    await Promise.all([alice.close(), bob.close()]);
  });

  it('accepts base64 bytes: a PNG stays a PNG without its EXIF', async () => {
    const carl = await guest('ir-carl');
    carl.send({ action: 'file', channel: 'lobby', message: 'shot.png', bytes: pngWithExif.toString('base64') });
    const got = await carl.next(isImage);
    expect(got).toMatchObject({ action: 'message', channel: 'lobby', username: 'ir-carl' });
    const img = parseImg(got['message']);
    expect(img.mime).toBe('image/png');
    const meta = await sharp(img.data).metadata();
    expect({ format: meta.format, exif: meta.exif, width: meta.width, height: meta.height }).toEqual({ format: 'png', exif: undefined, width: 200, height: 150 });
    expect([img.width, img.height]).toEqual([50, 37]);
    await carl.close();
  });

  it('never enlarges: a small PNG keeps its size and is previewed at it', async () => {
    const dana = await guest('ir-dana');
    dana.send({ action: 'file', channel: 'lobby', message: 'tiny.png', bytes: [...(await blank(20, 10).png().toBuffer())] });
    const img = parseImg((await dana.next(isImage))['message']);
    const meta = await sharp(img.data).metadata();
    expect([meta.width, meta.height, img.width, img.height]).toEqual([20, 10, 20, 10]);
    await dana.close();
  });

  it('passes a GIF through byte for byte', async () => {
    const eve = await guest('ir-eve');
    eve.send({ action: 'file', channel: 'lobby', message: 'dance.gif', bytes: [...gif] });
    const img = parseImg((await eve.next(isImage))['message']);
    expect(img.mime).toBe('image/gif');
    expect(img.data.equals(gif)).toBe(true);
    expect([img.width, img.height]).toEqual([50, 25]);
    await eve.close();
  });

  it('refuses a wrong extension, undecodable bytes, bad bytes, a GIF name on a PNG, with ChatServer errors', async () => {
    const fred = await guest('ir-fred');
    fred.send({ action: 'file', channel: 'lobby', message: 'picture.bmp', bytes: [...gif] });
    expect(await fred.next(isError)).toEqual(notice('Unsupported image type, should be a jpeg, GIF or png.'));
    fred.send({ action: 'file', channel: 'lobby', message: 'noextension', bytes: [...gif] });
    expect(await fred.next(isError)).toEqual(notice('Unsupported image type, should be a jpeg, GIF or png.'));
    fred.send({ action: 'file', channel: 'lobby', message: 'x.png', bytes: [...Buffer.from('this is not an image at all')] });
    expect(await fred.next(isError)).toEqual(notice('That file could not be read as an image. Please share a jpeg, GIF or png picture.'));
    fred.send({ action: 'file', channel: 'lobby', message: 'x.gif', bytes: [...(await blank(10, 10).png().toBuffer())] });
    expect(await fred.next(isError)).toEqual(notice('That file could not be read as an image. Please share a jpeg, GIF or png picture.'));
    // A truncated JPEG: a real header, then nothing.
    fred.send({ action: 'file', channel: 'lobby', message: 'x.jpg', bytes: [...jpegWithExif.subarray(0, 200)] });
    expect(await fred.next(isError)).toEqual(notice('That file could not be read as an image. Please share a jpeg, GIF or png picture.'));
    const badBytes = notice('Could not share that picture: its bytes were not sent as base64 or as an array of byte values.');
    for (const bytes of [[1, 2, 300], [1, 'a'], { 0: 1 }, 'not base64!', [], undefined]) {
      fred.send({ action: 'file', channel: 'lobby', message: 'x.png', bytes });
      expect(await fred.next(isError)).toEqual(badBytes);
    }
    fred.send({ action: 'file', channel: 'nowhere', message: 'x.png', bytes: [...pngWithExif] });
    expect(await fred.next(isError)).toEqual(notice('There is no channel called nowhere on this server.'));
    // Still logged in and working.
    fred.send({ action: 'file', channel: 'lobby', message: 'ok.gif', bytes: [...gif] });
    expect(await fred.next(isImage)).toMatchObject({ username: 'ir-fred' });
    await fred.close();
  });

  it('refuses an image in a channel whose PermitPhotos is off (Parley enforces it)', async () => {
    const gina = await guest('ir-gina');
    gina.send({ action: 'file', channel: 'nophotos', message: 'x.gif', bytes: [...gif] });
    expect(await gina.next(isError)).toEqual(notice('Photo sharing is not permitted in this channel.'));
    await gina.close();
  });

  it('hides an image from a user who mutes its sender, and a VIP channel image from non-VIPs', async () => {
    const hal = await guest('ir-hal');
    const ivy = await guest('ir-ivy');
    const jon = await guest('ir-jon');
    const vip = await website('ir-vip', { vip: true });
    ivy.send({ action: 'mute', username: 'ir-hal' });
    await ivy.next((f) => f.action === 'who');
    hal.send({ action: 'file', channel: 'lobby', message: 'a.gif', bytes: [...gif] });
    const shown = await jon.next(isImage);
    expect(shown).toMatchObject({ channel: 'lobby', username: 'ir-hal' });
    await hal.next(isImage);
    hal.send({ action: 'file', channel: 'vip', message: 'b.gif', bytes: [...gif] });
    expect(await vip.next((f) => isImage(f) && f['channel'] === 'vip')).toMatchObject({ channel: 'vip', username: 'ir-hal' });
    // A later text line from someone nobody mutes reaches everyone; the frames before it show what each one got.
    jon.send({ action: 'message', channel: 'lobby', message: 'after the pictures' });
    for (const c of [ivy, jon]) await c.next((f) => f.action === 'message' && String(f['message']).includes('after the pictures'));
    expect(ivy.all().filter(isImage)).toEqual([]);
    expect(jon.all().filter(isImage).map((f) => f['channel'])).toEqual(['lobby']);
    await Promise.all([hal.close(), ivy.close(), jon.close(), vip.close()]);
  });
});

describe('file: images in DMs', () => {
  it('delivers to both parties with one msgID, each seeing the other as the channel', async () => {
    const kim = await guest('ir-kim');
    const lou = await guest('ir-lou');
    kim.send({ action: 'file', channel: '@ir-lou', message: 'x.gif', bytes: [...gif] });
    const mine = await kim.next(isImage);
    const theirs = await lou.next(isImage);
    expect(mine).toMatchObject({ action: 'message', channel: '@ir-lou', username: 'ir-kim' });
    expect(theirs).toEqual({ ...mine, channel: '@ir-kim' });
    kim.send({ action: 'file', channel: '@ir-nobody', message: 'x.gif', bytes: [...gif] });
    expect(await kim.next(isError)).toEqual(notice('Could not deliver your message: @ir-nobody appears not to be online.'));
    await Promise.all([kim.close(), lou.close()]);
  });

  it('follows the DM rules for mutes: a muting recipient gets nothing; a sender who mutes is told', async () => {
    const quin = await guest('ir-quin');
    const rita = await guest('ir-rita');
    rita.send({ action: 'mute', username: 'ir-quin' });
    await rita.next(action('who'));
    quin.send({ action: 'file', channel: '@ir-rita', message: 'x.gif', bytes: [...gif] });
    expect(await quin.next(isImage)).toMatchObject({ channel: '@ir-rita', username: 'ir-quin' });
    rita.send({ action: 'file', channel: '@ir-quin', message: 'y.gif', bytes: [...gif] });
    expect(await rita.next(isImage)).toMatchObject({ channel: '@ir-quin', username: 'ir-rita' });
    expect(await rita.next(isError)).toEqual(notice('You have muted ir-quin and so your message has not been sent.'));
    // A public line from rita (whom nobody mutes) reaches both after anything sent before it.
    rita.send({ action: 'message', channel: 'lobby', message: 'marker' });
    for (const c of [quin, rita]) await c.next((f) => f.action === 'message' && String(f['message']).includes('marker'));
    expect(rita.all().filter((f) => isImage(f) && f['username'] === 'ir-quin')).toEqual([]);
    expect(quin.all().filter((f) => isImage(f) && f['username'] === 'ir-rita')).toEqual([]);
    await Promise.all([quin.close(), rita.close()]);
  });

  it("drops an image DM across a block, an operator's too, as text DMs are", async () => {
    const sia = await guest('ir-sia');
    const op = await website('ir-op2', { op: true });
    // (users may not block an operator here, BlockableAdmins being off; the operator blocks them)
    // (a socket's frames are handled in order: the block is set before the image is looked at)
    op.send({ action: 'block', username: 'ir-sia' });
    op.send({ action: 'file', channel: '@ir-sia', message: 'x.gif', bytes: [...gif] });
    expect(await op.next(isImage)).toMatchObject({ channel: '@ir-sia', username: 'ir-op2' }); // the echo, as always
    // The operator's next line is handled after the image; once the operator has its echo, a line
    // sia sends comes after anything the image could have sent her.
    op.send({ action: 'message', channel: 'lobby', message: 'after the image' });
    await op.next((f) => f.action === 'message' && String(f['message']).includes('after the image'));
    sia.send({ action: 'message', channel: 'lobby', message: 'marker' });
    await sia.next((f) => f.action === 'message' && String(f['message']).includes('marker'));
    expect(sia.all().filter(isImage)).toEqual([]);
    await Promise.all([sia.close(), op.close()]);
  });

  it('refuses a DM to a user with DND on, unless the sender is an operator', async () => {
    const max = await guest('ir-max');
    const ned = await guest('ir-ned');
    const op = await website('ir-op', { op: true });
    ned.send({ action: 'me', status: 'online', video: 0, dnd: true });
    await max.whoUntil((list) => list.some((e) => e['username'] === 'ir-ned' && e['dnd'] === true));
    await op.whoUntil((list) => list.some((e) => e['username'] === 'ir-ned' && e['dnd'] === true));
    max.send({ action: 'file', channel: '@ir-ned', message: 'x.gif', bytes: [...gif] });
    expect(await max.next(isError)).toEqual(notice('@ir-ned is not accepting direct messages right now.'));
    op.send({ action: 'file', channel: '@ir-ned', message: 'x.gif', bytes: [...gif] });
    expect(await ned.next(isImage)).toMatchObject({ channel: '@ir-op', username: 'ir-op' });
    // Nothing from max arrived: the operator's image is the only one ned got.
    expect(ned.all().filter(isImage).map((f) => f['username'])).toEqual(['ir-op']);
    expect(max.all().filter(isImage)).toEqual([]);
    await Promise.all([max.close(), ned.close(), op.close()]);
  });
});

describe('takeback of an image', () => {
  it('the sender takes it back everywhere; another user may not; an operator may', async () => {
    const oli = await guest('ir-oli');
    const pam = await guest('ir-pam');
    const op = await website('ir-op2', { op: true });
    oli.send({ action: 'file', channel: 'lobby', message: 'x.gif', bytes: [...gif] });
    const { msgID } = await pam.next(isImage);
    pam.send({ action: 'takeback', msgID });
    expect(await pam.next(isError)).toEqual(notice('That is not your message to take back.'));
    oli.send({ action: 'takeback', msgID });
    for (const c of [oli, pam, op]) expect(await c.next(action('takeback'))).toEqual({ action: 'takeback', msgID });
    oli.send({ action: 'file', channel: 'lobby', message: 'y.gif', bytes: [...gif] });
    const second = await pam.next(isImage);
    op.send({ action: 'takeback', msgID: second['msgID'] });
    for (const c of [oli, pam]) expect(await c.next(action('takeback'))).toEqual({ action: 'takeback', msgID: second['msgID'] });
    await Promise.all([oli.close(), pam.close(), op.close()]);
  });
});

describe('moderation rules (§6.2)', () => {
  it('NoImage from settings and from the JWT refuses images', async () => {
    const byRule = await guest('ir-noimg');
    byRule.send({ action: 'file', channel: 'lobby', message: 'x.gif', bytes: [...gif] });
    expect(await byRule.next(isError)).toEqual(notice(S.ModRuleErrorNoImage));
    const byJwt = await website('ir-jwt-noimg', { rules: ['noimage'] });
    byJwt.send({ action: 'file', channel: '@ir-jwt-noimg', message: 'x.gif', bytes: [...gif] });
    expect(await byJwt.next(isError)).toEqual(notice(S.ModRuleErrorNoImage));
    expect([...byRule.all(), ...byJwt.all()].filter(isImage)).toEqual([]);
    await Promise.all([byRule.close(), byJwt.close()]);
  });

  it('NoBroadcast: turning the camera on is cut, told, and kept off', async () => {
    const nb = await guest('ir-nobc');
    const watcher = await guest('ir-watch1');
    nb.send({ action: 'me', status: 'online', video: 1 | 2 });
    expect(await nb.next(own)).toEqual({ action: 'cut' });
    expect(await nb.next(own)).toEqual(notice(S.ModRuleErrorNoBroadcast));
    // A status change still goes through; the camera stays off.
    const list = await watcher.whoUntil((l) => l.some((e) => e['username'] === 'ir-nobc'));
    expect(list.find((e) => e['username'] === 'ir-nobc')).toMatchObject({ video: 0 });
    // Turning it off is not refused.
    nb.send({ action: 'me', status: 'away', video: 0 });
    await watcher.whoUntil((l) => l.some((e) => e['username'] === 'ir-nobc' && e['status'] === 'away'));
    expect(nb.all().filter((f) => f.action === 'cut')).toHaveLength(1);
    // The JWT's novideo implies it.
    const nv = await website('ir-jwt-novid', { rules: ['novideo'] });
    nv.send({ action: 'me', status: 'online', video: 1 });
    expect(await nv.next(own)).toEqual({ action: 'cut' });
    expect(await nv.next(own)).toEqual(notice(S.ModRuleErrorNoBroadcast));
    await Promise.all([nb.close(), watcher.close(), nv.close()]);
  });

  it('CameraAlwaysNSFW: the camera is forced red, told, and me is echoed', async () => {
    const red = await guest('ir-red');
    const watcher = await guest('ir-watch2');
    red.send({ action: 'me', status: 'online', video: 1 });
    expect(await red.next(own)).toEqual(notice(S.ModRuleErrorCameraAlwaysNSFW));
    expect(await red.next(action('me'))).toEqual({ action: 'me', username: 'ir-red', video: 3 });
    await watcher.whoUntil((l) => l.some((e) => e['username'] === 'ir-red' && e['video'] === 3));
    // Already red: nothing to say.
    red.send({ action: 'me', status: 'away', video: 3 });
    await watcher.whoUntil((l) => l.some((e) => e['username'] === 'ir-red' && e['status'] === 'away'));
    expect(red.all().filter((f) => f.action === 'me')).toHaveLength(2); // the login's and the echo
    const byJwt = await website('ir-jwt-red', { rules: ['redcam'] });
    byJwt.send({ action: 'me', status: 'online', video: 1 | 4 });
    expect(await byJwt.next(action('me'))).toEqual({ action: 'me', username: 'ir-jwt-red', video: 1 | 2 | 4 });
    await Promise.all([red.close(), watcher.close(), byJwt.close()]);
  });

  it('NoVideo: open is refused with the NoVideo string, before any other check', async () => {
    const nv = await guest('ir-novid');
    const cam = await guest('ir-cam');
    cam.send({ action: 'me', status: 'online', video: 1 });
    await nv.whoUntil((l) => l.some((e) => e['username'] === 'ir-cam' && e['video'] === 1));
    nv.send({ action: 'open', username: 'ir-cam' });
    expect(await nv.next(isError)).toEqual(notice(S.ModRuleErrorNoVideo));
    nv.send({ action: 'open', username: 'ir-offline' });
    expect(await nv.next(isError)).toEqual(notice(S.ModRuleErrorNoVideo));
    expect(cam.all().filter((f) => f.action === 'ring')).toEqual([]);
    await Promise.all([nv.close(), cam.close()]);
  });
});
