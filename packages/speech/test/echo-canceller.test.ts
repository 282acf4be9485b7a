import { describe, expect, it } from 'vitest';
import { EchoCanceller, EchoDelayEstimator } from '../src/index.js';
import { echoOf, rms, roomNoise, toPcm16 } from './support/echo-mix.js';
import { fliteSpeech, hasFliteCli } from './support/speech-fixtures.js';

const FRAME = 320;

/** Runs `mic` through a canceller 20 ms at a time with `played` as its reference. */
function cancel(canceller: EchoCanceller, mic: Int16Array, played: Int16Array): Int16Array {
  const reference = new Float32Array(mic.length);
  reference.set(played.subarray(0, mic.length));
  const out = new Int16Array(mic.length);
  for (let at = 0; at < mic.length; at += FRAME)
    out.set(canceller.process(mic.subarray(at, at + FRAME), reference.subarray(at, at + FRAME)), at);
  return out;
}

describe.skipIf(!hasFliteCli())('the echo canceller', () => {
  const reply = fliteSpeech(
    'Your order left our warehouse this morning and should arrive on Thursday before noon.',
    'slt',
  );

  for (const delayMs of [40, 120, 250]) {
    it(`finds a ${delayMs} ms echo path and takes the echo 15 dB down or more`, () => {
      const echo = echoOf(reply, { delayMs, levelDb: -6 });
      const noise = roomNoise(echo.length);
      const mic = toPcm16(echo.map((v, i) => v + (noise[i] as number)));
      const canceller = new EchoCanceller();
      const out = cancel(canceller, mic, reply);
      expect(canceller.delayMs).toBeCloseTo(delayMs, 0);
      // After the first second (finding the path, the filter converging), to the end of the reply.
      const from = 16000;
      const to = reply.length;
      const erleDb = 20 * Math.log10(rms(mic.subarray(from, to)) / rms(out.subarray(from, to)));
      expect(erleDb).toBeGreaterThan(15);
      expect(canceller.residualToEcho(500)).toBeLessThan(0.1);
    });
  }

  it('says no echo is predicted while nothing plays', () => {
    const canceller = new EchoCanceller();
    const mic = toPcm16(roomNoise(16000));
    cancel(canceller, mic, new Int16Array(0));
    expect(canceller.residualToEcho(120)).toBe(Number.POSITIVE_INFINITY);
    expect(canceller.delayMs).toBeNull();
  });

  it('refuses a reference that does not match the microphone frame', () => {
    expect(() => new EchoCanceller().process(new Int16Array(320), new Float32Array(160))).toThrow(
      /reference has 160 samples for 320/,
    );
  });
});

describe.skipIf(!hasFliteCli())('the echo delay estimator', () => {
  it('finds no delay between unrelated voices', () => {
    const a = fliteSpeech('Please hold on while I look that up for you.', 'slt');
    const b = fliteSpeech('I would like to speak to somebody about my bill.', 'rms');
    const estimator = new EchoDelayEstimator();
    const length = Math.min(a.length, b.length);
    estimator.push(a.subarray(0, length), b.subarray(0, length));
    expect(estimator.delay).toBeNull();
  });
});
