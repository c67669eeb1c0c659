import { barertcChannels } from '../protocols/barertc/asyncapi.js';
import { chatcliChannels } from '../protocols/chatcli/asyncapi.js';
import { connorChannels } from '../protocols/connor/asyncapi.js';
import type { ProtocolName } from '../protocols/protocol.js';
import type { ChannelDocs, FrameDocs } from '../protocols/route-docs.js';
import { trueconfChannels } from '../protocols/trueconf/asyncapi.js';

/** Each protocol's WebSocket channels (src/protocols/<name>/asyncapi.ts); invites has no socket. */
const CHANNELS: Readonly<Record<ProtocolName, readonly ChannelDocs[]>> = {
  barertc: barertcChannels,
  connor: connorChannels,
  chatcli: chatcliChannels,
  trueconf: trueconfChannels,
  invites: [],
};

const SERVERS = {
  main: { host: 'localhost:8080', protocol: 'ws', description: 'The main listener (`server.listen`, default 127.0.0.1:8080; `wss` behind a TLS proxy). Its HTTP API is in /openapi.json.' },
  chatcli: { host: 'localhost:8765', protocol: 'ws', description: 'ChatCLI\'s own listener (`chatcli.listen`, default 127.0.0.1:8765). A plain GET / answers its welcome page, any other path 404 `{"detail":"Not Found"}`.' },
} as const;

/**
 * The AsyncAPI 3.0 document of the protocols' WebSocket endpoints: one channel per endpoint, with
 * the frames the client sends (operation `receive`, the server's point of view) and the frames
 * the server sends (operation `send`).
 */
export function asyncapiDocument(options: { readonly protocols: readonly ProtocolName[]; readonly version: string }): Record<string, unknown> {
  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const servers = new Set<keyof typeof SERVERS>();
  for (const protocol of options.protocols) {
    for (const channel of CHANNELS[protocol]) {
      servers.add(channel.listener);
      const messages: Record<string, unknown> = {};
      const refs = (direction: 'fromClient' | 'fromServer', frames: Readonly<Record<string, FrameDocs>>) => Object.entries(frames).map(([name, frame]) => {
        const key = `${direction}_${name}`;
        messages[key] = { name, summary: frame.summary, payload: frame.payload };
        return { $ref: `#/channels/${channel.id}/messages/${key}` };
      });
      const received = refs('fromClient', channel.receives);
      const sent = refs('fromServer', channel.sends);
      channels[channel.id] = {
        address: channel.address,
        title: channel.title,
        description: channel.description,
        servers: [{ $ref: `#/servers/${channel.listener}` }],
        ...(channel.parameters ? { parameters: Object.fromEntries(Object.entries(channel.parameters).map(([k, description]) => [k, { description }])) } : {}),
        messages,
        tags: [{ name: protocol }],
      };
      operations[`${channel.id}_receive`] = { action: 'receive', channel: { $ref: `#/channels/${channel.id}` }, summary: 'Frames the client sends.', messages: received };
      operations[`${channel.id}_send`] = { action: 'send', channel: { $ref: `#/channels/${channel.id}` }, summary: 'Frames the server sends.', messages: sent };
    }
  }
  return {
    asyncapi: '3.0.0',
    info: { title: 'Parley', version: options.version, description: 'The WebSocket endpoints of the protocols Parley speaks. Each keeps its original\'s frames (see each protocol\'s README).' },
    defaultContentType: 'application/json',
    servers: Object.fromEntries([...servers].map((s) => [s, SERVERS[s]])),
    channels,
    operations,
  };
}
