/**
 * Threadgate itself, as built into dist/ from the working tree (`npm run bench` builds first):
 * `startServer(resolveConfig(process.env))`, which is `createServices` + `createApp` +
 * @hono/node-server, exactly what `threadgate serve` runs. Configured by environment variables
 * (bench/setups/threadgate-process.ts sets them).
 */
import { resolveConfig, startServer } from '../threadgate-dist.js';
import { announceListening, exitOnSignal } from './listening.js';

const running = await startServer(resolveConfig(process.env));
announceListening(running.port);
exitOnSignal(() => running.close());
