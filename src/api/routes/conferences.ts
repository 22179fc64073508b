/** `/api/conferences`: the staged conference rooms (the seed's fields). */
import { configResource } from './config-resource.ts';

export const conferenceRoutes = configResource({
  kind: 'conferences',
  path: '/api/conferences',
  tag: 'conferences',
  noun: 'conference',
  readAccess: 'authenticated',
  writeAccess: 'conferences',
  writable: {
    name: { type: 'string', maxLength: 200 },
    extension: { type: 'string', maxLength: 40 },
    accessCode: { type: 'string', maxLength: 40 },
    adminExtension: { type: 'string', maxLength: 40 },
    waitForAdmin: { type: 'boolean' },
  },
  readable: {
    name: { type: 'string' },
    extension: { type: 'string' },
    accessCode: { type: 'string' },
    adminExtension: { type: 'string' },
    waitForAdmin: { type: 'boolean' },
  },
  defaults: { waitForAdmin: false },
});
