/** `threadgate token <action>`: tools for single tokens (inspect; sign with an authentication key). */
import { CliUsageError } from '../cli-usage-error.js';
import { runTokenInspect } from './token-inspect.js';

export async function runToken(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  switch (action) {
    case 'inspect':
      return runTokenInspect(rest);
    default:
      throw new CliUsageError(`token ${action ?? ''}: expected "token inspect <token>"`);
  }
}
