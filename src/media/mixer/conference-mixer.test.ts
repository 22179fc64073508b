import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CodecFactory } from '../codec/codec.ts';
import { type G711Law, MULAW_DECODE, pcma, pcmu } from '../codec/g711.ts';
import { l16 } from '../codec/l16.ts';
import { opus } from '../codec/opus.ts';
import { generateTone, goertzelPower } from '../processor/goertzel.ts';
import { ConferenceMixer, type MixerInput } from './conference-mixer.ts';

/** A member fed with a tone, recording what the mixer sends it (decoded). */
class ToneMember implements MixerInput {
  readonly id: string;
  readonly sampleRate: number;
  readonly codecKey: string;
  readonly factory: CodecFactory;
  frame: Int16Array | null = null;
  heard: Int16Array[] = [];
  payloads: Uint8Array[] = [];
  #freq: number;
  #amplitude: number;
  #n = 0;
  #codec;
  /** A separate decoder for what it hears: stateful codecs (Opus) keep one state per stream. */
  #ear;
  /** The session's encoder towards this member (a stream of its own). */
  #out;

  constructor(id: string, freq: number, factory: CodecFactory = pcmu, amplitude = 8000) {
    this.id = id;
    this.factory = factory;
    this.sampleRate = factory.sampleRate;
    this.codecKey = `${factory.name}/${factory.sampleRate}`;
    this.#freq = freq;
    this.#amplitude = amplitude;
    this.#codec = factory.create();
    this.#ear = factory.create();
    this.#out = factory.create();
  }

  next(): void {
    const len = this.sampleRate / 50;
    if (this.#freq === 0) {
      this.frame = new Int16Array(len);
      return;
    }
    const phase = (2 * Math.PI * this.#freq * len * this.#n++) / this.sampleRate;
    // Through the codec, as a real member's frame would be.
    this.frame = this.#codec.decode(
      this.#codec.encode(generateTone(this.#freq, this.sampleRate, len, this.#amplitude, phase)),
    );
  }

  sendPcm(pcm: Int16Array): void {
    this.sendPayload(this.#out.encode(pcm));
  }

  sendPayload(payload: Uint8Array): void {
    this.payloads.push(payload);
    this.heard.push(this.#ear.decode(payload));
  }

  /** What it heard over the last `frames` ticks, joined. */
  tail(frames: number): Int16Array {
    const parts = this.heard.slice(-frames);
    const out = new Int16Array(parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

function run(mixer: ConferenceMixer, members: ToneMember[], ticks: number): void {
  for (let t = 0; t < ticks; t++) {
    for (const m of members) m.next();
    mixer.mix();
  }
}

const heard = (m: ToneMember, f: number) => goertzelPower(m.tail(25), m.sampleRate, f);
/** A tone of amplitude 8000 has power 32e6; "present" and "absent" are far apart. */
const PRESENT = 5e6;
const ABSENT = 2e4;

/** The three members of the N−1 tests and their tones, Hz. */
const TONES = { a: 440, b: 700, c: 1100 };

/** A room of the three `TONES` members, each made by `make`. */
function threeToneRoom<M extends ToneMember>(
  make: (id: string, freq: number) => M,
): { mixer: ConferenceMixer; ms: M[] } {
  const mixer = new ConferenceMixer('r');
  const ms = Object.entries(TONES).map(([id, f]) => make(id, f));
  for (const m of ms) mixer.add(m);
  return { mixer, ms };
}

/** Every member hears every other member's tone and not its own (N−1). */
function assertHearsOthersOnly(ms: ToneMember[]): void {
  for (const m of ms) {
    for (const [other, f] of Object.entries(TONES)) {
      const p = heard(m, f);
      if (other === m.id) assert.ok(p < ABSENT, `${m.id} hears itself: ${p}`);
      else assert.ok(p > PRESENT, `${m.id} does not hear ${other}: ${p}`);
    }
  }
}

test('N−1: every member hears the two other tones and not its own', () => {
  const { mixer, ms } = threeToneRoom((id, f) => new ToneMember(id, f));
  run(mixer, ms, 50);
  assertHearsOthersOnly(ms);
  assert.equal(mixer.stats().talkers, 3);
});

test('a muted member is heard by no one; a deaf member hears silence but is heard', () => {
  const mixer = new ConferenceMixer('r');
  const ms = [new ToneMember('a', 440), new ToneMember('b', 700), new ToneMember('c', 1100)];
  for (const m of ms) mixer.add(m);
  mixer.set('a', { muted: true });
  mixer.set('c', { deaf: true });
  run(mixer, ms, 50);
  for (const m of ms) assert.ok(heard(m, 440) < ABSENT, `${m.id} hears the muted member`);
  assert.ok(heard(ms[0]!, 700) > PRESENT && heard(ms[0]!, 1100) > PRESENT, 'the muted member still hears');
  assert.ok(heard(ms[1]!, 1100) > PRESENT, 'the deaf member is heard');
  const deaf = ms[2]!.tail(25);
  assert.ok(
    deaf.every((s) => Math.abs(s) <= 8),
    'the deaf member hears silence',
  );
  // Unmute: heard again once the talker detector sees it.
  mixer.set('a', { muted: false });
  run(mixer, ms, 30);
  assert.ok(heard(ms[1]!, 440) > PRESENT);
});

test('silent members share one encoding per codec; talkers get their own', () => {
  const mixer = new ConferenceMixer('r');
  const ms = [
    new ToneMember('t1', 440),
    new ToneMember('t2', 700),
    new ToneMember('s1', 0),
    new ToneMember('s2', 0),
    new ToneMember('s3', 0),
  ];
  for (const m of ms) mixer.add(m);
  run(mixer, ms, 40);
  const before = mixer.stats();
  run(mixer, ms, 10);
  const after = mixer.stats();
  assert.equal(after.sharedEncodes - before.sharedEncodes, 10, 'one shared encoding per tick');
  assert.equal(after.ownEncodes - before.ownEncodes, 20, 'one own encoding per talker per tick');
  // The three silent members got the very same payload object on the last tick.
  const last = ms.slice(2).map((m) => m.payloads.at(-1));
  assert.ok(last[0] === last[1] && last[1] === last[2]);
  for (const m of ms.slice(2)) assert.ok(heard(m, 440) > PRESENT && heard(m, 700) > PRESENT);
});

test('talking and silent events follow the talker with hangover', () => {
  const events: string[] = [];
  const mixer = new ConferenceMixer('r', {
    events: { talking: (id) => events.push(`${id}:talking`), silent: (id) => events.push(`${id}:silent`) },
  });
  const a = new ToneMember('a', 440);
  mixer.add(a);
  run(mixer, [a], 20);
  assert.deepEqual(events, ['a:talking']);
  const quiet = new ToneMember('a', 0);
  mixer.remove('a');
  mixer.add(quiet);
  run(mixer, [quiet], 10);
  assert.deepEqual(events, ['a:talking'], 'a new member starts silent');
});

test('a member stops talking: silent event after the hangover', () => {
  const events: string[] = [];
  const mixer = new ConferenceMixer('r', {
    vad: { hangoverMs: 200 },
    events: { talking: (id) => events.push(`${id}:talking`), silent: (id) => events.push(`${id}:silent`) },
  });
  const a = new ToneMember('a', 440);
  mixer.add(a);
  run(mixer, [a], 10);
  // Feed silence through the same member object.
  a.frame = new Int16Array(160);
  for (let i = 0; i < 20; i++) mixer.mix();
  assert.deepEqual(events, ['a:talking', 'a:silent']);
});

test('gain scales what the others hear', () => {
  const mixer = new ConferenceMixer('r');
  const a = new ToneMember('a', 440);
  const b = new ToneMember('b', 0);
  mixer.add(a, { gain: 0.5 });
  mixer.add(b);
  run(mixer, [a, b], 40);
  const p = heard(b, 440);
  // Half the amplitude is a quarter of the power (32e6 / 4), give or take G.711 quantisation.
  assert.ok(p > 6e6 && p < 10e6, `power ${p}`);
});

test('wideband: a 16 kHz member makes the room 16 kHz; narrowband members are resampled at the edges', () => {
  const mixer = new ConferenceMixer('r');
  const wide = new ToneMember('w', 6000, l16(16000));
  const wide2 = new ToneMember('w2', 0, l16(16000));
  const narrow = new ToneMember('n', 1000);
  for (const m of [wide, wide2, narrow]) mixer.add(m);
  assert.equal(mixer.internalRate, 16000);
  run(mixer, [wide, wide2, narrow], 50);
  assert.ok(heard(wide2, 6000) > PRESENT, 'a 6 kHz tone passes between wideband members');
  assert.ok(heard(wide2, 1000) > PRESENT, 'the narrowband member is heard by a wideband one');
  assert.ok(heard(narrow, 6000) < ABSENT, 'nothing above 4 kHz aliases into the narrowband member');
  assert.ok(heard(narrow, 1000) < ABSENT, 'the narrowband member does not hear itself');
  mixer.remove('w');
  mixer.remove('w2');
  assert.equal(mixer.internalRate, 8000);
});

test('loud talkers are limited softly, never wrapped', () => {
  const mixer = new ConferenceMixer('r');
  const ms = [0, 1, 2, 3].map((i) => new ToneMember(`m${i}`, 440, pcmu, 30000));
  const listener = new ToneMember('l', 0);
  for (const m of [...ms, listener]) mixer.add(m);
  run(mixer, [...ms, listener], 30);
  const out = listener.tail(10);
  let max = 0;
  for (const s of out) max = Math.max(max, Math.abs(s));
  assert.ok(max > 24000 && max <= 32767, `peak ${max}`);
  // All four tones are in phase: the limited sum keeps the sign of the tone at every sample.
  assert.ok(goertzelPower(out, 8000, 440) > 1e8);
});

test('talker-optimised: members that are not talking are never decoded when they report their energy', () => {
  /** Wraps a tone member, counting reads of `frame` (a real session decodes on that read). */
  const counting = (inner: ToneMember) => {
    const w = {
      reads: 0,
      inner,
      id: inner.id,
      sampleRate: inner.sampleRate,
      codecKey: inner.codecKey,
      factory: inner.factory,
      get frame() {
        w.reads++;
        return inner.frame;
      },
      frameEnergy(): number | null {
        const f = inner.frame;
        if (!f) return null;
        let e = 0;
        for (const x of f) e += x * x;
        return e / f.length;
      },
      sendPcm: (pcm: Int16Array) => inner.sendPcm(pcm),
      sendPayload: (p: Uint8Array) => inner.sendPayload(p),
    };
    return w;
  };
  const mixer = new ConferenceMixer('r');
  const talker = counting(new ToneMember('t', 440));
  const quiet = counting(new ToneMember('q', 0));
  mixer.add(talker);
  mixer.add(quiet);
  run(mixer, [talker.inner, quiet.inner], 30);
  assert.equal(quiet.reads, 0, 'the silent member was never decoded');
  assert.ok(talker.reads >= 25, 'the talker was');
  assert.ok(heard(quiet.inner, 440) > PRESENT);
});

test('an Opus member (48 kHz) and a PCMU member hear each other through a 16 kHz room', () => {
  const mixer = new ConferenceMixer('r');
  const wide = new ToneMember('o', 500, opus);
  const narrow = new ToneMember('n', 1000);
  mixer.add(wide);
  mixer.add(narrow);
  assert.equal(mixer.internalRate, 16000);
  run(mixer, [wide, narrow], 50);
  assert.ok(heard(wide, 1000) > PRESENT, 'the Opus member hears the PCMU tone');
  assert.ok(heard(narrow, 500) > PRESENT, 'the PCMU member hears the Opus tone');
  assert.ok(heard(wide, 500) < heard(wide, 1000) / 100, 'and not itself');
});

test('a room sound is mixed once into what everyone hears: talkers and listeners, not deaf or overridden members', () => {
  const mixer = new ConferenceMixer('r');
  const ms = [
    new ToneMember('t', 440),
    new ToneMember('s1', 0),
    new ToneMember('s2', 0),
    new ToneMember('d', 0),
    new ToneMember('o', 0),
  ];
  for (const m of ms) mixer.add(m, m.id === 'o' ? { overridden: () => true } : {});
  mixer.set('d', { deaf: true });
  run(mixer, ms, 20);
  const results: string[] = [];
  // Half a second of 1500 Hz at 8 kHz: 25 ticks.
  mixer.playToRoom(generateTone(1500, 8000, 4000, 8000), 8000, (r) => results.push(r));
  const before = mixer.stats();
  run(mixer, ms, 25);
  const after = mixer.stats();
  assert.deepEqual(results, ['done']);
  for (const m of ms.slice(0, 3)) assert.ok(heard(m, 1500) > PRESENT, `${m.id} hears the room sound`);
  assert.ok(heard(ms[1]!, 440) > PRESENT, 'listeners still hear the talker');
  assert.ok(heard(ms[0]!, 440) < ABSENT, 'the talker still does not hear itself');
  assert.ok(
    ms[3]!.tail(25).every((s) => Math.abs(s) <= 8),
    'the deaf member hears silence',
  );
  assert.equal(ms[4]!.heard.length, 0, 'the overridden member gets nothing from the room');
  // Mixed once: still one shared encoding per tick for all the listeners, one own one for the talker.
  assert.equal(after.sharedEncodes - before.sharedEncodes, 25);
  assert.equal(after.ownEncodes - before.ownEncodes, 25);
  // Over: gone from the mix.
  run(mixer, ms, 25);
  assert.ok(heard(ms[1]!, 1500) < ABSENT);
});

test('room sounds follow a change of room rate, overlap, and are cut short by stop or close', () => {
  const mixer = new ConferenceMixer('r');
  const a = new ToneMember('a', 0);
  mixer.add(a);
  const results: string[] = [];
  mixer.playToRoom(generateTone(1000, 8000, 8000, 8000), 8000, (r) => results.push(`long ${r}`));
  run(mixer, [a], 5);
  // A wideband member makes the room 16 kHz: the rest of the sound is converted.
  const w = new ToneMember('w', 0, l16(16000));
  mixer.add(w);
  assert.equal(mixer.internalRate, 16000);
  mixer.playToRoom(generateTone(2000, 8000, 800, 8000), 8000, (r) => results.push(`short ${r}`));
  run(mixer, [a, w], 25);
  assert.deepEqual(results, ['short done']);
  assert.ok(goertzelPower(w.tail(20), 16000, 1000) > PRESENT, 'the wideband member hears the sound');
  mixer.stopRoomSounds();
  assert.deepEqual(results, ['short done', 'long interrupted']);
  mixer.playToRoom(generateTone(1000, 8000, 8000, 8000), 8000, (r) => results.push(`again ${r}`));
  mixer.close();
  assert.deepEqual(results.at(-1), 'again interrupted');
});

/**
 * A G.711 member that gives the mixer its payload undecoded, as RtpSession does: its `frame` stays null, so
 * it is heard only if the mixer sums straight from the payload, and it hears only what the room encodes for
 * it in its law.
 */
class PayloadMember extends ToneMember {
  undecodedPayload: Uint8Array | null = null;
  readonly g711Law: G711Law;
  #encoder;

  constructor(id: string, freq: number, law: G711Law = 'mulaw') {
    super(id, freq, law === 'mulaw' ? pcmu : pcma);
    this.g711Law = law;
    this.#encoder = this.factory.create();
  }

  override next(): void {
    super.next();
    this.undecodedPayload = this.#encoder.encode(this.frame!);
    this.frame = null;
  }
}

test('G.711 payloads are summed and mixed undecoded, each in its own law: N−1 holds in a room of µ-law and A-law', () => {
  const { mixer, ms } = threeToneRoom((id, f) => new PayloadMember(id, f, id === 'b' ? 'alaw' : 'mulaw'));
  run(mixer, ms, 50);
  assertHearsOthersOnly(ms);
  assert.equal(mixer.stats().talkers, 3);
  // Every tick once the talker detector's attack is over, each talker got its own mix.
  assert.ok(mixer.stats().ownEncodes >= 3 * 45, `own encodes: ${mixer.stats().ownEncodes}`);
});

test('mix(pullAt) pulls every member once before mixing; a member removed by its own pull is not mixed', () => {
  /** A tone member that takes its frame in `pull`, as an RtpSession does. */
  class PullingMember extends ToneMember {
    pulls: number[] = [];
    onPull: () => void = () => {};
    pull(nowMs: number): void {
      this.pulls.push(nowMs);
      this.next();
      this.onPull();
    }
  }
  const { mixer, ms } = threeToneRoom((id, f) => new PullingMember(id, f));
  for (let t = 1; t <= 40; t++) mixer.mix(t * 20);
  for (const m of ms)
    assert.deepEqual(
      m.pulls,
      Array.from({ length: 40 }, (_, i) => (i + 1) * 20),
    );
  // Fresh frames every tick: N−1 holds exactly as when the caller pulls.
  assertHearsOthersOnly(ms);

  // Without pullAt the mixer pulls nothing (the caller has).
  mixer.mix();
  for (const m of ms) assert.equal(m.pulls.length, 40);

  // 'c' ends during its pull (a failed socket closes the session, which leaves the room): it is not mixed
  // into the tick and gets nothing, and the others go on.
  const [a, b, c] = ms as [PullingMember, PullingMember, PullingMember];
  c.onPull = () => mixer.remove('c');
  const sentToC = c.heard.length;
  for (let t = 41; t <= 70; t++) mixer.mix(t * 20);
  assert.equal(c.pulls.length, 41, 'pulled once, then gone');
  assert.equal(c.heard.length, sentToC);
  assert.ok(heard(a, 1100) < ABSENT, `a still hears c: ${heard(a, 1100)}`);
  assert.ok(heard(a, 700) > PRESENT && heard(b, 440) > PRESENT);
});

test('G.711 members summed from their payloads: measured and summed in one pass while talking, silent after the hangover', () => {
  /** A member whose frame is a µ-law payload left undecoded, as an RTP session gives it. */
  const payloadMember = (inner: ToneMember) => {
    const w = {
      reads: 0,
      inner,
      payload: null as Uint8Array | null,
      id: inner.id,
      sampleRate: inner.sampleRate,
      codecKey: inner.codecKey,
      factory: inner.factory,
      g711Law: 'mulaw' as const,
      get undecodedPayload() {
        return w.payload;
      },
      get frame() {
        w.reads++;
        return w.payload ? Int16Array.from(w.payload, (c) => MULAW_DECODE[c]!) : null;
      },
      sendPcm: (pcm: Int16Array) => inner.sendPcm(pcm),
      sendPayload: (p: Uint8Array) => inner.sendPayload(p),
    };
    return w;
  };
  const events: string[] = [];
  const mixer = new ConferenceMixer('r', {
    vad: { hangoverMs: 200 },
    events: { talking: (id) => events.push(`${id}:talking`), silent: (id) => events.push(`${id}:silent`) },
  });
  const a = payloadMember(new ToneMember('a', 440));
  const b = new ToneMember('b', 0);
  mixer.add(a);
  mixer.add(b);
  const encoder = pcmu.create();
  const tick = (talking: boolean) => {
    a.inner.next();
    a.payload = talking ? encoder.encode(a.inner.frame!) : new Uint8Array(160).fill(0xff);
    b.next();
    mixer.mix();
  };
  for (let i = 0; i < 30; i++) tick(true);
  assert.deepEqual(events, ['a:talking']);
  assert.ok(heard(b, 440) > PRESENT, 'b hears a');
  // a goes quiet: still summed (silence) through the hangover, then reported silent.
  for (let i = 0; i < 20; i++) tick(false);
  assert.deepEqual(events, ['a:talking', 'a:silent']);
  assert.ok(
    b.tail(5).every((s) => Math.abs(s) <= 8),
    'b hears silence',
  );
  // a talks again: heard again, and never decoded through its frame.
  for (let i = 0; i < 30; i++) tick(true);
  assert.deepEqual(events, ['a:talking', 'a:silent', 'a:talking']);
  assert.ok(heard(b, 440) > PRESENT, 'b hears a again');
  assert.equal(a.reads, 0, "a's frame was never decoded");
});
