import { isIgnored, parseDockerignore } from './dockerignore';

/** Docker's own rules (moby/patternmatcher), on the patterns this repository uses and their traps. */
describe('the .dockerignore matcher of the image context test', () => {
  const ignored = (patterns: string, path: string) => isIgnored(parseDockerignore(patterns), path);

  it('matches from the root, not by base name as .gitignore does', () => {
    expect(ignored('*.md', 'README.md')).toBe(true);
    expect(ignored('*.md', 'docs/adr/0001.md')).toBe(false);
    expect(ignored('bench', 'bench/src/locate.ts')).toBe(true);
    expect(ignored('bench', 'apps/bench')).toBe(false);
    expect(ignored('/k8s/', 'k8s/base/nats.yaml')).toBe(true);
  });

  it('lets ** stand for any number of folders, none included', () => {
    expect(ignored('**/node_modules', 'node_modules/pg/index.js')).toBe(true);
    expect(ignored('**/node_modules', 'apps/web/node_modules/vite/x.js')).toBe(true);
    expect(ignored('**/*.tsbuildinfo', 'libs/auth/dist/.tsbuildinfo')).toBe(true);
    expect(ignored('**/dist', 'apps/gis/src/distance.ts')).toBe(false);
    expect(ignored('docs/**', 'docs/adr/x.md')).toBe(true);
  });

  it('keeps * and ? within one folder, and escapes what a regular expression would read', () => {
    expect(ignored('docs/*', 'docs/openapi/gis.json')).toBe(true);
    expect(ignored('.env.*', '.env.local')).toBe(true);
    expect(ignored('.env.*', '.envXlocal')).toBe(false);
    expect(ignored('a?c', 'abc')).toBe(true);
    expect(ignored('a?c', 'a/c')).toBe(false);
    expect(ignored('[ab].txt', 'b.txt')).toBe(true);
  });

  it('lets the last matching pattern decide, so that ! puts back what was left out', () => {
    const patterns = 'docs/*\n!docs/openapi\n*.md\n!README.md\n# a comment\n\n';
    expect(ignored(patterns, 'docs/openapi/gis.json')).toBe(false);
    expect(ignored(patterns, 'docs/adr/0001.md')).toBe(true);
    expect(ignored(patterns, 'README.md')).toBe(false);
    expect(ignored(patterns, 'CHANGELOG.md')).toBe(true);
    expect(ignored('!README.md\n*.md', 'README.md')).toBe(true);
  });
});
