/**
 * What a bus reports for /metrics, as plain callbacks so the bus stays free of any metrics
 * library (STYLE.md §2: the bus imports only the core).
 */
export interface BusMeter {
  /** This node published one event on the bus. */
  published(): void;
  /**
   * One event from another node arrived. `lagSeconds`: its receive time minus the sender's
   * stamp (clocks of different machines: only as good as their sync, never below 0); null when
   * the sender stamped none (a node of an earlier version).
   */
  received(lagSeconds: number | null): void;
}
