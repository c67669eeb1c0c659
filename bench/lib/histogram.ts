/** Latency histogram: 10 µs buckets up to 5 s, the last bucket holding everything slower. */
export const BUCKET_US = 10;
const BUCKETS = 500_001;

export class Histogram {
  readonly counts = new Uint32Array(BUCKETS);
  total = 0;

  record(us: number): void {
    this.counts[Math.min(BUCKETS - 1, Math.max(0, Math.floor(us / BUCKET_US)))]! += 1;
    this.total += 1;
  }

  /** Non-empty buckets as [bucket, count] pairs, small enough to send over IPC. */
  sparse(): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i]) out.push([i, this.counts[i]!]);
    return out;
  }

  add(pairs: ReadonlyArray<readonly [number, number]>): void {
    for (const [bucket, n] of pairs) {
      this.counts[bucket]! += n;
      this.total += n;
    }
  }

  /** The p-th percentile (0–100) in ms, at the upper edge of its bucket; NaN when empty. */
  percentileMs(p: number): number {
    if (this.total === 0) return NaN;
    const rank = Math.ceil((p / 100) * this.total);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return ((i + 1) * BUCKET_US) / 1000;
    }
    return Infinity;
  }
}
