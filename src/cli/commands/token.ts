/** `threadgate token <action>`: tools for single tokens (inspect; sign with an authentication key). */
import { CliUsageError } from '../cli-usage-error.js';
import { runTokenInspect } from './token-inspect.js';
import { runTokenSign } from './token-sign.js';

export async function runToken(args: string[]): Promise<number> {
  const [action, ...rest] = args;
  switch (action) {
    case 'inspect':
      return runTokenInspect(rest);
    case 'sign':
      return runTokenSign(rest);
    default:
      throw new CliUsageError(`token ${action ?? ''}: expected "token inspect <token>" or "token sign --key <id> --sub <user>"`);
  }
}
