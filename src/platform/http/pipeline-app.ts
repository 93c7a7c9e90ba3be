/**
 * An `OpenAPIHono` whose every request goes through a {@link RequestPipeline}. It declares its own
 * `fetch`, which runs the pipeline around Hono's: Hono's `fetch` is its dispatch (routing,
 * middleware, the handler, not-found, the error handler), and `request` calls `fetch`, so tests
 * driving the app in process go through the pipeline as the server's requests do. Nothing of
 * Hono's is reassigned from outside: the subclass only declares its own entry point.
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from '../../http/context.js';
import type { Dispatch, RequestPipeline } from './pipeline.js';

type HonoInit = ConstructorParameters<typeof OpenAPIHono<AppEnv>>[0];

/**
 * @example
 * const app = new PipelineApp(new RequestPipeline({ deps, headers }, hooks), { router })
 * app.route('/', meRoutes())
 * serve({ fetch: app.fetch })
 */
export class PipelineApp extends OpenAPIHono<AppEnv> {
  readonly pipeline: RequestPipeline;
  /**
   * Hono's own `fetch` (its dispatch), as the base class defined it: fields are set in order, the
   * base class's first, so this is read before this class declares its own `fetch` below.
   */
  readonly #dispatch: Dispatch = (this as OpenAPIHono<AppEnv>).fetch as Dispatch;

  constructor(pipeline: RequestPipeline, init?: HonoInit) {
    super(init);
    this.pipeline = pipeline;
  }

  override fetch = (request: Request, env?: unknown, executionCtx?: unknown): Response | Promise<Response> =>
    this.pipeline.run(request, env, executionCtx, this.#dispatch);
}
