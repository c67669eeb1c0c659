import { appendFile, mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { DomainEvent } from '../../core/events.js';
import type { UserId } from '../../core/model/ids.js';
import type { Logger } from '../../logger.js';

/**
 * BareRTC's text logs (`[barertc.Logging]`, reference/barertc.md §6.4): lines of the public
 * channels in `Channels` go to `<Directory>/<channel>.txt`, and the DMs of the users in
 * `Usernames` to `<Directory>/@<user>/<other>.txt`, one `<RFC 3339> [sender] <raw text>` line per
 * message. Lines come from the core's message events, so a line sent through any door is logged,
 * on every node that runs BareRTC (each node writes the whole log to its own Directory).
 */

export interface ChatLogSettings {
  readonly Enabled: boolean;
  readonly Directory: string;
  readonly Channels: readonly string[];
  readonly Usernames: readonly string[];
}

export interface ChatLog {
  onEvent(event: DomainEvent): void;
  /** Resolves once every line handed over so far is written (tests, shutdown). */
  flush(): Promise<void>;
}

/** A name as one path segment: no separators, no `.`/`..`, no NUL. */
export const fileSegment = (name: string): string => {
  const safe = name.replace(/[/\\\0]/g, '_');
  return safe === '' || /^\.+$/.test(safe) ? `_${safe}` : safe;
};

/** Go's time.RFC3339 in UTC: whole seconds. */
const rfc3339 = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

export function createChatLog(deps: {
  /** Read on every message, so a reload applies at once. */
  readonly settings: () => ChatLogSettings;
  readonly usernamesOf: (ids: readonly UserId[]) => Promise<Map<UserId, string>>;
  readonly logger: Logger;
}): ChatLog {
  /** Lines are appended in event order: one chain of writes for the whole log. */
  let tail: Promise<void> = Promise.resolve();
  const enqueue = (work: () => Promise<void>): void => {
    tail = tail.then(work).catch((err: unknown) => deps.logger.warn({ err }, 'barertc chat log write failed'));
  };

  async function write(dir: string, segments: readonly string[], line: string): Promise<void> {
    const path = join(dir, ...segments.map(fileSegment));
    if (segments.length > 1) await mkdir(join(dir, ...segments.slice(0, -1).map(fileSegment)), { recursive: true });
    else await mkdir(dir, { recursive: true });
    await appendFile(path, line, 'utf8');
  }

  return {
    onEvent(event) {
      if (event.type !== 'message.created') return;
      const s = deps.settings();
      if (!s.Enabled) return;
      const { audience, message, author } = event;
      if (message.text === '') return; // a file or survey without text: nothing to log
      const dir = resolve(s.Directory);
      const line = `${rfc3339(message.createdAt)} [${author.username}] ${message.text}\n`;
      if (audience.kind === 'room') {
        const channel = audience.title ?? '';
        if (s.Channels.includes(channel)) enqueue(() => write(dir, [`${channel}.txt`], line));
        return;
      }
      if (audience.kind !== 'direct' && audience.kind !== 'favorites') return;
      if (s.Usernames.length === 0) return;
      const members = audience.kind === 'favorites' ? [author.id] : audience.memberIds;
      enqueue(async () => {
        const names = await deps.usernamesOf(members);
        for (const id of members) {
          const name = names.get(id);
          if (name === undefined || !s.Usernames.includes(name)) continue;
          // The other party of the pair (yourself in your own notes).
          const other = members.find((m) => m !== id) ?? id;
          await write(dir, [`@${name}`, `${names.get(other) ?? String(other)}.txt`], line);
        }
      });
    },
    flush: () => tail,
  };
}
