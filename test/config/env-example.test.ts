/**
 * .env.example is the copy-and-edit list of every setting. Each environment variable of the
 * convict schema appears in it, commented out with its default and a comment line above, and in
 * README.md; above its tools section it names nothing the schema lacks. The tools section lists
 * what the demo, simulator, benchmarks and tests read: each of those is read somewhere in
 * scripts/, simulator/, bench/ or test/support/ and documented in the README too.
 */
import fs from 'node:fs';
import path from 'node:path';
import { schemaSettings } from '../../src/config/load-config';

const root = path.join(__dirname, '../..');
const example = fs.readFileSync(path.join(root, '.env.example'), 'utf8');
const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');

/** `# NAME=value` or `NAME=value`. */
const ASSIGNMENT = /^(#\s?)?([A-Z][A-Z0-9_]*)=(.*)$/;
const TOOLS_HEADING = /^# =+ Tools\b/;

interface Assignment {
  name: string;
  value: string;
  commented: boolean;
  /** The line above it. */
  previous: string;
}

const lines = example.split('\n');
const toolsAt = lines.findIndex((line) => TOOLS_HEADING.test(line));

function assignmentsIn(from: number, to: number): Assignment[] {
  const found: Assignment[] = [];
  for (let i = from; i < to; i++) {
    const match = ASSIGNMENT.exec(lines[i]);
    if (match) found.push({ name: match[2], value: match[3], commented: match[1] !== undefined, previous: lines[i - 1] ?? '' });
  }
  return found;
}

const bridgeSection = assignmentsIn(0, toolsAt < 0 ? lines.length : toolsAt);
const toolsSection = toolsAt < 0 ? [] : assignmentsIn(toolsAt + 1, lines.length);
const schema = schemaSettings().flatMap(({ spec }) => (spec.env ? [{ env: spec.env, default: spec.default }] : []));

/** Every .ts file under a folder of the repository. */
function sourcesUnder(folder: string): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.ts')) files.push(fs.readFileSync(full, 'utf8'));
    }
  };
  walk(path.join(root, folder));
  return files;
}

describe('.env.example', () => {
  it('when it is read, then it has a tools section and every schema variable appears above it exactly once', () => {
    expect(toolsAt).toBeGreaterThan(0);
    expect(schema.length).toBeGreaterThan(30);
    const names = bridgeSection.map((a) => a.name);
    expect(schema.map((s) => s.env).filter((env) => !names.includes(env))).toEqual([]);
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
  });

  it('when a variable is named above the tools section, then the schema has it', () => {
    const inSchema = new Set(schema.map((s) => s.env));
    expect(bridgeSection.map((a) => a.name).filter((name) => !inSchema.has(name))).toEqual([]);
  });

  it.each(schema.map((s) => [s.env, s.default] as const))('when %s is listed, then its value is the schema default', (env, defaultValue) => {
    const listed = bridgeSection.find((a) => a.name === env);
    expect(listed?.value).toBe(String(defaultValue));
  });

  it('when it is copied to .env unchanged, then it sets nothing: every variable is commented out', () => {
    expect([...bridgeSection, ...toolsSection].filter((a) => !a.commented).map((a) => a.name)).toEqual([]);
  });

  it('when a variable is listed, then a one-line comment that is not itself a variable explains it', () => {
    const unexplained = [...bridgeSection, ...toolsSection].filter((a) => !/^# \S/.test(a.previous) || ASSIGNMENT.test(a.previous));
    expect(unexplained.map((a) => a.name)).toEqual([]);
  });

  it('when the tools section names a variable, then it is no bridge setting, a script or test reads it, and each is listed once', () => {
    const inSchema = new Set(schema.map((s) => s.env));
    const sources = [...sourcesUnder('scripts'), ...sourcesUnder('simulator'), ...sourcesUnder('bench'), ...sourcesUnder('test/support')].join('\n');
    const names = toolsSection.map((a) => a.name);
    expect(names.length).toBeGreaterThan(10);
    expect(names.filter((name) => inSchema.has(name))).toEqual([]);
    expect(names.filter((name) => !sources.includes(name))).toEqual([]);
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
  });
});

describe('README.md', () => {
  it('when the schema declares an environment variable, then the README names it', () => {
    expect(schema.map((s) => s.env).filter((env) => !readme.includes(`\`${env}\``))).toEqual([]);
  });

  it('when .env.example lists a tools variable, then the README names it', () => {
    expect(toolsSection.map((a) => a.name).filter((name) => !readme.includes(`\`${name}`))).toEqual([]);
  });
});
