import { seededRandom } from '@visemo/core/seeded-random';

export type AvatarState = 'idle' | 'listening' | 'thinking' | 'speaking';

/** What idle life adds to the face each frame. Angles in radians, positive yaw = the avatar's left. */
export interface IdlePose {
  /** 0 open .. 1 closed. */
  blinkLeft: number;
  blinkRight: number;
  /** Gaze relative to looking straight at the camera. */
  gazeYaw: number;
  gazePitch: number;
  headYaw: number;
  headPitch: number;
  headRoll: number;
  /** -1 (exhaled) .. 1 (inhaled). */
  breath: number;
  /** 0..1 extra brow lift (attention while listening, searching while thinking). */
  browRaise: number;
  /** 0..1 shoulder lift (a shrug; idle life itself leaves it at 0, gestures set it). */
  shrug: number;
}

export interface IdleLifeOptions {
  /** No saccades, no head sway, no breathing motion; blinks remain. */
  reducedMotion?: boolean;
  /** Source of randomness in [0, 1); seeded for reproducible motion. */
  random?: () => number;
}

/** Blink timing in seconds: lids close fast and open slower, as measured blinks do (~100–250 ms). */
const BLINK_CLOSE = 0.07;
const BLINK_HOLD = 0.04;
const BLINK_OPEN = 0.13;
const BLINK_LENGTH = BLINK_CLOSE + BLINK_HOLD + BLINK_OPEN;
/** Start of the second lid closure of a double blink, after the first one's start. */
const DOUBLE_BLINK_GAP = 0.3;
const DOUBLE_BLINK_CHANCE = 0.15;

interface GazeHabit {
  /** Where the eyes rest in this state. */
  baseYaw: number;
  basePitch: number;
  /** Random spread around the rest point, and the seconds between saccades. */
  spreadYaw: number;
  spreadPitch: number;
  minHold: number;
  maxHold: number;
  /** Chance that a saccade looks away from the rest point (conversational glances). */
  glanceChance: number;
  headSway: number;
  headRoll: number;
  browRaise: number;
}

const HABITS: Readonly<Record<AvatarState, GazeHabit>> = {
  idle: {
    baseYaw: 0,
    basePitch: 0,
    spreadYaw: 0.14,
    spreadPitch: 0.06,
    minHold: 0.6,
    maxHold: 2.4,
    glanceChance: 0.4,
    headSway: 1,
    headRoll: 0,
    browRaise: 0,
  },
  listening: {
    baseYaw: 0,
    basePitch: 0,
    spreadYaw: 0.015,
    spreadPitch: 0.01,
    minHold: 0.8,
    maxHold: 2.5,
    glanceChance: 0,
    headSway: 0.6,
    headRoll: 0.045,
    browRaise: 0.15,
  },
  thinking: {
    baseYaw: 0.22,
    basePitch: 0.16,
    spreadYaw: 0.06,
    spreadPitch: 0.04,
    minHold: 0.9,
    maxHold: 2.2,
    glanceChance: 0,
    headSway: 0.7,
    // A clear tilt away from where the eyes search: thinking reads at a glance.
    headRoll: -0.08,
    browRaise: 0.3,
  },
  speaking: {
    baseYaw: 0,
    basePitch: 0,
    spreadYaw: 0.03,
    spreadPitch: 0.015,
    minHold: 0.7,
    maxHold: 2.2,
    glanceChance: 0.25,
    headSway: 1.6,
    headRoll: 0,
    browRaise: 0,
  },
};

/**
 * Blinks, saccades, head sway and breathing: the motion that keeps a face from looking frozen.
 * Time advances only through `update(dt)`, so the motion is reproducible with a seeded `random`.
 */
export class IdleLife {
  private time = 0;
  private state: AvatarState = 'idle';
  private reducedMotion: boolean;
  private readonly random: () => number;
  private nextBlinkAt: number;
  /** Start times of blinks in progress or queued (seconds on this object's own time). */
  private blinkStarts: number[] = [];
  private gazeTarget = { yaw: 0, pitch: 0 };
  private gaze = { yaw: 0, pitch: 0 };
  private nextSaccadeAt = 0;
  private headFollow = { yaw: 0, pitch: 0, roll: 0 };
  private readonly phase: number[];
  /** Completed blink count, for diagnostics and tests. */
  blinkCount = 0;

  constructor(options: IdleLifeOptions = {}) {
    this.random = options.random ?? seededRandom(Date.now() & 0xffffffff);
    this.reducedMotion = options.reducedMotion ?? false;
    this.nextBlinkAt = this.blinkInterval();
    this.phase = [0, 1, 2, 3, 4, 5].map(() => this.random() * Math.PI * 2);
  }

  setState(state: AvatarState): void {
    if (state === this.state) return;
    this.state = state;
    // A change of state redirects the eyes at once (people look at whoever starts talking).
    this.nextSaccadeAt = this.time;
  }

  getState(): AvatarState {
    return this.state;
  }

  setReducedMotion(reduced: boolean): void {
    this.reducedMotion = reduced;
  }

  /** Starts a blink now (e.g. on a change of topic); ignored during a blink. */
  blink(): void {
    if (this.blinkStarts.some((s) => this.time - s < BLINK_LENGTH)) return;
    this.blinkStarts.push(this.time);
  }

  update(dtSec: number): IdlePose {
    const dt = Math.min(Math.max(dtSec, 0), 0.25);
    this.time += dt;
    const t = this.time;
    const habit = HABITS[this.state];

    if (t >= this.nextBlinkAt) {
      this.blinkStarts.push(t);
      if (this.random() < DOUBLE_BLINK_CHANCE) this.blinkStarts.push(t + DOUBLE_BLINK_GAP);
      this.nextBlinkAt = t + this.blinkInterval();
    }
    let blink = 0;
    this.blinkStarts = this.blinkStarts.filter((start) => {
      const x = t - start;
      if (x >= BLINK_LENGTH) {
        this.blinkCount++;
        return false;
      }
      blink = Math.max(blink, blinkCurve(x));
      return true;
    });

    if (this.reducedMotion) {
      this.gaze = { yaw: 0, pitch: 0 };
      return {
        blinkLeft: blink,
        blinkRight: blink,
        gazeYaw: 0,
        gazePitch: 0,
        headYaw: 0,
        headPitch: 0,
        headRoll: 0,
        breath: 0,
        browRaise: habit.browRaise,
        shrug: 0,
      };
    }

    if (t >= this.nextSaccadeAt) {
      const glance = this.random() < habit.glanceChance;
      const spread = glance ? 2.2 : 1;
      this.gazeTarget = {
        yaw: habit.baseYaw + (this.random() * 2 - 1) * habit.spreadYaw * spread,
        pitch: habit.basePitch + (this.random() * 2 - 1) * habit.spreadPitch * spread,
      };
      const hold = habit.minHold + this.random() * (habit.maxHold - habit.minHold);
      this.nextSaccadeAt = t + (glance ? Math.min(hold, 0.9) : hold);
    }
    // Saccades take 20–50 ms: an exponential approach with a 15 ms time constant.
    const k = 1 - Math.exp(-dt / 0.015);
    this.gaze.yaw += (this.gazeTarget.yaw - this.gaze.yaw) * k;
    this.gaze.pitch += (this.gazeTarget.pitch - this.gaze.pitch) * k;
    // The head follows a fraction of the gaze, slowly (time constant 0.6 s).
    const kh = 1 - Math.exp(-dt / 0.6);
    this.headFollow.yaw += (this.gaze.yaw * 0.35 - this.headFollow.yaw) * kh;
    this.headFollow.pitch += (this.gaze.pitch * 0.3 - this.headFollow.pitch) * kh;
    this.headFollow.roll += (habit.headRoll - this.headFollow.roll) * kh;

    const p = this.phase as [number, number, number, number, number, number];
    const sway = habit.headSway;
    const headYaw =
      this.headFollow.yaw + sway * (0.022 * Math.sin(t * 0.61 + p[0]) + 0.01 * Math.sin(t * 1.37 + p[1]));
    const headPitch =
      this.headFollow.pitch + sway * (0.014 * Math.sin(t * 0.83 + p[2]) + 0.007 * Math.sin(t * 1.91 + p[3]));
    const headRoll = this.headFollow.roll + sway * 0.012 * Math.sin(t * 0.47 + p[4]);
    // About 14 breaths a minute at rest.
    const breath = Math.sin((t * 2 * Math.PI) / 4.3 + p[5]);
    return {
      blinkLeft: blink,
      blinkRight: blink,
      gazeYaw: this.gaze.yaw,
      gazePitch: this.gaze.pitch,
      headYaw,
      headPitch,
      headRoll,
      breath,
      browRaise: habit.browRaise,
      shrug: 0,
    };
  }

  /** 2–6 s between blinks, uniformly. */
  private blinkInterval(): number {
    return 2 + this.random() * 4;
  }
}

function blinkCurve(x: number): number {
  if (x < 0) return 0;
  if (x < BLINK_CLOSE) {
    const u = x / BLINK_CLOSE;
    return u * u;
  }
  if (x < BLINK_CLOSE + BLINK_HOLD) return 1;
  const u = (x - BLINK_CLOSE - BLINK_HOLD) / BLINK_OPEN;
  if (u >= 1) return 0;
  return 1 - u * u * (3 - 2 * u);
}
