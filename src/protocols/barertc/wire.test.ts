import { describe, expect, it } from 'vitest';
import { isTransientMessageId, transientMessageId } from './wire.js';

describe('ids of lines that are never stored', () => {
  it('grow strictly, far above stored ids and below 2^53, even within one millisecond', () => {
    const ids = [transientMessageId(1_700_000_000_000), transientMessageId(1_700_000_000_000), transientMessageId(1_700_000_000_000)];
    expect(ids[1]! > ids[0]! && ids[2]! > ids[1]!).toBe(true);
    expect(ids.every((id) => isTransientMessageId(id) && id < Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(isTransientMessageId(12345)).toBe(false);
    expect(isTransientMessageId(1.5e18)).toBe(false); // not a safe integer
  });
});
