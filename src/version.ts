import { readFileSync } from 'node:fs';

/** Parley's version, from package.json (one level above src/ and dist/ alike). */
export const VERSION = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
