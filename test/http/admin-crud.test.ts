/**
 * src/http/admin-crud.ts beyond the credentials' resources (issue 12 item 1): a resource may give
 * its path parameter's schema (model providers: an operator id) and each action's error statuses
 * (409 on a taken id, 409 on deleting a provider still in use), and a service that throws its own
 * error (`No model provider "x".`, a `Conflict`) answers with it. Driven through the model
 * providers and agents of src/modules/agents/agents-admin-routes.ts; the credentials' defaults stay.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createTestApp, type TestApp } from '../helpers/test-app.js';
import { TEST_ADMIN_KEY } from '../helpers/server-process.js';
import { expectError } from '../helpers/error-contract.js';

const admin = { token: TEST_ADMIN_KEY };
const provider = { id: 'crud-peer', base_url: 'https://models.example.com/v1', models: ['m1'] };
const agent = { id: 'crud-agent', name: 'Crud', provider_id: 'crud-peer', model: 'm1' };

describe('admin-crud: model providers and agents', () => {
  let t: TestApp;
  let doc: any;
  before(async () => {
    t = await createTestApp();
    doc = (await t.call('GET', '/doc', admin)).body;
  });
  after(async () => t.close());

  /** The error statuses one operation declares in the OpenAPI document. */
  /** The error statuses the document lists for a route: its own, and 429 and 503, which every admin route can answer (define-route.ts). */
  const declaredErrors = (path: string, method: string) => Object.keys(doc.paths[path][method].responses).filter((status) => Number(status) >= 400);

  it('answers 409 conflict on an id taken already, and declares it on create', async () => {
    assert.equal((await t.call('POST', '/admin/v1/providers', { ...admin, body: provider })).status, 201);
    const again = await t.call('POST', '/admin/v1/providers', { ...admin, body: { ...provider, models: ['other'] } });
    expectError(again, 409, 'conflict');
    assert.equal(again.body.message, 'A model provider "crud-peer" exists already.');
    assert.equal((await t.call('POST', '/admin/v1/agents', { ...admin, body: agent })).status, 201);
    const agentAgain = await t.call('POST', '/admin/v1/agents', { ...admin, body: { ...agent, name: 'Other' } });
    expectError(agentAgain, 409, 'conflict');
    assert.equal(agentAgain.body.message, 'An agent "crud-agent" exists already.');
    assert.equal((await t.call('GET', '/admin/v1/agents/crud-agent', admin)).body.name, 'Crud', 'the first agent is unchanged');
    assert.deepEqual(declaredErrors('/admin/v1/providers', 'post'), ['400', '401', '409', '413', '429', '503']);
    assert.deepEqual(declaredErrors('/admin/v1/agents', 'post'), ['400', '401', '409', '413', '429', '503']);
  });

  it('refuses to delete a provider agents run on (409), then deletes it; the service\'s own 404 message goes out', async () => {
    const refused = await t.call('DELETE', '/admin/v1/providers/crud-peer', admin);
    expectError(refused, 409, 'conflict');
    assert.equal(refused.body.message, 'Agents run on model provider "crud-peer": move or delete them first.');
    assert.equal((await t.call('DELETE', '/admin/v1/agents/crud-agent', admin)).status, 204);
    assert.equal((await t.call('DELETE', '/admin/v1/providers/crud-peer', admin)).status, 204);
    const gone = await t.call('DELETE', '/admin/v1/providers/crud-peer', admin);
    expectError(gone, 404, 'not_found');
    assert.equal(gone.body.message, 'No model provider "crud-peer".');
    expectError(await t.call('GET', '/admin/v1/agents/crud-agent', admin), 404, 'not_found');
    assert.deepEqual(declaredErrors('/admin/v1/providers/{providerId}', 'delete'), ['401', '404', '409', '429', '503']);
    assert.deepEqual(declaredErrors('/admin/v1/agents/{agentId}', 'delete'), ['401', '404', '429', '503']);
  });

  it('validates the path parameter with the resource\'s own schema', async () => {
    // An operator id starts with a letter or digit; the agents' path takes any printable id.
    const bad = await t.call('GET', '/admin/v1/providers/-bad', admin);
    expectError(bad, 400, 'validation_error');
    expectError(await t.call('GET', '/admin/v1/agents/-bad', admin), 404, 'not_found');
    const param = doc.paths['/admin/v1/providers/{providerId}'].get.parameters.find((p: any) => p.name === 'providerId');
    assert.equal(param.schema.pattern, '^[A-Za-z0-9][A-Za-z0-9._/-]*$');
  });

  it('keeps the defaults of the resources that give none (API keys, authentication keys)', () => {
    assert.deepEqual(declaredErrors('/admin/v1/api-keys', 'post'), ['400', '401', '413', '429', '503']);
    assert.deepEqual(declaredErrors('/admin/v1/api-keys/{keyId}', 'delete'), ['401', '404', '429', '503']);
    assert.deepEqual(declaredErrors('/admin/v1/auth-keys/{keyId}', 'patch'), ['400', '401', '404', '413', '429', '503']);
    const param = doc.paths['/admin/v1/api-keys/{keyId}'].delete.parameters.find((p: any) => p.name === 'keyId');
    assert.equal(param.schema.pattern, '^[\\x21-\\x7e]+$');
  });
});
