import { buildCharacter } from '../character/build-character.js';
import { LAYOUT } from '../character/layout.js';
import {
  detectMorphVocabulary,
  type FaceState,
  faceToChannels,
  type MorphVocabulary,
} from '../face-channels.js';
import { type AvatarLook, DEFAULT_LOOK } from '../look.js';
import { MeshMorphRig } from '../morph-rig.js';
import type { AvatarModel } from './avatar-model.js';

/** The character made in code: Oculus viseme morphs plus ARKit-named expression morphs. */
export class BuiltInModel implements AvatarModel {
  readonly kind = 'builtin' as const;
  readonly object;
  readonly vocabulary: MorphVocabulary;
  readonly channels: readonly string[];
  private readonly character;
  private readonly rig: MeshMorphRig;
  private readonly available: ReadonlySet<string>;

  constructor(look: AvatarLook = DEFAULT_LOOK) {
    this.character = buildCharacter(look);
    this.object = this.character.root;
    this.rig = new MeshMorphRig(this.object);
    this.channels = this.rig.channels;
    this.available = new Set(this.channels);
    this.vocabulary = detectMorphVocabulary(this.channels);
  }

  applyFace(face: FaceState, cameraDistance: number): Record<string, number> {
    const weights = faceToChannels(face, this.vocabulary, this.available);
    const { pose } = face;
    // Breathing lifts the shoulders a little on each inhale, on top of any shrug.
    weights.shoulderShrug = Math.min(1, (weights.shoulderShrug ?? 0) + 0.05 * (pose.breath + 1));
    this.rig.apply(weights);
    const c = this.character;
    c.headPivot.rotation.set(-pose.headPitch, pose.headYaw, pose.headRoll, 'YXZ');
    // The head rides on the shoulders: up with a shrug and each breath.
    c.headPivot.position.y = LAYOUT.neckPivot.y + 0.006 * pose.breath + 0.03 * pose.shrug;
    // The shoulders follow a fifth of the head's turn and tilt, so the head does not turn on a post.
    c.chest.rotation.set(0, pose.headYaw * 0.2, pose.headRoll * 0.2);
    c.chest.scale.set(1 + 0.004 * pose.breath, 1 + 0.006 * pose.breath, 1 + 0.012 * pose.breath);
    // Eyes converge on the camera, then add the gaze, minus what the head already turned.
    for (const [eye, side] of [
      [c.eyes.left, 1],
      [c.eyes.right, -1],
    ] as const) {
      const vergence = Math.atan2(-side * LAYOUT.eye.x, cameraDistance);
      eye.rotation.set(
        -(pose.gazePitch - pose.headPitch * 0.8),
        vergence + pose.gazeYaw - pose.headYaw * 0.8,
        0,
        'YXZ',
      );
    }
    return weights;
  }

  update(): void {}

  framing(): { target: [number, number, number]; distance: number } {
    return this.character.framing;
  }

  dispose(): void {
    this.character.dispose();
  }
}
