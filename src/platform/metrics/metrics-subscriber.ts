/**
 * Metrics as a subscriber of the domain-event bus: refused credentials (`auth.failed`) count as
 * authentications by kind and code, and every event from another process gives the bus's lag.
 */
import type { EventBus } from '../events/bus.js';
import type { Metrics } from './metrics.js';

/**
 * @example
 * subscribeMetrics(bus, metrics)
 */
export function subscribeMetrics(bus: EventBus, metrics: Metrics, clock: () => number = Date.now): () => void {
  const stopFailures = bus.subscribe('auth.failed', (event) => metrics.countAuthentication(event.payload.credential, event.payload.code));
  const stopLag = bus.subscribe('*', (event) => {
    if (event.remote) metrics.observeEventLag(clock() - event.at);
  });
  return () => {
    stopFailures();
    stopLag();
  };
}
