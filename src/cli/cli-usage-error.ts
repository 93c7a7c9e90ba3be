/** A command line that does not parse; main.ts prints it with the usage text. */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}
