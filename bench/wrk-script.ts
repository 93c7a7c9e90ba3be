/**
 * Writes the Lua script wrk runs: it sends the setup's requests in turn (one request: wrk's own
 * fast path), and at the end prints one `WRKJSON {...}` line with the count, errors and latency
 * percentiles, which bench/wrk.ts parses. Latencies are in microseconds, as wrk records them.
 */
import type { LoadRequest } from './load.js';

/** A Lua string literal for any text: printable ASCII stays, everything else becomes `\ddd` bytes. */
export function luaString(text: string): string {
  let out = '"';
  for (const byte of Buffer.from(text, 'utf8')) {
    if (byte === 0x22 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\${byte}`;
  }
  return `${out}"`;
}

function luaTable(headers: Readonly<Record<string, string>>): string {
  return `{ ${Object.entries(headers).map(([name, value]) => `[${luaString(name)}] = ${luaString(value)}`).join(', ')} }`;
}

const DONE = `
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
    '"latency_us":{"min":%d,"mean":%.2f,"max":%d,"p50":%d,"p90":%d,"p99":%d,"p999":%d}}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency.min, latency.mean, latency.max,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9)))
end
`;

export function wrkScript(requests: readonly LoadRequest[]): string {
  if (requests.length === 0) throw new TypeError('wrkScript: no requests');
  if (requests.length === 1) {
    const [only] = requests as [LoadRequest];
    const lines = [
      `wrk.method = ${luaString(only.method)}`,
      `wrk.path = ${luaString(only.path)}`,
      ...Object.entries(only.headers).map(([name, value]) => `wrk.headers[${luaString(name)}] = ${luaString(value)}`),
      ...(only.body !== undefined ? [`wrk.body = ${luaString(only.body)}`] : []),
    ];
    return `${lines.join('\n')}\n${DONE}`;
  }
  const formats = requests.map(
    (request) => `  reqs[#reqs + 1] = wrk.format(${luaString(request.method)}, ${luaString(request.path)}, ${luaTable(request.headers)}, ${request.body === undefined ? 'nil' : luaString(request.body)})`,
  );
  return `local reqs = {}
local i = 0
init = function(args)
${formats.join('\n')}
end
request = function()
  i = i % #reqs + 1
  return reqs[i]
end
${DONE}`;
}
