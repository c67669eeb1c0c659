import { describe, expect, it } from 'vitest';
import { formatReport, runSoak } from '../../scripts/barebot-soak.js';

/**
 * scripts/barebot-soak.ts (`npm run soak:barebot`) for about 20 s, so CI exercises it: the real
 * `node bin/parley.js serve` (dist/ built once by test/helpers/build-once.ts), an operator bot that
 * uses the wire as BareBot does (reference/barertc.md §9), and guests coming and going. Short
 * timings (ping every 2 s, a probe every second, no warm-ups) pack many rounds into the run.
 */
describe('BareBot soak against parley serve', () => {
  it('keeps the server up, answers every DM, passes every watchdog probe, and stops cleanly on SIGTERM', async () => {
    const report = await runSoak({ durationMs: 20_000, guests: 3, probeEveryMs: 1000, probeDeadlineMs: 10_000, pingIntervalSeconds: 2, warmups: 'off' });
    expect(report.failures, formatReport(report)).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.server.aliveAtEnd).toBe(true);
    expect(report.server.exit).toEqual({ code: 0, signal: null });
    expect(report.server.errorLogLines).toBe(0);
    expect(report.botDisconnects).toBe(0);
    expect(report.probes.sent).toBeGreaterThan(0);
    expect(report.probes.passed).toBe(report.probes.sent);
    expect(report.dms.sent).toBeGreaterThan(0);
    expect(report.dms.answered).toBe(report.dms.sent);
    expect(report.dms.botReceived).toBe(report.dms.sent);
    expect(report.lobby.echoed).toBe(report.lobby.sent);
    expect(report.unmuteAll.acknowledged).toBe(report.unmuteAll.sent);
    // One /unmute-all for the first `me`, one per ping.
    expect(report.unmuteAll.sent).toBeGreaterThanOrEqual(report.pings.received + 1);
    expect(report.pings.withJwt).toBe(report.pings.received);
    expect(report.guestSessions).toBeGreaterThanOrEqual(3);
  }, 120_000);
});
