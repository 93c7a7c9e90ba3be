/**
 * The smallest assistant-ui app a new user would write against Threadgate: assistant-ui's local
 * runtime with `cloud` set to an anonymous AssistantCloud, a canned chat model (no LLM, no
 * network besides Threadgate), the thread list primitives so threads can be switched, archived
 * and deleted, and the composer's attachments (assistant-ui's cloud attachment adapter).
 * test/browser/assistant-ui.test.ts builds it with Vite and drives it in Chromium. Threadgate's
 * address comes from the page's `?threadgate=` query parameter.
 *
 * With `?agent=<id>`, the model is a Threadgate agent instead of the canned one: the AI SDK chat
 * transport that `cloud.runs.__internal_getAssistantOptions(id)` configures, on the thread's
 * remote id (test/browser/assistant-ui-agent.test.ts). No backend of the app's own.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import {
  AssistantCloud,
  AssistantRuntimeProvider,
  BranchPickerPrimitive,
  ComposerPrimitive,
  MessagePrimitive,
  ThreadListItemPrimitive,
  ThreadListPrimitive,
  ThreadPrimitive,
  useAuiState,
  useLocalRuntime,
  type Attachment,
  type ChatModelAdapter,
} from '@assistant-ui/react';

import { DefaultChatTransport, readUIMessageStream, type UIMessage } from 'ai';

const baseUrl = new URLSearchParams(location.search).get('threadgate');
const agentId = new URLSearchParams(location.search).get('agent');
if (!baseUrl) throw new Error('open this page with ?threadgate=<Threadgate URL>');

const cloud = new AssistantCloud({ baseUrl, anonymous: true });
// The test reads what the server stored through the page's own client (same anonymous session).
(window as unknown as { threadgateCloud: AssistantCloud }).threadgateCloud = cloud;

const wait = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), reject(signal.reason)), { once: true });
  });

/** Answers "Canned reply to: <the user's text>", streamed word by word like a model would. */
const cannedModel: ChatModelAdapter = {
  async *run({ messages, abortSignal }) {
    const last = messages.at(-1);
    const asked = (last?.content ?? []).flatMap((part) => (part.type === 'text' ? [part.text] : [])).join(' ');
    const words = `Canned reply to: ${asked}`.split(' ');
    for (let i = 1; i <= words.length; i++) {
      await wait(30, abortSignal);
      yield { content: [{ type: 'text', text: words.slice(0, i).join(' ') }] };
    }
  },
};

/** A Threadgate agent as the chat model: POST /v1/runs/stream, read as the AI SDK UI message stream. */
const agentModel: ChatModelAdapter = {
  async *run({ messages, abortSignal, unstable_threadId }) {
    if (!agentId || !unstable_threadId) throw new Error('an agent run needs the agent id and the thread\'s remote id');
    const options = cloud.runs.__internal_getAssistantOptions(agentId);
    const transport = new DefaultChatTransport<UIMessage>({ api: options.api, headers: options.headers, body: await options.body({ threadId: unstable_threadId }) });
    const chat: UIMessage[] = messages.map((message) => ({
      id: message.id,
      role: message.role === 'assistant' ? 'assistant' : 'user',
      parts: message.content.flatMap((part) => (part.type === 'text' ? [{ type: 'text' as const, text: part.text }] : [])),
    }));
    const chunks = await transport.sendMessages({ chatId: unstable_threadId, messages: chat, abortSignal, trigger: 'submit-message', messageId: undefined });
    for await (const message of readUIMessageStream({ stream: chunks })) {
      yield { content: message.parts.flatMap((part) => (part.type === 'text' ? [{ type: 'text' as const, text: part.text }] : [])) };
    }
  },
};

function BranchPicker() {
  return (
    <BranchPickerPrimitive.Root hideWhenSingleBranch className="branch-picker" data-testid="branch-picker">
      <BranchPickerPrimitive.Previous>‹</BranchPickerPrimitive.Previous>
      <BranchPickerPrimitive.Number /> / <BranchPickerPrimitive.Count />
      <BranchPickerPrimitive.Next>›</BranchPickerPrimitive.Next>
    </BranchPickerPrimitive.Root>
  );
}

/** An attachment of a sent message, shown from the URL stored with it (an image from its publicUrl). */
function SentAttachment({ attachment }: { attachment: Attachment }) {
  return (
    <span className="attachment" data-testid="message-attachment">
      {(attachment.content ?? []).map((part, index) =>
        part.type === 'image' ? <img key={index} data-testid="attachment-image" alt={attachment.name} src={part.image} width={16} height={16} /> : null,
      )}
      {attachment.name}
    </span>
  );
}

function Message({ role }: { role: string }) {
  return (
    <MessagePrimitive.Root className={`message ${role}`} data-testid={`${role}-message`}>
      <MessagePrimitive.Attachments>{({ attachment }) => <SentAttachment attachment={attachment} />}</MessagePrimitive.Attachments>
      <div className="text">
        <MessagePrimitive.Parts />
      </div>
      <BranchPicker />
    </MessagePrimitive.Root>
  );
}

function Thread() {
  const running = useAuiState((s) => s.thread.isRunning);
  return (
    <ThreadPrimitive.Root className="thread">
      <p data-testid="status">{running ? 'running' : 'idle'}</p>
      <ThreadPrimitive.Viewport className="viewport" data-testid="messages">
        <ThreadPrimitive.Messages>{({ message }) => <Message role={message.role} />}</ThreadPrimitive.Messages>
      </ThreadPrimitive.Viewport>
      <ComposerPrimitive.Root className="composer">
        <ComposerPrimitive.Attachments>
          {({ attachment }) => (
            <span data-testid="composer-attachment" data-status={attachment.status.type}>
              {attachment.name}
            </span>
          )}
        </ComposerPrimitive.Attachments>
        <ComposerPrimitive.AddAttachment data-testid="add-attachment">Attach</ComposerPrimitive.AddAttachment>
        <ComposerPrimitive.Input placeholder="Write a message" data-testid="composer-input" />
        <ComposerPrimitive.Send data-testid="composer-send">Send</ComposerPrimitive.Send>
      </ComposerPrimitive.Root>
    </ThreadPrimitive.Root>
  );
}

function ThreadListItem({ archived }: { archived: boolean }) {
  const remoteId = useAuiState((s) => s.threadListItem.remoteId);
  return (
    <ThreadListItemPrimitive.Root className="thread-item" data-testid="thread-item" data-remote-id={remoteId ?? ''}>
      <ThreadListItemPrimitive.Trigger className="thread-trigger" data-testid="thread-trigger">
        <ThreadListItemPrimitive.Title fallback="New chat" />
      </ThreadListItemPrimitive.Trigger>
      {archived ? (
        <ThreadListItemPrimitive.Unarchive data-testid="thread-unarchive">Unarchive</ThreadListItemPrimitive.Unarchive>
      ) : (
        <ThreadListItemPrimitive.Archive data-testid="thread-archive">Archive</ThreadListItemPrimitive.Archive>
      )}
      <ThreadListItemPrimitive.Delete data-testid="thread-delete">Delete</ThreadListItemPrimitive.Delete>
    </ThreadListItemPrimitive.Root>
  );
}

function ThreadList() {
  return (
    <ThreadListPrimitive.Root className="thread-list">
      <ThreadListPrimitive.New data-testid="new-thread">New thread</ThreadListPrimitive.New>
      <h2>Threads</h2>
      <div data-testid="active-threads">
        <ThreadListPrimitive.Items>{() => <ThreadListItem archived={false} />}</ThreadListPrimitive.Items>
      </div>
      <h2>Archived</h2>
      <div data-testid="archived-threads">
        <ThreadListPrimitive.Items archived>{() => <ThreadListItem archived />}</ThreadListPrimitive.Items>
      </div>
    </ThreadListPrimitive.Root>
  );
}

function App() {
  const runtime = useLocalRuntime(agentId ? agentModel : cannedModel, { cloud });
  return (
    <AssistantRuntimeProvider runtime={runtime}>
      <main style={{ display: 'flex', gap: '2rem', fontFamily: 'sans-serif' }}>
        <ThreadList />
        <Thread />
      </main>
    </AssistantRuntimeProvider>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
