/** `/api/trunks`: SIP providers. Their password is write-only; reading them needs `admin`. */
import { configResource } from './config-resource.ts';

const common = {
  name: { type: 'string', maxLength: 200 },
  host: { type: 'string', maxLength: 253 },
  port: { type: 'integer', minimum: 1, maximum: 65535 },
  transport: { type: 'string', enum: ['udp', 'tcp', 'tls'] },
  username: { type: 'string', maxLength: 200 },
  register: { type: 'boolean' },
  callerId: { type: 'string', maxLength: 40 },
  inboundAddresses: { type: 'array', items: { type: 'string', maxLength: 64 }, maxItems: 100 },
};

export const trunkRoutes = configResource({
  kind: 'trunks',
  path: '/api/trunks',
  tag: 'trunks',
  noun: 'trunk',
  readAccess: 'admin',
  writeAccess: 'admin',
  writable: { ...common, password: { type: 'string', maxLength: 200, description: 'write-only' } },
  readable: common,
  defaults: { port: 5060, transport: 'udp', register: false, inboundAddresses: [] },
  extraReadable: {
    registration: {
      type: 'object',
      description: 'live, from the PBX, when it reports it',
      properties: { state: { type: 'string' }, detail: { type: 'string' }, since: { type: 'string' } },
    },
  },
  decorate: async (items, request) => {
    const pbx = request.server.services.pbx;
    if (!pbx?.trunkStatus) return items as unknown as Record<string, unknown>[];
    return items.map((t) => {
      const registration = pbx.trunkStatus?.(t.id);
      return registration ? { ...t, registration } : { ...t };
    });
  },
});
