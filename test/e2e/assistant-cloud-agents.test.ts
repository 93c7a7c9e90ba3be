/**
 * The newest `assistant-cloud` client running Threadgate agents (issue 14), against the real
 * server on a port: `cloud.runs.stream` (text/plain, PlainTextDecoder), `generateThreadTitle` with
 * a title model, and the AI SDK chat transport that `cloud.runs.__internal_getAssistantOptions`
 * configures for assistant-ui (protocol `ui-message-stream`). Models are the test peer's
 * (test/helpers/openai-peer.ts).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AssistantCloud, generateThreadTitle } from 'assistant-cloud';
import { DefaultChatTransport, readUIMessageStream, type UIMessage } from 'ai';
import { startListeningServer, type ListeningServer } from '../helpers/listening-server.js';
import { startOpenAiPeer, type OpenAiPeer } from '../helpers/openai-peer.js';
import { TEST_ADMIN_KEY } from '../helpers/server-process.js';

async function admin(server: ListeningServer, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { Authorization: `Bearer ${TEST_ADMIN_KEY}`, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 201, await res.text());
}

async function textOf(stream: ReadableStream<{ type: string; textDelta?: string }>): Promise<string> {
  let text = '';
  for await (const chunk of stream as unknown as AsyncIterable<{ type: string; textDelta?: string }>) if (chunk.type === 'text-delta') text += chunk.textDelta;
  return text;
}

describe('assistant-cloud (newest) runs Threadgate agents', () => {
  let peer: OpenAiPeer;
  let server: ListeningServer;
  let cloud: InstanceType<typeof AssistantCloud>;

  before(async () => {
    peer = await startOpenAiPeer();
    server = await startListeningServer({ THREADGATE_TITLE_MODEL: 'peer/title' });
    await admin(server, '/admin/v1/providers', { id: 'peer', base_url: peer.baseUrl, models: ['echo', 'title', 'fail'] });
    await admin(server, '/admin/v1/agents', { id: 'helper', name: 'Helper', provider_id: 'peer', model: 'echo', instructions: 'Be brief.' });
    await admin(server, '/admin/v1/agents', { id: 'broken', name: 'Broken', provider_id: 'peer', model: 'fail' });
    cloud = new AssistantCloud({ baseUrl: server.url, authToken: async () => server.token, telemetry: false });
  });
  after(async () => {
    await server?.stop();
    await peer?.close();
  });

  it('runs.stream with an agent id streams its reply as text, and writes nothing to the thread', async () => {
    const { thread_id } = await cloud.threads.create({ last_message_at: new Date() });
    const stream = await cloud.runs.stream({ thread_id, assistant_id: 'helper' as 'system/thread_title', messages: [{ role: 'user', content: [{ type: 'text', text: 'ping' }] }] });
    assert.equal(await textOf(stream as never), 'You said: ping');
    assert.equal((await cloud.threads.messages.list(thread_id)).messages.length, 0, 'assistant-ui\'s persistence stores the messages, not the run');
  });

  it('runs.stream without messages reads the thread\'s history from the store', async () => {
    const { thread_id } = await cloud.threads.create({ last_message_at: new Date() });
    await cloud.threads.messages.create(thread_id, { parent_id: null, format: 'aui/v0', content: { role: 'user', content: [{ type: 'text', text: 'from the store' }] } });
    const stream = await cloud.runs.stream({ thread_id, assistant_id: 'helper' as 'system/thread_title', messages: [] });
    assert.equal(await textOf(stream as never), 'You said: from the store');
  });

  it('a failing model is a JSON error (502 model_unavailable) before the stream starts', async () => {
    const { thread_id } = await cloud.threads.create({ last_message_at: new Date() });
    await assert.rejects(cloud.runs.stream({ thread_id, assistant_id: 'broken' as 'system/thread_title', messages: [{ role: 'user', content: [{ type: 'text', text: 'x' }] }] }), (error: Error & { status?: number; code?: string }) => {
      assert.equal(error.status, 502);
      assert.equal(error.code, 'model_unavailable');
      return true;
    });
  });

  it('generateThreadTitle asks the title model and stores its title', async () => {
    const { thread_id } = await cloud.threads.create({ last_message_at: new Date() });
    const title = await generateThreadTitle(cloud, { threadId: thread_id, messages: [{ role: 'user', content: [{ type: 'text', text: 'Plan a weekend in Lisbon' }] }] });
    assert.equal(title, 'Trip to Lisbon');
    assert.equal((await cloud.threads.get(thread_id)).title, 'Trip to Lisbon');
    assert.equal(peer.requests.at(-1)!.body.model, 'title');
  });

  it('the AI SDK chat transport of __internal_getAssistantOptions gets the UI message stream', async () => {
    const { thread_id } = await cloud.threads.create({ last_message_at: new Date() });
    const options = cloud.runs.__internal_getAssistantOptions('helper');
    assert.equal(options.protocol, 'ui-message-stream');
    const body = await options.body({ threadId: thread_id });
    const transport = new DefaultChatTransport<UIMessage>({ api: options.api, headers: options.headers as never, body });
    const messages: UIMessage[] = [{ id: 'm1', role: 'user', parts: [{ type: 'text', text: 'hello from assistant-ui' }] }];
    const chunks = await transport.sendMessages({ chatId: thread_id, messages, abortSignal: undefined, trigger: 'submit-message', messageId: undefined });
    let last: UIMessage | undefined;
    for await (const message of readUIMessageStream({ stream: chunks })) last = message;
    const text = last?.parts.filter((p) => p.type === 'text').map((p) => (p as { text: string }).text).join('');
    assert.equal(text, 'You said: hello from assistant-ui');
    assert.equal(peer.requests.at(-1)!.body.messages.at(-1).content, 'hello from assistant-ui');
    assert.equal((await cloud.threads.messages.list(thread_id)).messages.length, 0, 'stored once: by the client\'s persistence, not by the run');
  });
});
