export * from './agents-admin-routes.js';
