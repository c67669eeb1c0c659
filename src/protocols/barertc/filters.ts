/**
 * BareRTC's server-side message filters (`[[MessageFilters]]`, reference/barertc.md §6.2): regular
 * expressions matched against the rendered line; a match may censor it with asterisks, keep it
 * from being forwarded (only the sender sees it), make ChatServer reply, and report the line with
 * recent context to the website. DMs where either party is an operator are exempt. As in BareRTC,
 * the PublicChannels/PrivateChannels flags are accepted but not checked.
 */

/** One `[[MessageFilters]]` entry (B1's settings map onto it). */
export interface MessageFilterOptions {
  readonly enabled: boolean;
  readonly keywordPhrases: readonly string[];
  readonly censorMessage: boolean;
  readonly forwardMessage: boolean;
  readonly reportMessage: boolean;
  readonly chatServerResponse: string;
}

/** What a filtered line becomes: its (possibly censored) HTML, and the filter that matched, if any. */
export interface FilterResult {
  readonly html: string;
  readonly matched: MessageFilterOptions | null;
}

/** Compiled filters: regexes are built once per settings (a reconfigure builds new ones). */
export interface MessageFilters {
  /** `mask` makes the replacement of a match of `n` UTF-8 bytes (default `n` asterisks). */
  apply(html: string, exempt: boolean, mask?: (n: number) => string): FilterResult;
}

/**
 * Compile the enabled filters. A phrase that is not a valid regular expression is skipped (BareRTC
 * logs and skips it too); `onInvalid` hears about it. JavaScript regexes stand in for Go's RE2
 * syntax, which they accept for the usual keyword patterns.
 */
export function compileFilters(filters: readonly MessageFilterOptions[], onInvalid: (phrase: string) => void = () => {}): MessageFilters {
  const compiled = filters
    .filter((f) => f.enabled)
    .map((f) => ({
      filter: f,
      patterns: f.keywordPhrases.flatMap((p) => {
        try {
          return [new RegExp(p, 'g')];
        } catch {
          onInvalid(p);
          return [];
        }
      }),
    }));
  return {
    apply(html, exempt, mask = (n) => '*'.repeat(n)) {
      if (exempt) return { html, matched: null };
      let out = html;
      for (const { filter, patterns } of compiled) {
        let matched = false;
        for (const re of patterns) {
          re.lastIndex = 0;
          // Each match is replaced by as many asterisks as it has UTF-8 bytes (Go's len), everywhere it occurs.
          for (const m of out.matchAll(re)) {
            if (m[0] === '') continue;
            matched = true;
            if (filter.censorMessage) out = out.split(m[0]).join(mask(Buffer.byteLength(m[0])));
          }
        }
        if (matched) return { html: out, matched: filter };
      }
      return { html: out, matched: null };
    },
  };
}

