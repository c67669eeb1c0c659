import { textsOf, type Outgoing, type Transport } from '../../../src/hub/transport.js';

/** A hub transport that records what was written and how it was closed (hub unit tests). */
export class FakeTransport implements Transport {
  readonly written: Outgoing[] = [];
  readonly closes: { code: number | undefined; reason: string | undefined }[] = [];
  bufferedAmount = 0;
  isOpen = true;
  write(message: Outgoing) {
    this.written.push(message);
  }
  close(code?: number, reason?: string) {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.closes.push({ code, reason });
  }
  get texts() {
    return this.written.flatMap(textsOf);
  }
}
