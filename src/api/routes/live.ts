/**
 * Live control of running rooms through the PBX: participants, invite, mute/unmute, kick. Without a PBX
 * (an API-only process) these answer 503 PBX_UNAVAILABLE. The room must exist in the live configuration.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ApiError, errorResponses } from '../errors.ts';
import { type PbxPort, PbxPortError } from '../pbx-port.ts';

const participant = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    callerId: { type: 'string' },
    extension: { type: 'string' },
    role: { type: 'string', enum: ['admin', 'participant'] },
    muted: { type: 'boolean' },
    talking: { type: 'boolean' },
    /** Still waiting for the administrator: hears music, is not heard. */
    waiting: { type: 'boolean' },
    joinedAt: { type: 'string' },
  },
  required: ['id', 'callerId', 'role', 'muted', 'talking', 'joinedAt'],
} as const;
const roomParams = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 64 } },
  required: ['id'],
} as const;
const memberParams = {
  type: 'object',
  properties: { id: { type: 'string', maxLength: 64 }, pid: { type: 'string', maxLength: 128 } },
  required: ['id', 'pid'],
} as const;

const PBX_STATUS: Record<PbxPortError['code'], number> = {
  NOT_FOUND: 404,
  INVALID_DESTINATION: 422,
  BUSY: 409,
  UNREACHABLE: 502,
  FAILED: 502,
};

async function viaPbx<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof PbxPortError) throw new ApiError(PBX_STATUS[err.code], err.code, err.message);
    throw err;
  }
}

export const liveRoutes: FastifyPluginAsync = async (app) => {
  const { store, pbx, audit } = { ...app.services, audit: app.services.store.audit.bind(app.services.store) };
  const port = (request: FastifyRequest): { pbx: PbxPort; id: string } => {
    if (!pbx)
      throw new ApiError(
        503,
        'PBX_UNAVAILABLE',
        'Live control needs the PBX, which is not running in this process.',
      );
    const id = (request.params as { id: string }).id;
    if (!store.live.conferencesById.has(id))
      throw new ApiError(404, 'NOT_FOUND', 'No such conference is live (was it applied?).');
    return { pbx, id };
  };
  const record = (
    request: FastifyRequest,
    action: string,
    target: string,
    detail?: Record<string, unknown>,
  ) =>
    audit({
      actor: `${request.principal!.actor.kind}:${request.principal!.actor.name}`,
      action,
      target,
      ip: request.ip,
      ok: true,
      detail,
    });
  const access = { access: 'participants' as const };
  const tags = ['live'];

  app.get(
    '/api/conferences/:id/participants',
    {
      config: access,
      schema: {
        tags,
        summary: 'Who is in the room now',
        params: roomParams,
        response: { 200: { type: 'array', items: participant }, ...errorResponses },
      },
    },
    async (request) => {
      const { pbx, id } = port(request);
      return viaPbx(() => pbx.participants(id));
    },
  );

  app.post(
    '/api/conferences/:id/invite',
    {
      config: access,
      schema: {
        tags,
        summary: 'Call someone into the room; the answerer joins without the access code',
        params: roomParams,
        body: {
          type: 'object',
          properties: { destination: { type: 'string', pattern: '^(\\+[1-9][0-9]{1,14}|[0-9]{1,20})$' } },
          required: ['destination'],
          additionalProperties: false,
        },
        response: {
          202: { type: 'object', properties: { callId: { type: 'string' } }, required: ['callId'] },
          ...errorResponses,
        },
      },
    },
    async (request, reply) => {
      const { pbx, id } = port(request);
      const { destination } = request.body as { destination: string };
      const result = await viaPbx(() => pbx.invite(id, destination));
      await record(request, 'conference.invite', id, { destination, callId: result.callId });
      reply.code(202);
      return result;
    },
  );

  const control = (
    verb: 'mute' | 'unmute' | 'kick',
    method: 'POST' | 'DELETE',
    url: string,
    summary: string,
  ) =>
    app.route({
      method,
      url,
      config: access,
      schema: { tags, summary, params: memberParams, response: { 204: { type: 'null' }, ...errorResponses } },
      handler: async (request, reply) => {
        const { pbx, id } = port(request);
        const pid = (request.params as { pid: string }).pid;
        const ok = await viaPbx(() => pbx[verb](id, pid));
        if (!ok) throw new ApiError(404, 'NOT_FOUND', 'No such participant in this room.');
        await record(request, `participant.${verb}`, `${id}/${pid}`);
        reply.code(204).send();
      },
    });
  control('mute', 'POST', '/api/conferences/:id/participants/:pid/mute', 'Mute a participant');
  control('unmute', 'POST', '/api/conferences/:id/participants/:pid/unmute', 'Unmute a participant');
  control('kick', 'DELETE', '/api/conferences/:id/participants/:pid', 'Hang up a participant');

  // Only offered when the PBX can lock rooms, so the OpenAPI document tells clients whether it can.
  if (pbx?.lock) {
    const lock = pbx.lock.bind(pbx);
    for (const locked of [true, false])
      app.post(
        `/api/conferences/:id/${locked ? 'lock' : 'unlock'}`,
        {
          config: access,
          schema: {
            tags,
            summary: locked ? 'Let nobody new join the room' : 'Let people join the room again',
            params: roomParams,
            response: { 204: { type: 'null' }, ...errorResponses },
          },
        },
        async (request, reply) => {
          const { id } = port(request);
          if (!(await viaPbx(() => lock(id, locked))))
            throw new ApiError(404, 'NOT_FOUND', 'The room is not running.');
          await record(request, locked ? 'conference.lock' : 'conference.unlock', id);
          reply.code(204).send();
        },
      );
  }
};
