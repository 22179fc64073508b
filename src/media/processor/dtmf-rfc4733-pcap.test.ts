import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { readPcapUdp } from '../../../test/helpers/pcap.ts';
import { isRtpParseError, parseRtp } from '../rtp/rtp-packet.ts';
import { Rfc4733Receiver } from './dtmf-rfc4733.ts';

/** sipp (Debian package sip-tester) ships one RFC 2833/4733 capture per key. */
const DIR = '/usr/share/sip-tester';
const KEYS: [string, string][] = [
  ...'0123456789'.split('').map((d): [string, string] => [d, d]),
  ['star', '*'],
  ['pound', '#'],
];

test("sipp's dtmf_2833_<key>.pcap files each read as exactly that digit", (t) => {
  if (!existsSync(`${DIR}/dtmf_2833_1.pcap`)) {
    t.skip(`${DIR}/dtmf_2833_*.pcap missing: install the sip-tester package`);
    return;
  }
  for (const [name, digit] of KEYS) {
    const capture = readPcapUdp(readFileSync(`${DIR}/dtmf_2833_${name}.pcap`));
    assert.equal(capture.skipped, 0);
    const receiver = new Rfc4733Receiver({ clockRate: 8000, payloadType: 101 });
    const t0 = capture.packets[0]!.timeMs;
    const digits = capture.packets.flatMap((p) => {
      const packet = parseRtp(p.payload);
      assert.ok(!isRtpParseError(packet));
      return receiver.process(packet, p.timeMs - t0);
    });
    digits.push(...receiver.poll(10_000));
    assert.deepEqual(
      digits.map((d) => [d.digit, d.durationMs, d.source]),
      [[digit, 280, 'rfc4733']],
      name,
    );
    // Begin, six updates, the end packet three times: two of them are redundant.
    assert.equal(receiver.stats().duplicates, 2, name);
  }
});
