/**
 * Threadgate itself, from the working tree's src/ (not dist/, so a bench always measures the code
 * as it is now): `startServer(resolveConfig(process.env))`, which is `createServices` + `createApp`
 * + @hono/node-server, exactly what `threadgate serve` runs. Configured by environment variables
 * (bench/setups/threadgate-process.ts sets them).
 */
import { resolveConfig } from '../../src/config.js';
import { startServer } from '../../src/server.js';
import { announceListening, exitOnSignal } from './listening.js';

const running = await startServer(resolveConfig(process.env));
announceListening(running.port);
exitOnSignal(() => running.close());
