import { stringify } from 'smol-toml';
import { loadSettings } from '../../config/load.js';
import type { Command } from '../command.js';

/** Settings never printed: shown as this instead. */
const HIDDEN = '(hidden)';

/** The effective settings with every secret replaced by HIDDEN and credentials cut from URLs. */
function hideSecrets(settings: Record<string, unknown>): Record<string, unknown> {
  const out = structuredClone(settings);
  out['AdminAPIKey'] = HIDDEN;
  const secrets = out['secrets'];
  if (typeof secrets === 'object' && secrets !== null) for (const key of Object.keys(secrets)) (secrets as Record<string, unknown>)[key] = HIDDEN;
  const metrics = out['metrics'] as Record<string, unknown> | undefined;
  if (metrics && metrics['token'] !== '') metrics['token'] = HIDDEN;
  const jwt = (out['barertc'] as { JWT?: Record<string, unknown> } | undefined)?.JWT;
  if (jwt && jwt['SecretKey'] !== '') jwt['SecretKey'] = HIDDEN;
  const turn = (out['barertc'] as { TURN?: Record<string, unknown> } | undefined)?.TURN;
  if (turn && turn['Credential'] !== '') turn['Credential'] = HIDDEN;
  for (const [section, key] of [['database', 'url'], ['redis', 'url'], ['mail', 'smtp']] as const) {
    const table = out[section] as Record<string, unknown> | undefined;
    if (table && typeof table[key] === 'string') table[key] = (table[key] as string).replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/i, '$1***@');
  }
  return out;
}

/** `parley config check [--json]`: validate the settings file and environment, print the effective settings. */
export const configCheckCommand: Command = {
  path: ['config', 'check'],
  summary: 'Check settings.toml and the PARLEY_* environment; print the effective settings, secrets hidden',
  flags: { json: { type: 'boolean', description: 'print the result as JSON' } },
  examples: ['parley config check', 'PARLEY_SERVER_TRUSTED_PROXIES=loopback parley config check --config /etc/parley/settings.toml'],
  details:
    'Writes nothing: secrets missing from the file are listed as generated at the next start. Every problem is listed, one per line, and the exit status is 1. '
    + 'With --json: {"configPath", "fromEnvironment": {setting: variable}, "generatedAtStart": [setting], "settings": {...}}.',
  async run(ctx) {
    const loaded = loadSettings({ ...(ctx.configPath === undefined ? {} : { configPath: ctx.configPath }), readOnly: true });
    const settings = hideSecrets(loaded.settings as unknown as Record<string, unknown>);
    const fromEnvironment = Object.fromEntries(loaded.fromEnv);
    if (ctx.flags['json'] === true) {
      ctx.out(JSON.stringify({ configPath: loaded.config.configPath, fromEnvironment, generatedAtStart: loaded.generatedAtStart, settings }, null, 2));
      return 0;
    }
    ctx.out(`# ${loaded.config.configPath}: ok`);
    for (const [key, variable] of loaded.fromEnv) ctx.out(`# ${key} from ${variable}`);
    for (const key of loaded.generatedAtStart) ctx.out(`# ${key}: not set; generated and written to the file at the next start`);
    ctx.out(stringify(settings).trimEnd());
    return 0;
  },
};
