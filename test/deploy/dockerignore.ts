/**
 * The build context Docker sends for a `.dockerignore`, computed the way Docker computes it
 * (moby/patternmatcher, which BuildKit uses), so that a test can build exactly what an image
 * build would see:
 *
 * - a pattern is matched against the whole path from the context root, not against a base name
 *   as in .gitignore (`*.md` is the root's Markdown files only); a leading `/` and `./` are dropped
 *   and the pattern is cleaned (`a//b/` is `a/b`);
 * - `*` and `?` stop at `/`, `[…]` is a class, `\` escapes, and `**` matches any number of
 *   directories, none included (`**\/node_modules` is also the root's `node_modules`);
 * - a pattern that matches a directory matches everything below it;
 * - every pattern is tried in order and the last one that matches decides: `!` puts back what an
 *   earlier pattern left out, including a path below an excluded directory (`docs/*` then
 *   `!docs/openapi`); Docker looks below an excluded directory only when a `!` pattern starts
 *   with the directory's path, so `!**\/x` does not bring back what an excluded folder holds.
 */
import { copyFileSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync } from 'node:fs';
import { join, posix } from 'node:path';

export interface IgnorePattern {
  readonly source: string;
  /** The cleaned pattern, without `!`. */
  readonly pattern: string;
  readonly exclusion: boolean;
  readonly regex: RegExp;
}

/** The patterns of a `.dockerignore` text, in order (comments and blank lines dropped). */
export function parseDockerignore(text: string): IgnorePattern[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const exclusion = line.startsWith('!');
      let pattern = exclusion ? line.slice(1).trim() : line;
      pattern = posix.normalize(pattern).replace(/^\/+/, '').replace(/\/+$/, '');
      if (pattern === '.' || pattern === '') pattern = '';
      return { source: line, pattern, exclusion, regex: patternRegex(pattern) };
    });
}

/** moby/patternmatcher's translation of one cleaned pattern into an anchored regular expression. */
function patternRegex(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        // `**/` is `**`: the slash is eaten, and `(.*/)?` allows no directory at all.
        if (pattern[i + 1] === '/') i++;
        re += i + 1 >= pattern.length ? '.*' : '(.*/)?';
      } else {
        re += '[^/]*';
      }
    } else if (ch === '?') {
      re += '[^/]';
    } else if (ch === '\\') {
      i++;
      re += i < pattern.length ? `\\${pattern[i]!}` : '\\\\';
    } else if (ch === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) throw new Error(`.dockerignore: unterminated class in "${pattern}"`);
      re += pattern.slice(i, end + 1).replace(/^\[!/, '[^');
      i = end;
    } else {
      re += /[.+^${}()|]/.test(ch) ? `\\${ch}` : ch;
    }
  }
  return new RegExp(`${re}$`);
}

/** Whether Docker leaves `path` (relative to the context root, `/`-separated) out of the context. */
export function isIgnored(patterns: readonly IgnorePattern[], path: string): boolean {
  const parents = path.split('/').slice(0, -1);
  let ignored = false;
  for (const p of patterns) {
    let match = p.regex.test(path);
    // A pattern that matches a parent directory matches everything below it.
    for (let n = 1; !match && n <= parents.length; n++) match = p.regex.test(parents.slice(0, n).join('/'));
    if (match) ignored = !p.exclusion;
  }
  return ignored;
}

/**
 * Copies what the context holds from `root` into `target`: every file and symbolic link that
 * `.dockerignore` does not leave out. An excluded directory is still walked when a `!` pattern
 * starts with its path (as Docker does); empty directories are not made. Returns the relative
 * paths copied.
 */
export function copyContext(root: string, target: string, patterns: readonly IgnorePattern[] = parseDockerignore(readFileSync(join(root, '.dockerignore'), 'utf8'))): string[] {
  const copied: string[] = [];
  const reopened = (dir: string) => patterns.some((p) => p.exclusion && `${p.pattern}/`.startsWith(`${dir}/`));
  const walk = (rel: string) => {
    for (const entry of readdirSync(join(root, rel), { withFileTypes: true })) {
      const path = rel ? `${rel}/${entry.name}` : entry.name;
      const ignored = isIgnored(patterns, path);
      if (entry.isDirectory()) {
        if (!ignored || reopened(path)) walk(path);
        continue;
      }
      if (ignored) continue;
      mkdirSync(join(target, rel), { recursive: true });
      if (lstatSync(join(root, path)).isSymbolicLink()) symlinkSync(readlinkSync(join(root, path)), join(target, path));
      else copyFileSync(join(root, path), join(target, path));
      copied.push(path);
    }
  };
  walk('');
  return copied;
}
