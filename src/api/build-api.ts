/**
 * The HTTP API as a Fastify instance (not listening): one encapsulated plugin per resource, shared
 * services as a decorator, authentication and a permission on every route, consistent errors, the
 * OpenAPI document at /api/openapi.json and its page at /api/docs, the console's static files with an
 * SPA fallback. `/ws` is left alone: the SIP WebSocket transport takes the upgrade on `app.server`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions, LogController } from 'fastify';
import type { Logger } from '../log.ts';
import type { Store } from '../store/store.ts';
import { installAuth } from './auth.ts';
import { ApiError, handleError } from './errors.ts';
import { EventBus } from './event-bus.ts';
import { MetricsRegistry } from './metrics.ts';
import type { PbxPort } from './pbx-port.ts';
import { accountRoutes } from './routes/accounts.ts';
import { changeRoutes } from './routes/changes.ts';
import { conferenceRoutes } from './routes/conferences.ts';
import { configurationRoutes } from './routes/configuration.ts';
import { docsRoutes } from './routes/docs.ts';
import { eventRoutes } from './routes/events.ts';
import { healthRoutes } from './routes/health.ts';
import { incomingNumberRoutes } from './routes/incoming-numbers.ts';
import { liveRoutes } from './routes/live.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { recordRoutes } from './routes/records.ts';
import { sessionRoutes } from './routes/session.ts';
import { tokenRoutes } from './routes/tokens.ts';
import { trunkRoutes } from './routes/trunks.ts';
import { userRoutes } from './routes/users.ts';
import { versionRoutes } from './routes/versions.ts';
import type { ApiServices, LoginPolicy } from './types.ts';

export interface ApiOptions {
  store: Store;
  /** A pino logger for request logs; omitted: no request logging. */
  logger?: Logger;
  /** Where the PBX publishes live events; Apply's `config.applied` is published here too. */
  events?: EventBus;
  /** Live room control; omitted: the live routes answer 503. */
  pbx?: PbxPort;
  metrics?: MetricsRegistry;
  /** The built console (`index.html`, `phone.html`); default `web/dist` of this project; false: none. */
  staticDir?: string | false;
  /** TLS for HTTPS (and WSS through the same server). */
  https?: { cert: string | Buffer; key: string | Buffer };
  /** Force Secure cookies (e.g. behind a TLS-terminating proxy); set anyway when a request came over TLS. */
  secureCookies?: boolean;
  /** Trust X-Forwarded-For/-Proto from these proxies (Fastify `trustProxy`). */
  trustProxy?: FastifyServerOptions['trustProxy'];
  login?: Partial<LoginPolicy>;
  /** Reported by /api/health; default the package version. */
  version?: string;
  /** The SIP domain, returned by `GET /api/me` for the console's phone settings. */
  domain?: string;
}

const DEFAULT_LOGIN: LoginPolicy = {
  maxFailures: 5,
  lockMs: 15 * 60_000,
  attemptsPerMinute: 20,
  sessionTtlMs: 12 * 3600_000,
};

const PROJECT_ROOT = resolve(import.meta.dirname, '..', '..');

function packageVersion(): string {
  try {
    return JSON.parse(readFileSync(resolve(PROJECT_ROOT, 'package.json'), 'utf8')).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

/** Builds the API. Call `listen()` on the result, or `inject()` in tests; `close()` ends event streams too. */
export function buildApi(options: ApiOptions): FastifyInstance {
  const serverOptions: Record<string, unknown> = {
    trustProxy: options.trustProxy ?? false,
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    // One debug line per request (below) instead of Fastify's two info lines: a PBX log is for calls.
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { removeAdditional: false } },
  };
  if (options.https) serverOptions.https = options.https;
  if (options.logger) serverOptions.loggerInstance = options.logger;
  else serverOptions.logger = false;
  const app = Fastify(serverOptions as FastifyServerOptions) as unknown as FastifyInstance;

  const events =
    options.events ?? new EventBus({ onError: (err) => app.log.error({ err }, 'an event listener failed') });
  const metrics = options.metrics ?? new MetricsRegistry();
  const services: ApiServices = {
    store: options.store,
    events,
    metrics,
    pbx: options.pbx,
    login: { ...DEFAULT_LOGIN, ...options.login },
    secureCookies: options.secureCookies ?? false,
    version: options.version ?? packageVersion(),
    domain: options.domain,
  };
  app.decorate('services', services);

  const off = options.store.onApplied((version) => events.publish('config.applied', { version }));
  app.addHook('onClose', async () => {
    off();
  });
  metrics.gauge(
    'parley_config_version',
    'The applied configuration version',
    () => options.store.live.version,
  );
  const requests = metrics.counter(
    'parley_http_requests_total',
    'HTTP requests answered, by route and status',
  );
  app.addHook('onResponse', async (request, reply) => {
    requests.inc({
      method: request.method,
      route: request.routeOptions.url ?? 'unmatched',
      status: reply.statusCode,
    });
    request.log.debug(
      {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime),
      },
      'http',
    );
  });

  app.setErrorHandler(handleError);
  // Like Fastify's JSON parser, but an empty body is no body: `fetch(url, { method: 'POST', headers:
  // { 'content-type': 'application/json' } })` on /api/apply must not be a 400.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, text, done) => {
    if (text === '' || (text as string).trim() === '') return done(null, undefined);
    let poisoned = false;
    // Keys that could reach an object's prototype are refused, as Fastify's own parser does.
    const reviver = (key: string, value: unknown) => {
      if (key === '__proto__' || key === 'constructor') poisoned = true;
      return value;
    };
    try {
      const value = /__proto__|constructor/.test(text as string)
        ? JSON.parse(text as string, reviver)
        : JSON.parse(text as string);
      if (poisoned)
        done(
          new ApiError(400, 'BAD_REQUEST', 'The body holds a forbidden key (__proto__ or constructor).'),
          undefined,
        );
      else done(null, value);
    } catch {
      done(new ApiError(400, 'BAD_REQUEST', 'The body is not valid JSON.'), undefined);
    }
  });
  app.register(fastifyCookie);
  installAuth(app);
  app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Parley API',
        version: services.version,
        description:
          'Configuration is staged: writes change the draft; POST /api/apply publishes it. Authenticate with ' +
          '`Authorization: Bearer <token>` or the console session cookie from POST /api/login; with the cookie, ' +
          "every write must echo the login's csrfToken in the X-CSRF-Token header. Errors are " +
          '{ error: { code, message } }, plus errors: [{ path, message }] for invalid fields. PATCH and DELETE ' +
          'take If-Match: "<revision>" (the ETag) and answer 409 when someone else changed the object.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          session: { type: 'apiKey', in: 'cookie', name: 'parley_session' },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
  });
  app.register(fastifySwaggerUi, { routePrefix: '/api/docs' });

  for (const plugin of [
    healthRoutes,
    metricsRoutes,
    docsRoutes,
    sessionRoutes,
    userRoutes,
    conferenceRoutes,
    incomingNumberRoutes,
    trunkRoutes,
    changeRoutes,
    configurationRoutes,
    versionRoutes,
    tokenRoutes,
    accountRoutes,
    recordRoutes,
    liveRoutes,
    eventRoutes,
  ])
    app.register(plugin);

  const staticDir =
    options.staticDir === false
      ? undefined
      : resolve(options.staticDir ?? resolve(PROJECT_ROOT, 'web', 'dist'));
  const hasConsole = staticDir !== undefined && existsSync(resolve(staticDir, 'index.html'));
  // A wildcard route (not a list made at start-up), so a console rebuilt while running is served whole.
  if (hasConsole) app.register(fastifyStatic, { root: staticDir, index: ['index.html'] });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const api = /^\/(api|metrics|ws)(\/|$)/.test(path);
    if (!api && hasConsole && (request.method === 'GET' || request.method === 'HEAD')) {
      // SPA fallback: the browser phone at /phone…, the console everywhere else.
      const page =
        (path === '/phone' || path.startsWith('/phone/')) && existsSync(resolve(staticDir!, 'phone.html'))
          ? 'phone.html'
          : 'index.html';
      return reply.type('text/html; charset=utf-8').sendFile(page);
    }
    handleError(new ApiError(404, 'NOT_FOUND', `Nothing at ${request.method} ${path}.`), request, reply);
  });
  return app;
}
