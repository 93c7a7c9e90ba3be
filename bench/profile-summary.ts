/**
 * Reads V8 CPU profiles (`--cpu-prof` output) and prints the functions with the most self time,
 * by file and line, so a slow setup points at its hot path. Run on its own with
 * `node --import tsx bench/profile-summary.ts [--inclusive] <dir or .cpuprofile>...` (`--inclusive`:
 * time with callees, to see which of our functions a request's time goes through).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  startTime: number;
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function profilesIn(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).flatMap((name) => profilesIn(join(path, name))).filter((file) => file.endsWith('.cpuprofile'));
}

/**
 * The `top` functions by self time, as text lines (share of the samples, function, place).
 * `sinceUs` (CLOCK_MONOTONIC µs, V8's sample clock on Linux) skips the samples before it.
 */
export function summarizeProfile(file: string, top = 25, sinceUs = 0, inclusive = false): string[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const keyOf = (frame: ProfileNode['callFrame']): string => {
    const where = frame.url === '' ? '' : ` ${relative(process.cwd(), frame.url.replace(/^file:\/\//, ''))}:${frame.lineNumber + 1}`;
    return `${frame.functionName || '(anonymous)'}${where}`;
  };
  const timeUs = new Map<string, number>();
  let total = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < sinceUs) return;
    const node = byNode.get(id);
    if (node === undefined) return;
    total += delta;
    // Self time: the sampled frame. Inclusive: every distinct frame on its stack, once.
    const keys = new Set<string>();
    for (let at: ProfileNode | undefined = node; at !== undefined; at = inclusive ? byNode.get(parentOf.get(at.id) ?? -1) : undefined) {
      keys.add(keyOf(at.callFrame));
    }
    for (const key of keys) timeUs.set(key, (timeUs.get(key) ?? 0) + delta);
  });
  return [...timeUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, us]) => `${((us / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  const args = process.argv.slice(2);
  const inclusive = args.includes('--inclusive');
  for (const file of args.filter((arg) => arg !== '--inclusive').flatMap(profilesIn)) {
    console.log(`\n${file}${inclusive ? ' (inclusive time: the function and what it called)' : ''}`);
    for (const line of summarizeProfile(file, inclusive ? 60 : 25, 0, inclusive)) console.log(`  ${line}`);
  }
}
