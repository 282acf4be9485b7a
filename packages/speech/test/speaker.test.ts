import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FliteSynthesizer } from '../src/flite/flite-synthesizer.js';
import { pitchDistance, SpeakerTracker, voiceDistance } from '../src/speaker/speaker-tracker.js';
import { type VoicePrint, voicePrint } from '../src/speaker/voice-print.js';
import {
  cardsRecordings,
  hasPocketsphinxData,
  POCKETSPHINX_DATA,
  readWavFile,
} from './support/speech-fixtures.js';

const flite = new FliteSynthesizer();
afterAll(async () => {
  await flite.close();
});

const SENTENCES = [
  'I would like to know when my parcel will arrive',
  'can you tell me the opening hours of the shop on sunday',
  'please book a table for four people tomorrow evening',
  'how much does it cost to send a letter to france',
  'my card was charged twice for the same order',
  'what is the weather going to be like this weekend',
];

async function printOf(text: string, voice: string): Promise<VoicePrint> {
  return voicePrint((await flite.synthesize({ text, voice })).audio);
}

describe('voice print', () => {
  it('keeps two prints of one voice nearer than prints of two voices', async () => {
    const a = await printOf(SENTENCES[0] as string, 'rms');
    const b = await printOf(SENTENCES[1] as string, 'rms');
    const other = await printOf(SENTENCES[1] as string, 'awb');
    expect(voiceDistance(a, b)).toBeLessThan(voiceDistance(a, other));
    expect(a.seconds).toBeGreaterThan(0.8);
    expect(a.mean).toHaveLength(19);
  });

  it('has no pitch and no speech in silence, and does not throw on an empty utterance', () => {
    const silent = voicePrint({ samples: new Int16Array(16000), sampleRate: 16000 });
    expect(Number.isNaN(silent.pitch)).toBe(true);
    const empty = voicePrint({ samples: new Int16Array(0), sampleRate: 16000 });
    expect(empty.seconds).toBe(0);
    expect(new SpeakerTracker().assign(empty).speaker).toBe(1);
  });
});

describe('speaker tracker on Flite voices', () => {
  it('tells two voices apart and gives the first label back when the first voice returns', async () => {
    const tracker = new SpeakerTracker();
    const first = tracker.assign(await printOf(SENTENCES[0] as string, 'slt'));
    const second = tracker.assign(await printOf(SENTENCES[1] as string, 'rms'));
    const back = tracker.assign(await printOf(SENTENCES[2] as string, 'slt'));
    expect([first.speaker, second.speaker, back.speaker]).toEqual([1, 2, 1]);
    expect([first.opened, second.opened, back.opened]).toEqual([true, true, false]);
    expect([second.changed, back.changed]).toEqual([true, true]);
    expect(back.confidence).toBeGreaterThan(0);
  });

  it('keeps one voice saying different sentences as one speaker', async () => {
    for (const voice of ['slt', 'rms', 'awb', 'kal']) {
      const tracker = new SpeakerTracker();
      const labels: number[] = [];
      for (const text of SENTENCES) labels.push(tracker.assign(await printOf(text, voice)).speaker);
      expect({ voice, labels }).toEqual({ voice, labels: SENTENCES.map(() => 1) });
    }
  });

  it('tells apart two men whose voices sit about 2 semitones apart (rms, kal)', async () => {
    const tracker = new SpeakerTracker();
    const labels: number[] = [];
    for (const [k, voice] of ['rms', 'kal', 'rms', 'kal'].entries())
      labels.push(tracker.assign(await printOf(SENTENCES[k] as string, voice)).speaker);
    expect(labels).toEqual([1, 2, 1, 2]);
  });

  it('keeps a short utterance with the current speaker unless it is far from them', async () => {
    const tracker = new SpeakerTracker();
    tracker.assign(await printOf(SENTENCES[0] as string, 'rms'));
    const yes = await printOf('yes', 'rms');
    expect(yes.seconds).toBeLessThan(0.8);
    expect(tracker.assign(yes)).toMatchObject({ speaker: 1, changed: false });
    // Someone else's short answer is far enough to be someone new.
    expect(tracker.assign(await printOf('yes please', 'slt'))).toMatchObject({ speaker: 2, changed: true });
  });

  it('opens no more speakers than its maximum', async () => {
    const tracker = new SpeakerTracker({ maxSpeakers: 2 });
    for (const [k, voice] of ['slt', 'rms', 'awb', 'kal'].entries())
      tracker.assign(await printOf(SENTENCES[k] as string, voice));
    expect(tracker.count).toBe(2);
  });

  it('refuses a threshold that cannot work', () => {
    expect(() => new SpeakerTracker({ threshold: 0 })).toThrow(RangeError);
    expect(() => new SpeakerTracker({ distance: pitchDistance, maxSpeakers: 0 })).toThrow(RangeError);
  });
});

describe.skipIf(!hasPocketsphinxData())('speaker tracker on real recordings (pocketsphinx-testdata)', () => {
  it('tells the LibriVox reader from the cards speaker, and keeps each one', () => {
    const libri = ['0870', '0890', '0920'].map((n) =>
      voicePrint(
        readWavFile(join(POCKETSPHINX_DATA, 'librivox', `sense_and_sensibility_01_austen_64kb-${n}.wav`)),
      ),
    );
    const cards = cardsRecordings().map((c) => voicePrint({ samples: c.samples, sampleRate: 16000 }));
    const tracker = new SpeakerTracker();
    const order = [libri[0], cards[4], libri[1], cards[1], libri[2]] as VoicePrint[];
    const labels = order.map((p) => tracker.assign(p).speaker);
    expect(labels).toEqual([1, 2, 1, 2, 1]);
  });
});

if (!hasPocketsphinxData())
  console.warn(
    `speaker tracker: ${POCKETSPHINX_DATA} is missing (apt-get install pocketsphinx-testdata); real recordings skipped`,
  );
