import { createLocalBus } from '../../src/bus/local-bus.js';
import { describeBusContract } from './bus.contract.js';

describeBusContract('local', async ({ onError }) => {
  const a = createLocalBus({ onError });
  const b = createLocalBus({ onError });
  return { a, b, cleanup: async () => { await Promise.all([a.close(), b.close()]); } };
}, { crossNode: false, reason: 'local buses are in-process only; two of them share no transport by design' });
