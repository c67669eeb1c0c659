/**
 * The samples of a Prometheus text exposition (format 0.0.4), by `name{labels}` as written.
 * Throws on any line that is not a well-formed HELP/TYPE comment or sample, so a test that
 * calls it also checks that a scraper could read the text.
 */
export function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      if (!/^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/.test(line)) throw new Error(`bad comment line: ${line}`);
      continue;
    }
    // Values as Go's ParseFloat reads them: NaN and Inf in any case.
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*",?)*\})?) (-?[0-9.]+(?:e[+-]?\d+)?|nan|[+-]?inf)(?: -?\d+)?$/i.exec(line);
    if (!m) throw new Error(`bad sample line: ${line}`);
    samples.set(m[1]!, Number(/^nan$/i.test(m[2]!) ? NaN : /inf$/i.test(m[2]!) ? (m[2]!.startsWith('-') ? -Infinity : Infinity) : m[2]));
  }
  return samples;
}
