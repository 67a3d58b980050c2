import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root } from './cli-child';

/**
 * bin/scim-bridge.js in a layout of its own: the compiled CLI when dist/ has it (what a Docker
 * image has), else the TypeScript source through tsx (a dev checkout), else one line saying to
 * build. Stub CLIs stand in for the real one, which test/tokens/token-cli.test.ts runs.
 */
const dirs: string[] = [];

function layout(files: Record<string, string>, options: { nodeModules?: boolean } = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scim-bridge-bin-'));
  dirs.push(dir);
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.copyFileSync(path.join(root, 'bin/scim-bridge.js'), path.join(dir, 'bin/scim-bridge.js'));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  }
  if (options.nodeModules) fs.symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

function runBin(dir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // NODE_PATH would let require.resolve find a tsx outside the layout.
  const env = { ...process.env, NODE_PATH: '' };
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(dir, 'bin/scim-bridge.js'), ...args], { cwd: dir, env, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr });
    });
  });
}

const stub = (said: string) => `exports.main = () => process.stdout.write('${said} ' + JSON.stringify(process.argv.slice(2)) + '\\n');\n`;

afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});

describe('the scim-bridge bin', () => {
  it('when dist/src/cli/main.js exists, then it runs the compiled CLI with the arguments, even where tsx and the source are there too', async () => {
    const dir = layout(
      { 'dist/src/cli/main.js': stub('compiled'), 'src/cli/main.ts': 'export function main(): void {\n  process.stdout.write("source\\n");\n}\n' },
      { nodeModules: true },
    );
    const result = await runBin(dir, 'token', 'list');
    expect(result).toEqual({ code: 0, stdout: 'compiled ["token","list"]\n', stderr: '' });
  });

  it('when there is no build and tsx is installed, then it runs the TypeScript source', async () => {
    const dir = layout(
      {
        'src/cli/main.ts':
          "export function main(): void {\n  const args: string[] = process.argv.slice(2);\n  process.stdout.write('source ' + JSON.stringify(args) + '\\n');\n}\n",
      },
      { nodeModules: true },
    );
    const result = await runBin(dir, 'help');
    expect(result).toEqual({ code: 0, stdout: 'source ["help"]\n', stderr: '' });
  });

  it('when there is no build and no tsx, then one line on stderr says to run npm run build, and the exit code is 1', async () => {
    const dir = layout({ 'src/cli/main.ts': 'export function main(): void {}\n' });
    const result = await runBin(dir, 'token', 'list');
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('npm run build');
  });
});
