import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createRouteAccess } from '../../src/auth/route-access.js';

describe('route access', () => {
  it('default: data and execution need a user, admin the admin key, the rest is public', () => {
    const access = createRouteAccess();
    assert.equal(access.accessFor('data', 'GET', '/v1/threads'), 'user');
    assert.equal(access.accessFor('execution', 'POST', '/v1/agents/a/text'), 'user');
    assert.equal(access.accessFor('admin', 'GET', '/admin/v1/api-keys'), 'admin');
    assert.equal(access.accessFor('management', 'GET', '/v1/agents'), 'public');
    assert.equal(access.accessFor('documentation', 'GET', '/doc'), 'public');
  });

  it('metrics need the admin key unless metricsPublic; publicRoutes and defaultPrivate do not change that', () => {
    assert.equal(createRouteAccess().accessFor('metrics', 'GET', '/metrics'), 'admin');
    assert.equal(createRouteAccess({ publicRoutes: ['GET /metrics'] }).accessFor('metrics', 'GET', '/metrics'), 'admin');
    assert.equal(createRouteAccess({ metricsPublic: true, defaultPrivate: true }).accessFor('metrics', 'GET', '/metrics'), 'public');
  });

  it('defaultPrivate protects management and documentation except publicRoutes', () => {
    const access = createRouteAccess({ defaultPrivate: true, publicRoutes: ['GET /doc'] });
    assert.equal(access.accessFor('documentation', 'GET', '/doc'), 'public');
    assert.equal(access.accessFor('documentation', 'GET', '/ui'), 'user');
    assert.equal(access.accessFor('management', 'GET', '/v1/agents'), 'user');
    assert.equal(access.accessFor('health', 'GET', '/health'), 'public', 'load balancers need health');
    assert.equal(access.accessFor('keys', 'GET', '/.well-known/jwks.json'), 'public', 'verifiers need the keys');
  });

  it('publicRoutes never open a data, execution or admin route', () => {
    const access = createRouteAccess({ defaultPrivate: true, publicRoutes: ['/**'] });
    assert.equal(access.accessFor('data', 'GET', '/v1/threads'), 'user');
    assert.equal(access.accessFor('execution', 'POST', '/v1/agents/a/text'), 'user');
    assert.equal(access.accessFor('admin', 'GET', '/admin/v1/api-keys'), 'admin');
  });
});
