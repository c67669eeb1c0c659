import type { Core } from '../../core/core.js';
import type { DomainEvent } from '../../core/events.js';
import type { Logger } from '../../logger.js';
import type { BarertcProtocolOptions } from './index.js';
import type { BarertcSettings } from './settings.js';
import type { BarertcSocketOptions } from './socket.js';

/*
 * Live `[barertc]` settings (reference/barertc.md §6.1 `/reconfigure`, §7 "Reload"). The node
 * keeps the settings in force and ONE socket-options object that the socket route reads at use;
 * a reload builds the options again from the new settings and assigns them into that object (all
 * of its fields, whatever they are). `/reconfigure` reloads this node's file first (a bad file is
 * the operator's error and changes nothing), then asks every node through the core
 * (settings.reload) to reload its own file; a node whose file is bad keeps its settings and logs why.
 */

/** Re-read `[barertc]` from this node's settings file (settings.ts reloadBarertcSettings); never throws. */
export type ReloadBarertcSettings = () => Promise<{ readonly ok: true; readonly settings: BarertcSettings } | { readonly ok: false; readonly error: string }>;

export interface LiveBarertcSettings {
  /** The settings in force on this node now. */
  settings(): BarertcSettings;
  /** The roster's settings, read at use. */
  readonly roster: { readonly blockableAdmins: boolean; readonly vipMutuallySecret: boolean };
  /** `/reconfigure`: reload here (rejects with the error, settings unchanged), then on every node. Null without a reload. */
  readonly reconfigure: (() => Promise<void>) | null;
  /** Feed the core's events: a settings.reload for BareRTC reloads this node's own file. */
  onEvent(event: DomainEvent): void;
}

export function createLiveBarertcSettings(deps: {
  readonly initial: BarertcProtocolOptions;
  /** The socket route's options object; updated in place. */
  readonly socket: BarertcSocketOptions;
  /** The protocol's options from settings (options.ts barertcOptions). */
  readonly build: (settings: BarertcSettings) => BarertcProtocolOptions;
  readonly reload?: ReloadBarertcSettings;
  readonly core: Pick<Core, 'presence'>;
  readonly logger: Logger;
  /** After new settings apply (the who lists are rebuilt: VIP rules may have changed). */
  readonly applied: () => void;
}): LiveBarertcSettings {
  const { socket, build, reload, core, logger } = deps;
  let current = deps.initial.settings;
  let built = deps.initial;
  /** Reloads on this node run one at a time, so the last file read is the one in force. */
  let queue: Promise<unknown> = Promise.resolve();

  function apply(next: BarertcSettings): void {
    // The same file read again (the node that ran /reconfigure hears its own settings.reload): nothing to do.
    if (JSON.stringify(next) === JSON.stringify(current)) return;
    current = next;
    built = build(next);
    Object.assign(socket, built.socket);
    deps.applied();
    logger.info('barertc settings reloaded');
  }

  const serially = <T>(step: () => Promise<T>): Promise<T> => {
    const run = queue.then(step, step);
    queue = run.catch(() => undefined);
    return run;
  };

  async function reloadHere(): Promise<void> {
    if (!reload) return;
    const result = await reload();
    if (!result.ok) throw new Error(result.error);
    apply(result.settings);
  }

  return {
    settings: () => current,
    roster: {
      get blockableAdmins() {
        return built.blockableAdmins;
      },
      get vipMutuallySecret() {
        return built.vipMutuallySecret;
      },
    },
    reconfigure: reload
      ? async () => {
        await serially(reloadHere);
        await core.presence.reloadSettings('barertc');
      }
      : null,
    onEvent(event) {
      if (event.type !== 'settings.reload' || event.protocol !== 'barertc' || !reload) return;
      void serially(reloadHere).catch((err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'barertc settings reload failed; the previous settings stay in force'));
    },
  };
}
