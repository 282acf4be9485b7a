import { seededRandom } from '@visemo/core/seeded-random';
import type { VisemeCue, WordTiming } from '@visemo/core/visemes-types';
import { FliteSynthesizer } from '@visemo/speech';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaceAnimator } from '../src/face-animator.js';
import type { IdlePose } from '../src/idle-life.js';
import { planGestures } from '../src/speech-gestures.js';

/** Real timings: Flite speaks each sentence and reports its visemes and words. */
const flite = new FliteSynthesizer();
const spoken = new Map<string, { visemes: VisemeCue[]; words: WordTiming[] }>();
const SENTENCES = [
  'Thank you for calling. Your order was shipped this morning, and it should arrive on Thursday.',
  'Is there anything else I can help you with?',
  'Yes, that is included in your plan.',
  'No, I am afraid that store is closed today.',
];

beforeAll(async () => {
  for (const text of SENTENCES) {
    const r = await flite.synthesize({ text, voice: 'slt' });
    spoken.set(text, { visemes: [...r.visemes], words: [...(r.words ?? [])] });
  }
}, 60_000);

afterAll(async () => {
  await flite.close();
});

function said(text: string) {
  return spoken.get(text) as { visemes: VisemeCue[]; words: WordTiming[] };
}

/** Steps an animator at 30 fps through an utterance spoken from `start` on the caller clock. */
function run(animator: FaceAnimator, start: number, seconds: number): IdlePose[] {
  const poses: IdlePose[] = [];
  for (let t = start - 0.5; t < start + seconds; t += 1 / 30) poses.push(animator.step(t, 1 / 30).pose);
  return poses;
}

const seed = 11;

describe('gestures that go with speech', () => {
  it('nods on stressed syllables while speaking, within natural bounds, the same for the same seed', () => {
    const text = SENTENCES[0] as string;
    const { visemes, words } = said(text);
    const plan = planGestures(visemes, 10, { text, words }, seededRandom(seed));
    const beats = plan.filter((g) => g.kind === 'beat');
    const seconds = (visemes.at(-1)?.endMs ?? 0) / 1000;
    // A beat every one to two seconds of speech, none closer than 0.7 s.
    expect(beats.length).toBeGreaterThanOrEqual(Math.floor(seconds / 2));
    expect(beats.length).toBeLessThanOrEqual(Math.ceil(seconds / 0.7));
    for (let k = 1; k < beats.length; k++)
      expect(
        (beats[k] as { atSec: number }).atSec - (beats[k - 1] as { atSec: number }).atSec,
      ).toBeGreaterThan(0.69);
    // The pause after "calling." is a phrase boundary: the head settles to a side.
    expect(plan.some((g) => g.kind === 'tilt')).toBe(true);

    const speak = () => {
      const a = new FaceAnimator({ random: seededRandom(seed) });
      a.setState('speaking');
      a.scheduleVisemes(visemes, 10, { text, words });
      return run(a, 10, seconds + 1);
    };
    const still = new FaceAnimator({ random: seededRandom(seed) });
    still.setState('speaking');
    const quiet = run(still, 10, seconds + 1);
    const poses = speak();
    expect(speak()).toEqual(poses);
    const most = (f: (p: IdlePose) => number) => Math.max(...poses.map((p) => Math.abs(f(p))));
    expect(most((p) => p.headPitch)).toBeLessThan(0.2);
    expect(most((p) => p.headYaw)).toBeLessThan(0.25);
    expect(most((p) => p.headRoll)).toBeLessThan(0.15);
    // Gestures move the head beyond idle sway: by more than 0.03 rad (1.7°) at their peaks.
    const extra = Math.max(...poses.map((p, k) => Math.abs(p.headPitch - (quiet[k] as IdlePose).headPitch)));
    expect(extra).toBeGreaterThan(0.03);
  });

  it('shrugs, brows up, as a question ends; not after a statement', () => {
    const question = SENTENCES[1] as string;
    const q = said(question);
    const plan = planGestures(q.visemes, 0, { text: question, words: q.words }, seededRandom(seed));
    const shrug = plan.find((g) => g.kind === 'shrug');
    expect(shrug).toBeDefined();
    const end = (q.visemes.filter((c) => c.viseme !== 'sil').at(-1)?.endMs ?? 0) / 1000;
    // The shrug is at its height as the last syllable ends.
    const peak = (shrug?.atSec ?? 0) + (shrug?.durationSec ?? 0) / 2;
    expect(Math.abs(peak - end)).toBeLessThan(0.35);
    const a = new FaceAnimator({ random: seededRandom(seed) });
    a.scheduleVisemes(q.visemes, 0, { text: question });
    const poses = run(a, 0, end + 1);
    expect(Math.max(...poses.map((p) => p.shrug))).toBeGreaterThan(0.8);
    expect(Math.max(...poses.map((p) => p.browRaise))).toBeGreaterThan(0.3);

    const statement = SENTENCES[2] as string;
    const s = planGestures(said(statement).visemes, 0, { text: statement }, seededRandom(seed));
    expect(s.some((g) => g.kind === 'shrug')).toBe(false);
  });

  it('nods for "yes" and shakes the head for "no"', () => {
    const yes = SENTENCES[2] as string;
    const no = SENTENCES[3] as string;
    const poseOf = (text: string) => {
      const a = new FaceAnimator({ random: seededRandom(seed), reducedMotion: false });
      a.scheduleVisemes(said(text).visemes, 0, { text });
      const still = new FaceAnimator({ random: seededRandom(seed) });
      const quiet = run(still, 0, 1.2);
      return run(a, 0, 1.2).map((p, k) => ({
        pitch: p.headPitch - (quiet[k] as IdlePose).headPitch,
        yaw: p.headYaw - (quiet[k] as IdlePose).headYaw,
      }));
    };
    const nod = poseOf(yes);
    const shake = poseOf(no);
    // A nod goes down (negative pitch) twice; a shake turns to both sides.
    expect(Math.min(...nod.map((p) => p.pitch))).toBeLessThan(-0.06);
    expect(Math.max(...nod.map((p) => Math.abs(p.yaw)))).toBeLessThan(0.01);
    expect(Math.max(...shake.map((p) => p.yaw))).toBeGreaterThan(0.05);
    expect(Math.min(...shake.map((p) => p.yaw))).toBeLessThan(-0.05);
  });

  it('plans no gestures with reduced motion, and drops those not started at a barge-in', () => {
    const question = SENTENCES[1] as string;
    const { visemes } = said(question);
    const calm = new FaceAnimator({ random: seededRandom(seed), reducedMotion: true });
    expect(calm.scheduleVisemes(visemes, 0, { text: question })).toEqual([]);
    expect(calm.gesture('nod', 0)).toBeNull();
    const poses = run(calm, 0, 3);
    expect(poses.every((p) => p.shrug === 0 && p.headPitch === 0 && p.headYaw === 0)).toBe(true);

    const a = new FaceAnimator({ random: seededRandom(seed) });
    a.scheduleVisemes(visemes, 0, { text: question });
    a.step(0.3, 0.3);
    a.stopVisemes(0.3);
    expect(a.gestures.pending(0.3).every((g) => g.atSec <= 0.3)).toBe(true);
    expect(a.gestures.pending(0.3).some((g) => g.kind === 'shrug')).toBe(false);
  });
});
