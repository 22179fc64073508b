/** WebRTC termination: the only folder that imports werift. */
export * from './local-parameters.ts';
export * from './webrtc-sdp.ts';
export * from './webrtc-transport.ts';
