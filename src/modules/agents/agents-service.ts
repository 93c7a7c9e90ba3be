export * from './agent-runner.js';
