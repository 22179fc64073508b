/** The HTTP API's public surface. */
export { type ApiOptions, buildApi } from './build-api.ts';
export { ApiError } from './errors.ts';
export {
  type CallEventData,
  EventBus,
  type ParleyEvent,
  type ParleyEventMap,
  type ParleyEventType,
} from './event-bus.ts';
export { Counter, Gauge, type Labels, MetricsRegistry } from './metrics.ts';
export type { Participant, PbxErrorCode, PbxPort, TrunkRegistration } from './pbx-port.ts';
export { PbxPortError } from './pbx-port.ts';
export type { Access, LoginPolicy, Principal } from './types.ts';
