/**
 * Hold and resume inside a bridged call (RFC 3264 §8.4 re-INVITEs): baresip 101 calls an outside
 * number; the carrier (sipp) answers, then puts the call on hold (a=sendonly) and takes it back
 * (a=sendrecv). Parley, the callee's peer in the B2BUA, must answer both re-INVITEs 200 with SDP (the
 * scenario fails on a 488), and the call goes on until the caller hangs up, which reaches the carrier as
 * a BYE.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { callFixture } from './helpers/call-fixture.ts';
import { carrierTrunk, startCarrier, TEST_TRUNK } from './helpers/carrier.ts';
import { noMediaLeft } from './helpers/parley-metrics.ts';
import { describeSipp, type SippRun, sippCount } from './helpers/sipp.ts';
import { skipWithout } from './helpers/skip.ts';
import { sleep } from './helpers/tones.ts';
import { users } from './helpers/users.ts';

const skip = skipWithout('baresip', 'sox', 'sipp');

describe('hold and resume in a bridged call', { skip }, () => {
  let carrier: SippRun;

  // The carrier first: Parley is then told where it listens.
  before(async () => {
    carrier = await startCarrier(TEST_TRUNK, { scenario: 'calls-carrier-hold.xml' });
  });
  after(async () => {
    await carrier?.stop();
  });
  const f = callFixture(() => ({
    name: 'hold',
    users: users('101'),
    trunks: [carrierTrunk(carrier.port)],
    phones: [{ extension: '101', tone: 700 }],
  }));

  test('the carrier holds and resumes: both re-INVITEs answered 200', async () => {
    const phone = f.phone('101');
    await phone.command('dial', '+3221112233');
    await phone.event('CALL_ESTABLISHED');
    // The carrier holds after 1 s and resumes 1 s later.
    await sleep(4000);
    assert.equal(
      phone.events.find((e) => e.type === 'CALL_CLOSED'),
      undefined,
      'the call survived hold and resume',
    );
    await phone.command('hangup');
    const r = await carrier.result;
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${f.parley.output().slice(-3000)}`);
    assert.equal(sippCount(r, '200', false), 2, `both re-INVITEs answered 200: ${describeSipp(r)}`);
    assert.equal(sippCount(r, 'BYE', false), 1, describeSipp(r));
    await noMediaLeft(f.parley);
  });
});
