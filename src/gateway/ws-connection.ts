import type { Socket } from 'node:net';
import WebSocket from 'ws';
import type { Outgoing, Transport } from '../hub/transport.js';
import { rawSocket, writeFramed } from './frame.js';

/** Queued inbound steps at which a connection stops reading, and at which it reads again. */
const QUEUE_HIGH_WATER = 64;
const QUEUE_LOW_WATER = 16;

/** Sockets corked this tick, with their connections; uncorked together so a burst of events leaves as one write each. */
const corked = new Map<Socket, WsConnection>();
let flushScheduled = false;
function uncorkAll(): void {
  flushScheduled = false;
  for (const [s, conn] of corked) {
    conn.endBurst();
    s.uncork();
  }
  corked.clear();
}

/**
 * A `ws` socket as the hub's transport, plus what only a socket has: keep-alive bookkeeping and
 * an inbound queue that keeps a client's messages in order and pauses reading (TCP
 * backpressure) when the client sends faster than its steps finish.
 */
export class WsConnection implements Transport {
  /** When the peer last showed it is alive (a pong or a message), Date.now() ms. */
  lastSeen = Date.now();
  readonly ws: WebSocket;
  #tail: Promise<void> = Promise.resolve();
  /** Handler steps queued and not yet finished; above the high-water mark the socket stops being read. */
  #pending = 0;
  #paused = false;
  #abandoned = false;
  #closedByServer = false;
  /** Frames written and not yet taken by the kernel. */
  #unsent = 0;
  /** Of those, the frames of this tick's corked burst: not a backlog yet. */
  #burst = 0;

  constructor(ws: WebSocket) {
    this.ws = ws;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Frames written before this tick that the kernel has not taken: the client is not reading them. */
  get queuedFrames(): number {
    return this.#unsent - this.#burst;
  }

  /** This tick's writes are being flushed (uncorkAll); from now on, unsent ones count as queued. */
  endBurst(): void {
    this.#burst = 0;
  }

  /** Write the message's frame (or batch of frames), built once for every ws recipient; writes are corked per tick. */
  write(message: Outgoing): void {
    const ws = this.ws;
    const socket = rawSocket(ws);
    if (socket && !corked.has(socket)) {
      socket.cork();
      corked.set(socket, this);
      if (!flushScheduled) {
        flushScheduled = true;
        process.nextTick(uncorkAll);
      }
    }
    const count = 1 + (message.more?.length ?? 0);
    this.#unsent += count;
    if (socket) this.#burst += count;
    writeFramed(ws, message, () => void (this.#unsent -= count));
  }

  /** The server closed it (not the client): frames still arriving, or queued, are not acted on. */
  get closedByServer(): boolean {
    return this.#closedByServer;
  }

  /** Close for shutdown: what the client already sent is still handled (drained), unlike close(). */
  shutdown(code: number, reason: string): void {
    if (this.ws.readyState === WebSocket.CLOSED || this.ws.readyState === WebSocket.CLOSING) return;
    this.ws.close(code, reason);
  }

  close(code?: number, reason?: string): void {
    if (this.ws.readyState === WebSocket.CLOSED || this.ws.readyState === WebSocket.CLOSING) return;
    this.#closedByServer = true;
    if (code === undefined) this.ws.close();
    else this.ws.close(code, reason);
  }

  /**
   * Run a handler step after the previous ones, so a client's messages are handled in order.
   * A client that sends faster than its steps finish is paused rather than buffered without
   * bound, and resumed once the queue has drained to the low-water mark.
   */
  enqueue(step: () => Promise<void> | void, onError: (e: unknown) => void): void {
    this.#pending++;
    if (this.#pending >= QUEUE_HIGH_WATER && !this.#paused) {
      this.#paused = true;
      this.ws.pause();
    }
    this.#tail = this.#tail
      .then(() => (this.#abandoned ? undefined : step()))
      .catch(onError)
      .finally(() => {
        this.#pending--;
        if (this.#paused && this.#pending <= QUEUE_LOW_WATER) {
          this.#paused = false;
          this.ws.resume();
        }
      });
  }

  /** Skip every step still queued (shutdown after the drain deadline). */
  abandon(): void {
    this.#abandoned = true;
  }

  /** Resolves when every queued handler step has finished. */
  drained(): Promise<void> {
    return this.#tail;
  }
}
