/**
 * Port ranges for the media engines that tests start. Tests run next to other tests and next to real peers
 * (sipp, baresip, Chromium) that bind ports of their own, so the ranges are kept apart:
 * - the kernel's ephemeral range (32768–60999 on Linux by default) is where `freePort()` finds ports for
 *   SIP listeners and control sockets, and where peers put their own sockets;
 * - 20000–32767 is for sipp's media ports (`freeUdpPortRange` in test/interop/helpers/ports.ts);
 * - 10000–19999 is for the engines' RTP ranges, here.
 * An engine skips ports another program holds, but a peer told to bind a port an engine has just taken
 * fails to start: keeping the engines out of the ephemeral range removes that race.
 */
const LOW = 10000;
const HIGH = 19999;

/**
 * A random block of `size` ports (even start, for RTP/RTCP pairs) inside 10000–19999, as the `rtpPorts`
 * text the engine and `parley serve --rtp-ports` take.
 */
export function rtpTestRange(size: number): string {
  const blocks = Math.floor((HIGH - LOW + 1 - size) / 2);
  if (blocks <= 0) throw new Error(`no room for ${size} test RTP ports in ${LOW}-${HIGH}`);
  const start = LOW + 2 * Math.floor(Math.random() * blocks);
  return `${start}-${start + size - 1}`;
}
