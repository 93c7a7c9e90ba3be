/**
 * oidc-provider ships no types (and @types/oidc-provider lags its major versions). The tests use a
 * small part of it, typed loosely here; test/helpers/oidc-provider.ts is the only user.
 */
declare module 'oidc-provider' {
  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    callback(): (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void;
    on(event: string, listener: (...args: any[]) => void): this;
    readonly Client: { find(id: string): Promise<any> };
    readonly IdToken: new (claims: Record<string, unknown>, options: { client: any }) => {
      set(name: string, value: unknown): void;
      issue(options: { use: 'idtoken' }): Promise<string>;
    };
  }
}
