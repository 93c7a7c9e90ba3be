/**
 * Structured logs (pino). Secrets are redacted by path, as pino recommends, so a credential that
 * reaches a log line by accident is censored rather than written.
 */
import { pino, type Logger } from 'pino';

export const REDACTED_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers.cookie',
  '*.token',
  '*.key',
  '*.secret',
  '*.refresh_token',
  '*.access_token',
  '*.password',
  '*.secretAccessKey',
  '*.signature',
];

export function createLogger(level: string, destination?: NodeJS.WritableStream): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' }, base: { service: 'threadgate' } };
  return destination === undefined ? pino(options) : pino(options, destination as never);
}
