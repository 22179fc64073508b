/**
 * Parley registering its trunk to a carrier (RFC 3261 §10.2), against a registrar played by sipp: every
 * REGISTER is challenged and must carry the trunk's digest credentials; the 2 s binding the registrar
 * grants is refreshed in time (the API shows the trunk registered throughout); removing the trunk sends
 * the unregistration (Expires: 0), which the scenario requires, and nothing after it.
 *
 * Parley refreshes every 1.6 s on its own clock, so how many refreshes come before the removal is not
 * the test's to fix: the scenario takes any number of cycles, and only their shape is checked.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { carrierTrunk, startCarrier, TEST_TRUNK } from './helpers/carrier.ts';
import { type ParleyProcess, startParley } from './helpers/parley-process.ts';
import { describeSipp, type SippRun, sippCount } from './helpers/sipp.ts';
import { skipWithout } from './helpers/skip.ts';
import { sleep, waitFor } from './helpers/tones.ts';

const skip = skipWithout('sipp');

interface TrunkView {
  id: string;
  registration?: { state: string; detail?: string };
}

describe('trunk registration to a carrier', { skip }, () => {
  let parley: ParleyProcess;
  let registrar: SippRun;

  before(async () => {
    registrar = await startCarrier(TEST_TRUNK, {
      scenario: 'calls-carrier-registrar.xml',
      timeoutSeconds: 30,
    });
    parley = await startParley();
  });

  after(async () => {
    await registrar?.stop();
    await parley?.stop();
  });

  test('registers with the credentials, refreshes, and unregisters when removed', async () => {
    const created = await parley.provision({
      trunks: [{ ...carrierTrunk(registrar.port), register: true }],
    });
    const id = created.trunks![0]!.id;
    const trunk = async () => {
      const list = await parley.api<{ items?: TrunkView[] } | TrunkView[]>('GET', '/api/trunks?view=live');
      return (Array.isArray(list) ? list : (list.items ?? [])).find((t) => t.id === id);
    };
    await waitFor('the trunk registered', async () =>
      (await trunk())?.registration?.state === 'registered' ? true : undefined,
    ).catch(async (err) => {
      throw new Error(`${err}: ${JSON.stringify(await trunk())}\n${describeSipp(await registrar.stop())}`);
    });
    // The binding lasts 2 s: past it, the refresh has kept the trunk registered.
    await sleep(3000);
    assert.equal((await trunk())?.registration?.state, 'registered', JSON.stringify(await trunk()));
    await parley.api('DELETE', `/api/trunks/${id}`);
    await parley.api('POST', '/api/apply', {});
    const r = await registrar.result;
    assert.equal(r.exitCode, 0, `${describeSipp(r)}\n${parley.output().slice(-2000)}`);
    const registers = sippCount(r, 'REGISTER', false);
    assert.equal(sippCount(r, '401', true) * 2, registers, `each cycle challenged once: ${describeSipp(r)}`);
    assert.ok(registers >= 6, `the registration, a refresh at least, the unregistration: ${describeSipp(r)}`);
    assert.equal(sippCount(r, '403', true), 0, 'the registrar accepted the credentials');
  });
});
