import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// Issue 12 item 10: the docs a newcomer reads point only at things in the repository. Every
// relative link and every backticked repository path in README.md and docs/*.md must resolve to a
// file or folder of this checkout (never `../` out of it, never a build output or a local data
// folder), and docs/architecture.md must say something about every top-level folder of src/.
const ROOT = path.resolve(import.meta.dirname, '../..');

/** Top-level folders whose paths docs may name; a backticked path starting with one is checked. */
const REPO_FOLDERS = ['src', 'test', 'docs', 'bench', 'scripts', 'examples', 'bin', '.ci'];
/** Top-level folders that exist in a working copy but are not part of the repository (.gitignore). */
const NOT_IN_REPO = new Set(['node_modules', 'dist', 'data']);
/** The folders directly under src/: shorthand such as `core/ports` must be written from the root. */
const SRC_FOLDERS = readdirSync(path.join(ROOT, 'src')).filter((n) => statSync(path.join(ROOT, 'src', n)).isDirectory());

/** README.md and every Markdown file in docs/, as repository-relative paths. */
function docFiles(): string[] {
  return ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((n) => n.endsWith('.md')).sort().map((n) => `docs/${n}`)];
}

/** A reference that does not hold, as `file: reference — why`. */
type Problem = string;

/** The text with fenced code blocks blanked out (their backticks and brackets are not Markdown). */
function withoutFences(text: string): string {
  return text.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
const slug = (heading: string): string => heading.trim().toLowerCase().replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');

/** The anchors of a Markdown text's headings, with GitHub's -1, -2 … for repeated ones. */
function anchorsOf(text: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const m of withoutFences(text).matchAll(/^#{1,6}\s+(.+?)\s*#*$/gm)) {
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n === 0 ? base : `${base}-${n}`);
  }
  return anchors;
}

/**
 * Whether `rel` (a repository-relative path, `<placeholder>` and `*` segments allowed) names at
 * least one existing file or folder. `<name>` in `src/protocols/<name>/errors.ts` stands for any
 * entry, so a pattern holds when one protocol folder has the file.
 */
function resolves(rel: string): boolean {
  const segments = rel.split('/').filter((s) => s !== '' && s !== '.');
  const walk = (dir: string, rest: readonly string[]): boolean => {
    if (rest.length === 0) return true;
    const [head, ...tail] = rest as [string, ...string[]];
    if (!/[<*]/.test(head)) {
      const next = path.join(dir, head);
      return existsSync(next) && (tail.length === 0 || statSync(next).isDirectory()) && walk(next, tail);
    }
    const pattern = new RegExp(`^${head.split(/(<[^>]+>|\*)/).map((p) => (p.startsWith('<') || p === '*' ? '[^/]+' : p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))).join('')}$`);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) return false;
    return readdirSync(dir).some((name) => pattern.test(name) && walk(path.join(dir, name), tail));
  };
  return walk(ROOT, segments);
}

/** Why a repository-relative target does not hold, or null when it does. */
function checkTarget(rel: string): string | null {
  if (rel === '..' || rel.startsWith('../')) return 'points outside the repository';
  if (NOT_IN_REPO.has(rel.split('/')[0]!)) return 'is not part of the repository (ignored by git)';
  return resolves(rel) ? null : 'no such file or folder in the repository';
}

/** Every problem with the links and paths of one Markdown file (`file` relative to the root). */
function problemsIn(file: string, text: string, anchorsOfFile: (rel: string) => Set<string> | null): Problem[] {
  const problems: Problem[] = [];
  const dir = path.posix.dirname(file);
  const body = withoutFences(text);
  const report = (ref: string, why: string | null) => void (why !== null && problems.push(`${file}: ${ref} — ${why}`));

  // Links: [text](target), ![alt](target) and reference definitions [id]: target.
  const targets = [...body.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g), ...body.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/gm)].map((m) => m[1]!);
  for (const target of targets) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: … are not repository paths
    const [pathPart = '', anchor] = target.split('#', 2) as [string, string | undefined];
    let anchors: Set<string> | null = null;
    if (pathPart === '') anchors = anchorsOf(text); // #heading of this file
    else {
      const rel = path.posix.normalize(path.posix.join(dir, decodeURIComponent(pathPart)));
      const why = checkTarget(rel);
      report(target, why);
      if (why === null && rel.endsWith('.md')) anchors = anchorsOfFile(rel);
    }
    if (anchors && anchor !== undefined && anchor !== '' && !anchors.has(anchor.toLowerCase())) report(target, `no heading with the anchor #${anchor}`);
  }

  // Backticked paths: `src/hub/hub.ts`, `test/conformance/<name>/`, `README.md`, `../x`. A bare
  // source file name (`hub.ts` in a list about src/hub) is left alone: it names no place on its own;
  // so are generated folders (`dist/`, `data/`), which docs may name but never link.
  for (const m of body.matchAll(/`([^`\n]+)`/g)) {
    const span = m[1]!.trim();
    if (/\s/.test(span) || span.includes('://') || span.startsWith('/') || span.startsWith('./')) continue;
    const first = span.split('/')[0]!;
    if (span.startsWith('../')) report(span, checkTarget(path.posix.normalize(path.posix.join(dir, span))));
    else if (REPO_FOLDERS.includes(first)) report(span, checkTarget(span));
    else if (span.includes('/') && SRC_FOLDERS.includes(first)) report(span, `write it from the repository root (src/${span})`);
    else if (/^[\w.-]+\.md$/.test(span)) report(span, checkTarget(span)); // a bare document name: at the root
  }

  // Any other `../` in the text (code blocks included) must stay inside the repository.
  for (const m of text.matchAll(/(?<![\w./])(?:\.\.\/)+[\w.-][\w./-]*/g)) {
    const rel = path.posix.normalize(path.posix.join(dir, m[0]));
    if (rel === '..' || rel.startsWith('../')) report(m[0], 'points outside the repository');
  }
  return [...new Set(problems)];
}

/** The anchors of a repository Markdown file, read once. */
const anchorCache = new Map<string, Set<string> | null>();
function anchorsOfRepoFile(rel: string): Set<string> | null {
  if (!anchorCache.has(rel)) {
    const full = path.join(ROOT, rel);
    anchorCache.set(rel, existsSync(full) && statSync(full).isFile() ? anchorsOf(readFileSync(full, 'utf8')) : null);
  }
  return anchorCache.get(rel)!;
}

const read = (rel: string): string => readFileSync(path.join(ROOT, rel), 'utf8');

describe('links and paths in README.md and docs/', () => {
  it('reads README.md and docs/architecture.md, and finds their links and paths', () => {
    const files = docFiles();
    expect(files).toContain('README.md');
    expect(files).toContain('docs/architecture.md');
    // The scan sees what it checks: README links each protocol's README and names many paths.
    expect(read('README.md').match(/\]\(src\/protocols\/[a-z]+\/README\.md\)/g)?.length).toBeGreaterThanOrEqual(5);
    expect(withoutFences(read('docs/architecture.md')).match(/`(src|test)\/[^`]+`/g)?.length).toBeGreaterThan(50);
  });

  it.each(docFiles())('%s: every relative link and backticked repository path resolves inside the repository', (file) => {
    expect(problemsIn(file, read(file), anchorsOfRepoFile)).toEqual([]);
  });

  it('docs/architecture.md names every top-level folder of src/', () => {
    const text = read('docs/architecture.md');
    expect(SRC_FOLDERS.length).toBeGreaterThan(5);
    const missing = SRC_FOLDERS.filter((name) => !new RegExp(`src/${name}(?![\\w-])`).test(text));
    expect(missing).toEqual([]);
  });

  it('reports links and paths that leave the repository, do not exist or are written from src/', () => {
    const sample = [
      'See `../shared/DESIGN.md` and [style](../shared/STYLE.md) and [up](../../x.md).',
      'Ports in `core/ports`, a missing `src/hub/nowhere.ts`, a link into the build [server](../dist/server.js), a bare `DESIGN.md`.',
      'Fine: `src/hub/hub.ts`, `src/protocols/<name>/errors.ts`, `settings.toml`, `/api/v1/users`, `./data/parley.sqlite`, `dist/`,',
      '[Configuration](#configuration), [arch](architecture.md#the-hub), [site](https://example.com/a/../b).',
      '[bad anchor](architecture.md#no-such-heading) [own](#nowhere)',
      '```sh',
      'cat ../../../etc/passwd',
      '```',
      '## Configuration',
    ].join('\n');
    expect(problemsIn('docs/sample.md', sample, anchorsOfRepoFile)).toEqual([
      'docs/sample.md: ../shared/STYLE.md — no such file or folder in the repository',
      'docs/sample.md: ../../x.md — points outside the repository',
      'docs/sample.md: ../dist/server.js — is not part of the repository (ignored by git)',
      'docs/sample.md: architecture.md#no-such-heading — no heading with the anchor #no-such-heading',
      'docs/sample.md: #nowhere — no heading with the anchor #nowhere',
      'docs/sample.md: ../shared/DESIGN.md — no such file or folder in the repository',
      'docs/sample.md: core/ports — write it from the repository root (src/core/ports)',
      'docs/sample.md: src/hub/nowhere.ts — no such file or folder in the repository',
      'docs/sample.md: DESIGN.md — no such file or folder in the repository',
      'docs/sample.md: ../../../etc/passwd — points outside the repository',
    ]);
    // The line README.md had before issue 12: from the root, `../` is outside the repository.
    expect(problemsIn('README.md', 'Design and house style: `../shared/DESIGN.md` and `../shared/STYLE.md`.', anchorsOfRepoFile)).toEqual([
      'README.md: ../shared/DESIGN.md — points outside the repository',
      'README.md: ../shared/STYLE.md — points outside the repository',
    ]);
  });
});
