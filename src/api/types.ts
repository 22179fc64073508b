/// <reference types="@fastify/cookie" />
/// <reference types="@fastify/swagger" />
/**
 * What the API adds to Fastify's types: the services every route plugin reads (decorators on the root
 * instance, visible to every encapsulated plugin) and each route's declared access.
 */
import type { Actor, Permission } from '../store/model.ts';
import type { Store } from '../store/store.ts';
import type { EventBus } from './event-bus.ts';
import type { MetricsRegistry } from './metrics.ts';
import type { PbxPort } from './pbx-port.ts';

/** Who may call a route: anyone, any authenticated caller, or holders of one permission. */
export type Access = 'public' | 'authenticated' | Permission;

export interface Principal {
  actor: Actor;
  via: 'session' | 'token';
  /** Session only: the value writes must echo in `X-CSRF-Token`. */
  csrfToken?: string;
  /** Session only: the cookie value (logout deletes it). */
  sessionToken?: string;
}

export interface LoginPolicy {
  /** Failed logins in a row that lock an account. */
  maxFailures: number;
  /** How long a lock lasts. */
  lockMs: number;
  /** Login attempts one address may make per minute (any account). */
  attemptsPerMinute: number;
  /** How long a console session lasts. */
  sessionTtlMs: number;
}

export interface ApiServices {
  store: Store;
  events: EventBus;
  metrics: MetricsRegistry;
  pbx?: PbxPort;
  login: LoginPolicy;
  /** Force the Secure flag on cookies (otherwise set when the request came over TLS). */
  secureCookies: boolean;
  version: string;
  /** The SIP domain, told to the console (its phone settings). */
  domain?: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    services: ApiServices;
  }
}
