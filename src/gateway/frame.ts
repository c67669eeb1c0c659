import * as ws from 'ws';
import type WebSocket from 'ws';
import { textsOf, type Outgoing } from '../hub/transport.js';

/** ws's framing helper: its public `Sender.frame`, which @types/ws does not declare. */
type FrameFn = (data: Buffer, options: { fin: boolean; rsv1: boolean; opcode: number; mask: boolean; readOnly: boolean }) => Buffer[];
const frameParts = (ws as unknown as { Sender: { frame: FrameFn } }).Sender.frame;

/**
 * One unmasked, final text frame as a single buffer: built once per event, written unchanged to
 * every recipient (DESIGN.md: "frame once"). Only valid on connections without
 * permessage-deflate, which the gateway never negotiates.
 */
export function frameText(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const parts = frameParts(payload, { fin: true, rsv1: false, opcode: 1, mask: false, readOnly: false });
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/** The frame of a message, or with `more` the frames of all its texts back to back in one buffer. */
export function frameOf(message: Outgoing): Buffer {
  return message.more && message.more.length > 0 ? Buffer.concat(textsOf(message).map(frameText)) : frameText(message.text);
}

/** The internals of a ws connection that a pre-framed write relies on. */
interface WsInternals {
  _socket?: import('node:net').Socket | null;
  _sender?: { _state?: number } | null;
}

/**
 * Write a message's frames, built once by frameOf (`message.frame`). Falls back to ws.send
 * (framing again, text by text) when ws is busy with its own queue (its sender not idle), so
 * frames never interleave with ws's writes.
 */
export function writeFramed(socketWs: WebSocket, message: Outgoing, sent?: () => void): void {
  const internals = socketWs as unknown as WsInternals;
  const socket = internals._socket;
  // `sent` runs once the kernel has taken the frames (or the write failed), for queued-frame counts.
  if (socket && internals._sender?._state === 0) socket.write((message.frame ??= frameOf(message)), sent);
  else {
    const texts = textsOf(message);
    texts.forEach((t, i) => socketWs.send(t, i === texts.length - 1 ? sent : undefined));
  }
}

/** The raw TCP socket under a ws connection, for write coalescing (cork/uncork). */
export function rawSocket(socketWs: WebSocket): import('node:net').Socket | null {
  return (socketWs as unknown as WsInternals)._socket ?? null;
}
