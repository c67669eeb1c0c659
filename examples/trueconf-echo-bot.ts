/**
 * An echo bot for Parley's TrueConf bot API, written against the conformance client
 * (test/conformance/trueconf/client.ts), which speaks the protocol as python-trueconf-bot does
 * and refuses any frame that library could not parse.
 *
 *   npm start                                   # in one terminal
 *   npx parley user create echo --bot --password-stdin <<< 'echo-password'
 *   PARLEY_URL=http://127.0.0.1:8080 BOT_USERNAME=echo BOT_PASSWORD=echo-password npm run example:echo-bot
 *
 * Then write to `echo` from any protocol — e.g. ChatCLI: create a chat with receiver "echo" and
 * post to it over ws://127.0.0.1:8765/ws — and the bot answers with the same text, as a reply.
 * Stop it with Ctrl-C.
 */
import { fetchToken, TrueConfBot } from '../test/conformance/trueconf/client.js';

const url = process.env['PARLEY_URL'] ?? 'http://127.0.0.1:8080';
const username = process.env['BOT_USERNAME'] ?? 'echo';
const password = process.env['BOT_PASSWORD'] ?? '';

const { access_token: token } = await fetchToken(url, username, password);
const bot = await TrueConfBot.connect(url.replace(/^http/, 'ws'), token, { receiveUnread: true });
process.stdout.write(`echo bot connected as ${bot.meId}\n`);
process.once('SIGINT', () => void bot.close().then(() => process.exit(0)));

for (;;) {
  const { payload } = await bot.nextEvent('sendMessage', 24 * 3600_000);
  if (payload.author.id === bot.meId || payload.type !== 200) continue; // its own messages come back too
  await bot.sendMessage(payload.chatId, String(payload.content['text']), 'text', payload.messageId);
  process.stdout.write(`echoed "${String(payload.content['text'])}" in chat ${payload.chatId}\n`);
}
