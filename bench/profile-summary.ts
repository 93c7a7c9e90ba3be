/**
 * Reads V8 CPU profiles (`--cpu-prof` output) and prints the functions with the most self time,
 * by file and line, so a slow setup points at its hot path. Run on its own with
 * `node --import tsx bench/profile-summary.ts <dir or .cpuprofile>...`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
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
export function summarizeProfile(file: string, top = 25, sinceUs = 0): string[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<string, number>();
  let total = 0;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at < sinceUs) return;
    const frame = byNode.get(id)?.callFrame;
    if (frame === undefined) return;
    const where = frame.url === '' ? '' : ` ${relative(process.cwd(), frame.url.replace(/^file:\/\//, ''))}:${frame.lineNumber + 1}`;
    const key = `${frame.functionName || '(anonymous)'}${where}`;
    selfUs.set(key, (selfUs.get(key) ?? 0) + delta);
    total += delta;
  });
  return [...selfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, us]) => `${((us / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
}

if (process.argv[1] !== undefined && import.meta.filename === process.argv[1]) {
  for (const file of process.argv.slice(2).flatMap(profilesIn)) {
    console.log(`\n${file}`);
    for (const line of summarizeProfile(file)) console.log(`  ${line}`);
  }
}
