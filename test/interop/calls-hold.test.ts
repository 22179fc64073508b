/**
 * Hold and resume inside a bridged call (RFC 3264 §8.4 re-INVITEs): baresip 101 calls an outside
 * number; the carrier (sipp) answers, then puts the call on hold (a=sendonly) and takes it back
 * (a=sendrecv). Parley, the callee's peer in the B2BUA, must answer both re-INVITEs 200 with SDP (the
 * scenario fails on a 488), and the call goes on until the caller hangs up, which reaches the carrier as
 * a BYE.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { BARESIP, type Baresip } from './helpers/baresip.ts';
import { startCarrier } from './helpers/carrier.ts';
import { noMediaLeft } from './helpers/parley-metrics.ts';
import { type ParleyProcess, startParley } from './helpers/parley-process.ts';
import { startPhone } from './helpers/phones.ts';
import { describeSipp, type SippRun, sippCount, sippPath } from './helpers/sipp.ts';
import { SOX, sleep, toneFile } from './helpers/tones.ts';

const skip = !BARESIP
  ? 'baresip is not installed'
  : !SOX
    ? 'sox is not installed'
    : !sippPath()
      ? 'sipp is not installed'
      : false;

const TRUNK = { username: 'parley-trunk', password: 'trunk-secret-9', callerId: '+3225550000' };

describe('hold and resume in a bridged call', { skip }, () => {
  let parley: ParleyProcess;
  let carrier: SippRun;
  let phone: Baresip;
  let dir: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'parley-hold-'));
    carrier = await startCarrier(TRUNK, { scenario: 'calls-carrier-hold.xml' });
    parley = await startParley();
    await parley.provision({
      users: [{ name: 'Alice', extension: '101', sipPassword: 'alice-secret-1' }],
      trunks: [
        {
          name: 'Carrier',
          host: '127.0.0.1',
          port: carrier.port,
          transport: 'udp',
          username: TRUNK.username,
          password: TRUNK.password,
          register: false,
          callerId: TRUNK.callerId,
          inboundAddresses: [],
        },
      ],
    });
    phone = await startPhone({
      extension: '101',
      password: 'alice-secret-1',
      domain: parley.domain,
      pbxPort: parley.sipPort,
      source: toneFile(dir, 700),
    });
    await phone.registered();
  });

  after(async () => {
    await carrier?.stop();
    await phone?.stop().catch(() => {});
    await parley?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the carrier holds and resumes: both re-INVITEs answered 200', async () => {
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
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${parley.output().slice(-3000)}`);
    assert.equal(sippCount(r, '200', false), 2, `both re-INVITEs answered 200: ${describeSipp(r)}`);
    assert.equal(sippCount(r, 'BYE', false), 1, describeSipp(r));
    await noMediaLeft(parley);
  });
});
