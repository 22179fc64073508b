/** Conference rooms, independent of SIP: members, roles, wait-for-admin, live control, events. */
export * from './conference-events.ts';
export * from './conference-manager.ts';
export * from './conference-member.ts';
export * from './conference-room.ts';
export * from './engine-room-media.ts';
export * from './room-media.ts';
