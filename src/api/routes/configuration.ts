/**
 * `/api/configuration`: the whole configuration at once, for backups and scripted set-ups. GET exports the
 * draft (or `?view=live`), secrets left out unless `?secrets=true` (audited); PUT replaces the draft with
 * the body (Apply then publishes it). An object given without its secret keeps the one the draft has under
 * the same id, so an export without secrets can be edited and put back. Both need `admin`.
 */
import type { FastifyPluginAsync } from 'fastify';
import { type Configuration, OBJECT_KINDS, redact } from '../../store/model.ts';
import { contextOf } from '../auth.ts';
import { errorResponses } from '../errors.ts';

const objects = {
  type: 'array',
  maxItems: 100_000,
  items: { type: 'object', additionalProperties: true },
} as const;
const configurationSchema = {
  type: 'object',
  properties: { users: objects, conferences: objects, incomingNumbers: objects, trunks: objects },
  additionalProperties: false,
} as const;

export const configurationRoutes: FastifyPluginAsync = async (app) => {
  const { store } = app.services;
  const admin = { access: 'admin' as const };

  app.get(
    '/api/configuration',
    {
      config: admin,
      schema: {
        tags: ['configuration'],
        summary: 'Export the whole draft (or ?view=live); secrets only with ?secrets=true',
        querystring: {
          type: 'object',
          properties: {
            view: { type: 'string', enum: ['draft', 'live'], default: 'draft' },
            secrets: { type: 'boolean', default: false },
          },
          additionalProperties: false,
        },
        response: {
          200: {
            ...configurationSchema,
            properties: { ...configurationSchema.properties, version: { type: 'integer' } },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { view, secrets } = request.query as { view: 'draft' | 'live'; secrets: boolean };
      const config: Configuration = view === 'live' ? store.live.config : await store.draft();
      if (secrets)
        await store.audit({ ...auditOf(request), action: 'configuration.export', detail: { view, secrets } });
      const out: Record<string, unknown> = view === 'live' ? { version: store.live.version } : {};
      for (const kind of OBJECT_KINDS) out[kind] = secrets ? config[kind] : config[kind].map(redact);
      return out;
    },
  );

  app.put(
    '/api/configuration',
    {
      config: admin,
      bodyLimit: 64 * 1024 * 1024,
      schema: {
        tags: ['configuration'],
        summary: 'Replace the whole draft (validated object by object; Apply checks the whole)',
        body: configurationSchema,
        response: { 204: { type: 'null' }, ...errorResponses },
      },
    },
    async (request, reply) => {
      const body = request.body as Partial<Configuration>;
      const current = await store.draft();
      const config = {} as Configuration;
      for (const kind of OBJECT_KINDS) {
        const before = new Map((current[kind] as unknown as Record<string, unknown>[]).map((o) => [o.id, o]));
        (config as unknown as Record<string, unknown[]>)[kind] = (body[kind] ?? []).map((o) => {
          const obj = { ...(o as unknown as Record<string, unknown>) };
          const old = before.get(obj.id);
          for (const secret of ['sipPassword', 'password'])
            if (obj[secret] === undefined && old?.[secret] !== undefined) obj[secret] = old[secret];
          return obj;
        });
      }
      await store.replaceDraft(config, contextOf(request));
      reply.code(204).send();
    },
  );
};

function auditOf(request: { principal: { actor: { kind: string; name: string } } | null; ip: string }) {
  const a = request.principal?.actor;
  return { actor: a ? `${a.kind}:${a.name}` : 'unknown', ip: request.ip, ok: true };
}
