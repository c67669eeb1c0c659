import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeEnvelope, encodeEnvelope } from '../../bus/envelope.js';
import { coreFixture, type CoreFixture } from '../../../test/helpers/core-fixture.js';

describe('presence.reloadSettings', () => {
  let f: CoreFixture;
  beforeEach(async () => {
    f = await coreFixture();
  });
  afterEach(() => f.close());

  it('publishes settings.reload for the protocol, and the event crosses the bus envelope', async () => {
    await f.core.presence.reloadSettings('barertc');
    await f.settled();
    expect(f.events).toStrictEqual([{ type: 'settings.reload', protocol: 'barertc' }]);
    // Another node decodes it (an unknown type would be dropped as undecodable).
    expect(decodeEnvelope(encodeEnvelope('node-a', { type: 'settings.reload', protocol: 'barertc' }))).toStrictEqual({ nodeId: 'node-a', event: { type: 'settings.reload', protocol: 'barertc' } });
  });
});
