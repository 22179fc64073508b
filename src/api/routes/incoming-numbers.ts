/** `/api/incoming-numbers`: which E.164 number, arriving from which trunk, goes where. */
import { configResource } from './config-resource.ts';

const destination = {
  type: 'object',
  properties: {
    type: { type: 'string', enum: ['none', 'extension', 'conference', 'hangup'] },
    extension: { type: 'string', maxLength: 40 },
    conferenceId: { type: 'string', maxLength: 64 },
  },
  required: ['type'],
  additionalProperties: false,
};

export const incomingNumberRoutes = configResource({
  kind: 'incomingNumbers',
  path: '/api/incoming-numbers',
  tag: 'incoming-numbers',
  noun: 'incoming number',
  readAccess: 'authenticated',
  writeAccess: 'admin',
  writable: {
    number: { type: 'string', maxLength: 40 },
    trunkId: { type: 'string', maxLength: 64 },
    destination,
  },
  readable: { number: { type: 'string' }, trunkId: { type: 'string' }, destination },
  defaults: { destination: { type: 'none' } },
});
