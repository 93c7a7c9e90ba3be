/**
 * @20minutes/s3rver ships no types. The S3 tests use a small part of it, typed loosely here;
 * test/helpers/s3-server.ts is the only user.
 */
declare module '@20minutes/s3rver' {
  export default class S3rver {
    constructor(options: {
      address?: string;
      port?: number;
      silent?: boolean;
      directory?: string;
      configureBuckets?: { name: string; configs?: (string | Buffer)[] }[];
      vhostBuckets?: boolean;
    });
    run(): Promise<import('node:net').AddressInfo>;
    close(): Promise<void>;
  }
}
