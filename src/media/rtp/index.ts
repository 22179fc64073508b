export * from './rtcp.ts';
export * from './rtp-packet.ts';
export * from './rtp-stats.ts';
