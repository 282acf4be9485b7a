import { seededRandom } from '@visemo/core/seeded-random';
import { describe, expect, it } from 'vitest';
import { IdleLife } from '../src/idle-life.js';

const DT = 1 / 60;

/** Runs idle life for `seconds`, returning blink onsets (s) and the poses. */
function run(life: IdleLife, seconds: number) {
  const onsets: number[] = [];
  const poses = [];
  let closed = false;
  for (let i = 0; i < seconds / DT; i++) {
    const pose = life.update(DT);
    poses.push(pose);
    if (!closed && pose.blinkLeft > 0.5) onsets.push(i * DT);
    closed = pose.blinkLeft > 0.5;
  }
  return { onsets, poses };
}

describe('IdleLife', () => {
  it('blinks at natural intervals (2–6 s apart), with occasional double blinks', () => {
    const life = new IdleLife({ random: seededRandom(1) });
    const { onsets } = run(life, 300);
    const gaps = onsets.slice(1).map((t, i) => t - (onsets[i] as number));
    const doubles = gaps.filter((g) => g < 0.5).length;
    const singles = gaps.filter((g) => g >= 0.5);
    expect(onsets.length).toBeGreaterThan(50);
    expect(doubles).toBeGreaterThan(0);
    expect(doubles).toBeLessThan(onsets.length * 0.3);
    for (const g of singles) {
      expect(g).toBeGreaterThan(1.6);
      expect(g).toBeLessThan(6.1);
    }
  });

  it('closes both lids fully during a blink and reopens them', () => {
    const life = new IdleLife({ random: seededRandom(2) });
    life.blink();
    const { poses } = run(life, 0.4);
    expect(Math.max(...poses.map((p) => p.blinkLeft))).toBe(1);
    expect(poses.at(-1)?.blinkLeft).toBe(0);
    expect(poses.every((p) => p.blinkLeft === p.blinkRight)).toBe(true);
  });

  it('moves the eyes in saccades when idle, and holds them on the user while listening', () => {
    const idle = run(new IdleLife({ random: seededRandom(3) }), 20).poses;
    const spread = (ps: typeof idle) => Math.max(...ps.map((p) => Math.abs(p.gazeYaw)));
    expect(spread(idle.slice(60))).toBeGreaterThan(0.08);

    const listener = new IdleLife({ random: seededRandom(3) });
    listener.setState('listening');
    const listening = run(listener, 20).poses;
    // Listening: the gaze stays within ~1° of the camera after the first saccade.
    expect(spread(listening.slice(30))).toBeLessThan(0.03);
  });

  it('looks up and aside while thinking', () => {
    const life = new IdleLife({ random: seededRandom(4) });
    life.setState('thinking');
    const { poses } = run(life, 5);
    const late = poses.slice(60);
    const meanPitch = late.reduce((s, p) => s + p.gazePitch, 0) / late.length;
    expect(meanPitch).toBeGreaterThan(0.08);
  });

  it('with reduced motion: no saccades, sway or breathing, but still blinks', () => {
    const life = new IdleLife({ random: seededRandom(5), reducedMotion: true });
    const { onsets, poses } = run(life, 30);
    expect(onsets.length).toBeGreaterThan(4);
    for (const p of poses) {
      expect(p.gazeYaw).toBe(0);
      expect(p.gazePitch).toBe(0);
      expect(p.headYaw).toBe(0);
      expect(p.headPitch).toBe(0);
      expect(p.breath).toBe(0);
    }
    const moving = run(new IdleLife({ random: seededRandom(5) }), 30).poses;
    expect(Math.max(...moving.map((p) => Math.abs(p.headYaw)))).toBeGreaterThan(0.005);
    expect(Math.max(...moving.map((p) => p.breath))).toBeGreaterThan(0.9);
  });

  it('is reproducible with the same seed', () => {
    const a = run(new IdleLife({ random: seededRandom(9) }), 10).poses;
    const b = run(new IdleLife({ random: seededRandom(9) }), 10).poses;
    expect(a).toEqual(b);
  });
});
