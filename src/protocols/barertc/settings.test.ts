import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../config/load.js';
import { BARERTC_DEFAULTS, parseBarertcSettings, reloadBarertcSettings } from './settings.js';

const KEY = '00000000-0000-4000-8000-000000000000';
const SECRETS = '[secrets]\nconnor_jwt = "test-secret-test-secret-test-secret!"\ntoken_key = "test-token-key-test-token-key-test-token-key"\ntrueconf_jwt = "test-trueconf-test-trueconf-test-trueconf"\n';

/**
 * The body of a BareRTC (config Version 17) settings.toml as its TOML writer saves it, comments
 * included, with only its tables renamed under `barertc.` — what an operator pastes.
 */
const PASTED = `[barertc]
# Version of your config file (do not touch).
Version = 17
# Your chat room title (plain text)
Title = 'Example Chat'
Branding = '<strong>Example</strong> Chat'
WebsiteURL = 'https://www.example.org'
CORSHosts = ['https://www.example.org', 'https://m.example.org']
AdminAPIKey = '${KEY}'
PermitNSFW = true
BlockableAdmins = false
UseXForwardedFor = true
WebSocketReadLimit = 41943040
WebSocketSendTimeout = 10
MaxImageWidth = 1280
PreviewImageWidth = 360

[barertc.JWT]
Enabled = true
Strict = true
SecretKey = 'a website secret'
LandingPageURL = 'https://www.example.org/chat-login'

[barertc.TURN]
URLs = ['stun:stun.l.google.com:19302', 'turn:turn.example.org:3478']
Username = 'turnuser'
Credential = 'turnpass'

[[barertc.PublicChannels]]
ID = 'lobby'
Name = 'Main Room'
Icon = 'fa fa-gavel'
VIP = false
PermitPhotos = false
WelcomeMessages = ['Welcome!', """Please follow the basic rules:

1. Have fun
2. Be kind"""]
EchoMessagesOnJoin = 10

[[barertc.PublicChannels]]
ID = 'photos'
Name = 'Photos'
PermitPhotos = true

[[barertc.WebhookURLs]]
Name = 'report'
Enabled = true
URL = 'https://www.example.org/v1/barertc/report'

[[barertc.WebhookURLs]]
Name = 'profile'
Enabled = false
URL = 'https://www.example.org/v1/barertc/profile'

[barertc.VIP]
Name = 'Gold'
Branding = '<em>Gold Members</em>'
Icon = 'fa fa-star'
MutuallySecret = true

[[barertc.MessageFilters]]
Enabled = true
PublicChannels = true
PrivateChannels = false
KeywordPhrases = ['\\bswear words\\b']
CensorMessage = true
ForwardMessage = false
ReportMessage = true
ChatServerResponse = 'Watch your language.'

[[barertc.ModerationRule]]
Username = 'troll'
CameraAlwaysNSFW = true
NoBroadcast = false
NoVideo = false
NoImage = true
NoDarkVideo = false

[barertc.DirectMessageHistory]
Enabled = true
SQLiteDatabase = 'database.sqlite'
RetentionDays = 30
DisclaimerMessage = 'Be nice.'

[barertc.DMLinkSpamProtection]
Enabled = true
MaxThreads = 3
TimeLimit = 600
BanHours = 12

[barertc.Strings]
ModRuleErrorCameraAlwaysNSFW = 'Red camera, please.'
ModRuleErrorNoBroadcast = 'No broadcasting.'
ModRuleErrorNoVideo = 'No watching.'
ModRuleErrorNoImage = 'No images.'

[barertc.Logging]
Enabled = false
Directory = './logs'
Channels = ['lobby', 'offtopic']
Usernames = []
`;

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'parley-barertc-settings-'));
  file = path.join(dir, 'settings.toml');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Write settings.toml with the top-level key, `body`, and the secrets; load it. */
const load = (body: string) => {
  writeFileSync(file, `AdminAPIKey = "${KEY}"\n${body}\n${SECRETS}`);
  return loadConfig({ configPath: file, env: {} });
};
/** The ConfigError message that loading `body` gives. */
function loadError(body: string): string {
  try {
    load(body);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as Error).message;
  }
  throw new Error('loadConfig did not throw');
}

describe('[barertc] settings', () => {
  it("applies BareRTC's defaults (reference §7) when the section is absent, frozen", () => {
    const { barertc } = load('');
    expect(barertc).toStrictEqual(BARERTC_DEFAULTS);
    expect(barertc.JWT).toStrictEqual({ Enabled: false, Strict: true, SecretKey: '', LandingPageURL: '', Algorithms: ['HS256', 'HS384', 'HS512'] });
    expect(barertc.PublicChannels.map((c) => [c.ID, c.Name, c.VIP, c.PermitPhotos, c.EchoMessagesOnJoin])).toStrictEqual([
      ['lobby', 'Lobby', false, false, 10],
      ['offtopic', 'Off Topic', false, true, 0],
      ['vip', 'VIPs Only', true, true, 0],
    ]);
    expect(barertc.WebSocketReadLimit).toBe(41_943_040);
    expect(barertc.Timings).toStrictEqual({ PresenceWarmupSeconds: 30, WhoWarmupSeconds: 15, PingIntervalSeconds: 30, PollTimeoutSeconds: 60, SendQueueSize: 32 });
    expect(barertc.WebhookURLs.every((w) => !w.Enabled)).toBe(true);
    expect(Object.isFrozen(barertc.PublicChannels[0])).toBe(true);
    expect(Object.isFrozen(BARERTC_DEFAULTS.PublicChannels)).toBe(false); // the defaults are copied, not frozen in place
  });

  it('loads the pasted body of a real BareRTC settings.toml with its values', () => {
    const { barertc } = load(PASTED);
    expect(barertc).toMatchObject({
      Title: 'Example Chat',
      Branding: '<strong>Example</strong> Chat',
      WebsiteURL: 'https://www.example.org',
      CORSHosts: ['https://www.example.org', 'https://m.example.org'],
      PermitNSFW: true,
      UseXForwardedFor: true,
      JWT: { Enabled: true, Strict: true, SecretKey: 'a website secret', LandingPageURL: 'https://www.example.org/chat-login', Algorithms: ['HS256', 'HS384', 'HS512'] },
      TURN: { URLs: ['stun:stun.l.google.com:19302', 'turn:turn.example.org:3478'], Username: 'turnuser', Credential: 'turnpass' },
      VIP: { Name: 'Gold', Branding: '<em>Gold Members</em>', Icon: 'fa fa-star', MutuallySecret: true },
      WebhookURLs: [{ Name: 'report', Enabled: true, URL: 'https://www.example.org/v1/barertc/report' }, { Name: 'profile', Enabled: false, URL: 'https://www.example.org/v1/barertc/profile' }],
      MessageFilters: [{ Enabled: true, PublicChannels: true, PrivateChannels: false, KeywordPhrases: ['\\bswear words\\b'], CensorMessage: true, ForwardMessage: false, ReportMessage: true, ChatServerResponse: 'Watch your language.' }],
      ModerationRule: [{ Username: 'troll', CameraAlwaysNSFW: true, NoBroadcast: false, NoVideo: false, NoImage: true, NoDarkVideo: false }],
      DirectMessageHistory: { Enabled: true, RetentionDays: 30, DisclaimerMessage: 'Be nice.' },
      DMLinkSpamProtection: { Enabled: true, MaxThreads: 3, TimeLimit: 600, BanHours: 12 },
      Strings: { ModRuleErrorNoImage: 'No images.' },
      Logging: { Enabled: false, Directory: './logs', Channels: ['lobby', 'offtopic'], Usernames: [] },
    });
    // A given array replaces the default one; a partial entry gets Go's zero values.
    expect(barertc.PublicChannels).toStrictEqual([
      { ID: 'lobby', Name: 'Main Room', Icon: 'fa fa-gavel', VIP: false, PermitPhotos: false, WelcomeMessages: ['Welcome!', 'Please follow the basic rules:\n\n1. Have fun\n2. Be kind'], EchoMessagesOnJoin: 10 },
      { ID: 'photos', Name: 'Photos', Icon: '', VIP: false, PermitPhotos: true, WelcomeMessages: [], EchoMessagesOnJoin: 0 },
    ]);
    // Tables the paste leaves out keep their defaults.
    expect(barertc.Timings).toStrictEqual(BARERTC_DEFAULTS.Timings);
  });

  it('refuses a pasted AdminAPIKey that differs from the top-level one, naming both keys and neither value', () => {
    const message = loadError('[barertc]\nAdminAPIKey = "another-key-another-key"\n');
    expect(message).toContain('barertc.AdminAPIKey');
    expect(message).toMatch(/differs from the top-level AdminAPIKey/);
    expect(message).not.toContain('another-key');
    expect(message).not.toContain(KEY);
  });

  it.each([
    ['[barertc]\nWebSocketReadLimit = "big"\n', 'barertc.WebSocketReadLimit', /must be an integer between 1024 and 1073741824, got "big"/],
    ['[barertc]\nWebsiteURL = "ftp://x"\n', 'barertc.WebsiteURL', /must be empty or an http\(s\) URL/],
    ['[barertc.JWT]\nSecret = "x"\n', 'barertc.JWT.Secret', /unknown setting/],
    ['[barertc.JWT]\nAlgorithms = ["RS256"]\n', 'barertc.JWT.Algorithms.0', /must be one of HS256, HS384, HS512, got "RS256"/],
    ['[barertc.Timings]\nPingIntervalSeconds = 0\n', 'barertc.Timings.PingIntervalSeconds', /must be a number between 0.01 and 86400, got 0/],
    ['[[barertc.PublicChannels]]\nName = "no id"\n', 'barertc.PublicChannels.0.ID', /is required/],
    ['[[barertc.PublicChannels]]\nID = "@dm"\n', 'barertc.PublicChannels.0.ID', /must be a channel id/],
    ['[[barertc.PublicChannels]]\nID = "a"\n[[barertc.PublicChannels]]\nID = "A"\n', 'barertc.PublicChannels.1.ID', /duplicate channel id "A"/],
    ['[barertc]\nPublicChannels = []\n', 'barertc.PublicChannels', /at least one/],
    ['barertc = 5\n', 'barertc', /./],
  ])('refuses %j naming %s', (body, key, why) => {
    const message = loadError(body);
    expect(message.startsWith(`${key} (in ${file}): `) || message.startsWith(`${key}: `) || message.startsWith(`${key} `), message).toBe(true);
    expect(message).toMatch(why);
  });

  it('never shows the JWT secret in an error', () => {
    const message = loadError('[barertc.JWT]\nSecretKey = 42\n');
    expect(message).toContain('barertc.JWT.SecretKey');
    expect(message).toContain('(hidden)');
  });

  it("says where a BareRTC table goes when it was pasted at the top level", () => {
    expect(loadError('[JWT]\nEnabled = true\n')).toMatch(/^JWT .*unknown setting \(BareRTC's \[JWT\] goes under \[barertc\.JWT\]/);
  });

  it('re-reads just [barertc] from the file, or says which key is wrong', async () => {
    load('[barertc]\nTitle = "Before"\n');
    writeFileSync(file, `AdminAPIKey = "${KEY}"\n[barertc]\nTitle = "After"\n[barertc.Timings]\nPingIntervalSeconds = 5\n${SECRETS}`);
    const again = await reloadBarertcSettings(file, KEY);
    expect(again.ok && again.settings.Title).toBe('After');
    expect(again.ok && again.settings.Timings.PingIntervalSeconds).toBe(5);
    writeFileSync(file, `AdminAPIKey = "${KEY}"\n[barertc]\nMaxImageWidth = 0\n${SECRETS}`);
    expect(await reloadBarertcSettings(file, KEY)).toStrictEqual({ ok: false, error: `barertc.MaxImageWidth (in ${file}): must be an integer between 1 and 100000, got 0` });
    writeFileSync(file, 'not = [toml');
    const broken = await reloadBarertcSettings(file, KEY);
    expect(broken.ok).toBe(false);
    expect(!broken.ok && broken.error).toMatch(/cannot read settings/);
  });

  it('parses a table directly, leaving the given table untouched', () => {
    const raw = { Title: 'T', JWT: { Enabled: true } };
    const result = parseBarertcSettings(raw, KEY);
    expect(result.ok && result.settings.JWT.Strict).toBe(true);
    expect(Object.isFrozen(raw.JWT)).toBe(false);
  });
});
