/**
 * Summarises a V8 .cpuprofile (node --cpu-prof, or BENCH_CPU_PROF=1 npm run bench): self time by
 * function and by component (a package in node_modules, a folder of src/, Node internals, GC), so
 * "where does the time go" has an answer without a profiler UI.
 *   npx tsx bench/cpu-profile-summary.ts bench-results/profiles/front-api.cpuprofile [top]
 */
import fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileShare {
  name: string;
  ms: number;
  percent: number;
}

/** Who owns a frame: `express`, `src/store`, `bench`, `node:internal`, `(garbage collector)`, ... */
export function componentOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  const own = /\/(src|scripts)\/([^/]+)\//.exec(url);
  if (own) return `${own[1]}/${own[2]}`;
  const tool = /\/(bench|simulator)\/[^/]+$/.exec(url);
  if (tool) return tool[1];
  if (url.startsWith('node:')) return url.startsWith('node:internal') ? 'node:internal' : url;
  return url;
}

export function summariseProfile(profile: CpuProfile, top = 25): { totalMs: number; byFunction: ProfileShare[]; byComponent: ProfileShare[] } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const functions = new Map<string, number>();
  const components = new Map<string, number>();
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)' || functionName === '(program)') {
      idleUs += functionName === '(idle)' ? us : 0;
      if (functionName === '(idle)') continue;
    }
    const shortUrl = url.replace(/^.*?\/(node_modules|src|scripts|bench|simulator)\//, '$1/');
    const fn = `${functionName || '(anonymous)'} ${shortUrl}${url ? `:${lineNumber + 1}` : ''}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
    const component = componentOf(url, functionName);
    components.set(component, (components.get(component) ?? 0) + us);
  }
  const busyUs = profile.endTime - profile.startTime - idleUs;
  const shares = (map: Map<string, number>) =>
    [...map.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), percent: Math.round((us / busyUs) * 1000) / 10 }));
  return { totalMs: Math.round(busyUs / 1000), byFunction: shares(functions), byComponent: shares(components) };
}

function main(): void {
  const [file, topArg] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: tsx bench/cpu-profile-summary.ts <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  const summary = summariseProfile(JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile, Number(topArg ?? 25));
  process.stdout.write(`${file}: ${summary.totalMs} ms busy (idle excluded)\n\nself time by component:\n`);
  for (const s of summary.byComponent) process.stdout.write(`${String(s.percent).padStart(6)}%  ${String(s.ms).padStart(7)} ms  ${s.name}\n`);
  process.stdout.write('\nself time by function:\n');
  for (const s of summary.byFunction) process.stdout.write(`${String(s.percent).padStart(6)}%  ${String(s.ms).padStart(7)} ms  ${s.name}\n`);
}

if (require.main === module) main();
