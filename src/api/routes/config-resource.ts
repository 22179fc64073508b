/**
 * One staged configuration resource as a Fastify plugin: list (paged: `offset`, `limit` up to 10,000,
 * default 1,000 so small sites get everything in one page; `?view=live`; `?q=` filter), create, read
 * (with an ETag), update and delete (with `If-Match` or a `revision` field: a stale one is a 409).
 * Writes go to the draft; nothing reaches calls before Apply.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { ObjectKind, ObjectTypes } from '../../store/model.ts';
import type { View } from '../../store/store.ts';
import { contextOf } from '../auth.ts';
import { ApiError, errorResponses } from '../errors.ts';
import type { Access } from '../types.ts';

type Json = Record<string, unknown>;

export interface ResourceSpec<K extends ObjectKind> {
  kind: K;
  /** e.g. `/api/users` */
  path: string;
  tag: string;
  /** Singular, for messages and summaries. */
  noun: string;
  readAccess: Access;
  writeAccess: Access;
  /** JSON-schema properties of the writable fields (each optional: the store says what is missing). */
  writable: Record<string, Json>;
  /** JSON-schema properties shown back besides id and revision (never secrets). */
  readable: Record<string, Json>;
  /** Values for fields a create leaves out. */
  defaults?: Json;
  /** Fields handled by the route, not stored on the object (e.g. a user's console login). */
  extraWritable?: Record<string, Json>;
  extraReadable?: Record<string, Json>;
  /** Adds to each object shown (e.g. the user's console login). */
  decorate?: (items: ObjectTypes[K][], request: FastifyRequest) => Promise<Json[]>;
  /** Checks the route's own fields before anything is written (so a refusal leaves nothing half-done). */
  beforeWrite?: (extra: Json, request: FastifyRequest, id?: string) => Promise<void>;
  afterCreate?: (obj: ObjectTypes[K], body: Json, request: FastifyRequest) => Promise<void>;
  afterUpdate?: (obj: ObjectTypes[K], body: Json, request: FastifyRequest) => Promise<void>;
  /** Runs after the object is removed from the draft. */
  afterDelete?: (id: string, request: FastifyRequest) => Promise<void>;
}

const idParams = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 64 } },
  required: ['id'],
} as const;

const listQuery = {
  type: 'object',
  properties: {
    offset: { type: 'integer', minimum: 0, default: 0 },
    limit: { type: 'integer', minimum: 1, maximum: 10000, default: 1000 },
    view: { type: 'string', enum: ['draft', 'live'], default: 'draft' },
    q: {
      type: 'string',
      maxLength: 100,
      description: 'keep objects whose name, extension, number… contains this',
    },
  },
  additionalProperties: false,
} as const;

const viewQuery = {
  type: 'object',
  properties: { view: { type: 'string', enum: ['draft', 'live'], default: 'draft' } },
  additionalProperties: false,
} as const;

/** The revision a writer last saw: `If-Match: "12"` (RFC 9110 §13.1.1) or a `revision` field in the body. */
export function expectedRevision(request: FastifyRequest): number | undefined {
  const header = request.headers['if-match'];
  if (typeof header === 'string' && header.trim() !== '*') {
    const m = /^\s*(?:W\/)?"?(\d+)"?\s*$/.exec(header);
    if (!m) throw new ApiError(400, 'BAD_REQUEST', 'If-Match must be the ETag of the object, like "12".');
    return Number(m[1]);
  }
  const body = request.body as Json | undefined;
  return typeof body?.revision === 'number' ? body.revision : undefined;
}

function nullable(schema: Json): Json {
  const t = schema.type;
  if (typeof t === 'string') return { ...schema, type: [t, 'null'] };
  return schema;
}

export function configResource<K extends ObjectKind>(spec: ResourceSpec<K>): FastifyPluginAsync {
  return async (app) => {
    const { store } = app.services;
    const item = {
      type: 'object',
      properties: {
        id: { type: 'string' },
        revision: { type: 'integer' },
        ...spec.readable,
        ...(spec.extraReadable ?? {}),
      },
      required: ['id', 'revision'],
    };
    const page = {
      type: 'object',
      properties: {
        items: { type: 'array', items: item },
        total: { type: 'integer' },
        offset: { type: 'integer' },
        limit: { type: 'integer' },
      },
      required: ['items', 'total', 'offset', 'limit'],
    };
    const createBody = {
      type: 'object',
      properties: { ...spec.writable, ...(spec.extraWritable ?? {}) },
      additionalProperties: false,
    };
    const patchBody = {
      type: 'object',
      properties: {
        ...Object.fromEntries(Object.entries(spec.writable).map(([k, v]) => [k, nullable(v)])),
        ...(spec.extraWritable ?? {}),
        revision: { type: 'integer' },
      },
      additionalProperties: false,
    };
    const split = (body: Json): { fields: Json; extra: Json } => {
      const fields: Json = {};
      const extra: Json = {};
      for (const [k, v] of Object.entries(body)) {
        if (k in spec.writable) fields[k] = v;
        else if (k !== 'revision') extra[k] = v;
      }
      return { fields, extra };
    };
    const show = async (items: ObjectTypes[K][], request: FastifyRequest): Promise<Json[]> =>
      spec.decorate ? spec.decorate(items, request) : (items as unknown as Json[]);
    const tags = [spec.tag];

    app.get(
      spec.path,
      {
        config: { access: spec.readAccess },
        schema: {
          tags,
          summary: `List ${spec.tag} (the draft, or ?view=live)`,
          querystring: listQuery,
          response: { 200: page, ...errorResponses },
        },
      },
      async (request) => {
        const q = request.query as { offset: number; limit: number; view: View; q?: string };
        const result = await store.list(spec.kind, q);
        return { ...result, items: await show(result.items, request) };
      },
    );

    app.post(
      spec.path,
      {
        config: { access: spec.writeAccess },
        schema: {
          tags,
          summary: `Add a ${spec.noun} to the draft`,
          body: createBody,
          response: { 201: item, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { fields, extra } = split((request.body ?? {}) as Json);
        await spec.beforeWrite?.(extra, request);
        const created = await store.create(
          spec.kind,
          { ...(spec.defaults ?? {}), ...fields } as never,
          contextOf(request),
        );
        await spec.afterCreate?.(created, extra, request);
        reply
          .code(201)
          .header('etag', `"${created.revision}"`)
          .header('location', `${spec.path}/${created.id}`);
        return (await show([created], request))[0];
      },
    );

    app.get(
      `${spec.path}/:id`,
      {
        config: { access: spec.readAccess },
        schema: {
          tags,
          summary: `One ${spec.noun}`,
          params: idParams,
          querystring: viewQuery,
          response: { 200: item, ...errorResponses },
        },
      },
      async (request, reply: FastifyReply) => {
        const { id } = request.params as { id: string };
        const { view } = request.query as { view: View };
        const obj = await store.get(spec.kind, id, view);
        if (!obj) throw new ApiError(404, 'NOT_FOUND', `No such ${spec.noun}.`);
        reply.header('etag', `"${obj.revision}"`);
        return (await show([obj], request))[0];
      },
    );

    app.patch(
      `${spec.path}/:id`,
      {
        config: { access: spec.writeAccess },
        schema: {
          tags,
          summary: `Change a ${spec.noun} in the draft (If-Match or revision guards against lost updates)`,
          params: idParams,
          body: patchBody,
          response: { 200: item, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { id } = request.params as { id: string };
        const { fields, extra } = split((request.body ?? {}) as Json);
        await spec.beforeWrite?.(extra, request, id);
        const updated = await store.update(spec.kind, id, fields as never, {
          ...contextOf(request),
          ifRevision: expectedRevision(request),
        });
        await spec.afterUpdate?.(updated, extra, request);
        reply.header('etag', `"${updated.revision}"`);
        return (await show([updated], request))[0];
      },
    );

    app.delete(
      `${spec.path}/:id`,
      {
        config: { access: spec.writeAccess },
        schema: {
          tags,
          summary: `Remove a ${spec.noun} from the draft`,
          params: idParams,
          response: { 204: { type: 'null' }, ...errorResponses },
        },
      },
      async (request, reply) => {
        const { id } = request.params as { id: string };
        const ctx = { ...contextOf(request), ifRevision: expectedRevision(request) };
        if (!(await store.get(spec.kind, id))) throw new ApiError(404, 'NOT_FOUND', `No such ${spec.noun}.`);
        await store.remove(spec.kind, id, ctx);
        await spec.afterDelete?.(id, request);
        reply.code(204).send();
      },
    );
  };
}
