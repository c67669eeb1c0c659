import Type, { type TSchema } from 'typebox';
import type { ChannelDocs, FrameDocs } from '../route-docs.js';

/*
 * BareRTC's chat socket (reference/barertc.md §4): one JSON envelope in both directions, keyed by
 * `action`, empty fields left out. The same frames travel over POST /poll (§5).
 */

const S = Type.String();
const I = Type.Integer();
const opt = (schema: TSchema) => Type.Optional(schema);
const frame = (action: string, summary: string, fields: Record<string, TSchema> = {}): FrameDocs => ({ summary, payload: Type.Object({ action: Type.Literal(action), ...fields }) });
const WhoEntry = Type.Object({
  username: S, nickname: opt(S), status: S, video: Type.Integer({ description: 'Bit flags (§4.6).' }), dnd: opt(Type.Boolean()), loginAt: Type.Integer({ description: 'Unix seconds.' }),
  op: Type.Boolean(), vip: opt(Type.Boolean()), avatar: opt(S), profileURL: opt(S), emoji: opt(S), gender: opt(S),
});
const chatLine = { channel: Type.String({ description: 'A public channel id, or `@username` for a DM.' }), username: S, message: Type.String({ description: 'HTML.' }), msgID: I };

const target = { username: S };
/** Client → server actions (§4.3). */
const receives: Record<string, FrameDocs> = {
  login: frame('login', 'Sign in (with the website\'s JWT, or as a guest when JWT is not required).', { username: S, jwt: opt(S), dnd: opt(Type.Boolean()) }),
  message: frame('message', 'Post markdown to a channel or a DM (operators\' `/commands` too).', { channel: S, message: S }),
  file: frame('file', 'Share an image (jpeg, GIF or png).', { channel: S, message: Type.String({ description: 'The file name.' }), bytes: Type.Union([S, Type.Array(I)], { description: 'base64, or an array of byte values.' }) }),
  me: frame('me', 'Set your camera flags and status.', { video: opt(I), status: opt(S), dnd: opt(Type.Boolean()) }),
  open: frame('open', 'Ask to watch a user\'s camera.', target),
  candidate: frame('candidate', 'WebRTC ICE candidate for a user (relayed as is).', { username: S, candidate: Type.String({ description: 'JSON-stringified.' }) }),
  sdp: frame('sdp', 'WebRTC session description for a user (relayed as is).', { username: S, description: Type.String({ description: 'JSON-stringified.' }) }),
  watch: frame('watch', 'Tell a broadcaster you watch.', target),
  unwatch: frame('unwatch', 'Tell a broadcaster you stopped watching.', target),
  boot: frame('boot', 'Stop a user watching your camera.', target),
  unboot: frame('unboot', 'Let a booted user watch again.', target),
  mute: frame('mute', 'Mute a user.', target),
  unmute: frame('unmute', 'Unmute a user.', target),
  block: frame('block', 'Block a user.', target),
  blocklist: frame('blocklist', 'Mute and block many users at once (also before login).', { usernames: Type.Array(S) }),
  'video-invite': frame('video-invite', 'Invite users to watch your camera.', { usernames: Type.Array(S) }),
  takeback: frame('takeback', 'Delete one of your messages everywhere.', { msgID: I }),
  react: frame('react', 'React to a message with an emoji.', { msgID: I, message: S }),
  report: frame('report', 'Report a message or user to the website.', { channel: S, username: S, timestamp: S, reason: S, message: S, comment: S }),
  ping: frame('ping', 'Ignored (an empty poll over /poll).'),
};
/** Server → client actions (§4.4). */
const sends: Record<string, FrameDocs> = {
  me: frame('me', 'You are signed in, or your name or flags changed.', { username: S, video: opt(I) }),
  who: frame('who', 'Who is online, as you may see them.', { whoList: Type.Array(WhoEntry) }),
  message: frame('message', 'A chat line, your own included.', chatLine),
  echo: frame('echo', 'Recent public lines, right after login.', { messages: opt(Type.Array(Type.Object({ ...chatLine, timestamp: S }))) }),
  presence: frame('presence', 'Someone joined, left, was kicked or banned, or timed out.', { username: S, message: S }),
  error: frame('error', 'A notice from ChatServer (welcome messages carry their channel).', { username: Type.Literal('ChatServer'), message: S, channel: opt(S) }),
  disconnect: frame('disconnect', 'You were signed out (kicked, banned, signed in elsewhere); do not reconnect.'),
  ping: frame('ping', 'Keep-alive, with a refreshed JWT.', { jwt: opt(S), jwtRules: opt(Type.Record(S, Type.Boolean())) }),
  ring: frame('ring', 'Someone opened your camera.', { username: S, openSecret: S }),
  open: frame('open', 'Your `open` was accepted.', { username: S, openSecret: S }),
  candidate: frame('candidate', 'Relayed WebRTC ICE candidate.', { username: S, candidate: S }),
  sdp: frame('sdp', 'Relayed WebRTC session description.', { username: S, description: S }),
  watch: frame('watch', 'Someone watches your camera.', target),
  unwatch: frame('unwatch', 'Someone stopped watching.', target),
  cut: frame('cut', 'Turn your camera off.'),
  block: frame('block', 'A block was applied (add the name to your blocklist).', target),
  takeback: frame('takeback', 'Delete this message everywhere.', { msgID: I }),
  react: frame('react', 'An emoji reaction.', { username: S, message: S, msgID: I }),
};

/** `/ws` on the main listener. */
export const barertcChannels: readonly ChannelDocs[] = [{
  id: 'barertcChat',
  address: '/ws',
  listener: 'main',
  title: 'BareRTC chat',
  description:
    'Authentication is in-band: the `login` action, with the website\'s JWT (the `jwt` of GET /) when JWT sign-on is on. ' +
    'Same-origin only for browsers. Binary and unparseable frames are ignored; other actions before login are refused with a ' +
    'ChatServer `error`. A client too slow to read is closed with 1008. The same frames travel over POST /poll.',
  receives,
  sends,
}];
