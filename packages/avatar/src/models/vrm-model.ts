import type { VRM } from '@pixiv/three-vrm';
import {
  detectMorphVocabulary,
  type FaceState,
  faceToChannels,
  type MorphVocabulary,
} from '../face-channels.js';
import type { AvatarModel } from './avatar-model.js';
import { frameObject } from './framing.js';
import { disposeTree } from './gltf-model.js';

const DEG = 180 / Math.PI;

/** A VRM 0.x or 1.0 character, driven through its expressions (aa ih ou ee oh, blink, happy...). */
export class VrmModel implements AvatarModel {
  readonly kind = 'vrm' as const;
  readonly object;
  readonly vocabulary: MorphVocabulary;
  readonly channels: readonly string[];
  private readonly available: ReadonlySet<string>;

  constructor(readonly vrm: VRM) {
    this.object = vrm.scene;
    this.channels = (vrm.expressionManager?.expressions ?? []).map((e) => e.expressionName);
    this.available = new Set(this.channels);
    this.vocabulary = detectMorphVocabulary(this.channels, { vrm: true });
  }

  applyFace(face: FaceState): Record<string, number> {
    const weights = faceToChannels(face, this.vocabulary, this.available);
    const manager = this.vrm.expressionManager;
    if (manager) for (const [name, w] of Object.entries(weights)) manager.setValue(name, w);
    const { pose } = face;
    const humanoid = this.vrm.humanoid;
    humanoid
      ?.getNormalizedBoneNode('neck')
      ?.rotation.set(-pose.headPitch * 0.4, pose.headYaw * 0.4, pose.headRoll * 0.4, 'YXZ');
    humanoid
      ?.getNormalizedBoneNode('head')
      ?.rotation.set(-pose.headPitch * 0.6, pose.headYaw * 0.6, pose.headRoll * 0.6, 'YXZ');
    const lookAt = this.vrm.lookAt;
    if (lookAt) {
      lookAt.target = null;
      lookAt.yaw = (pose.gazeYaw - pose.headYaw) * DEG;
      lookAt.pitch = (pose.gazePitch - pose.headPitch) * DEG;
    }
    return weights;
  }

  update(dtSec: number): void {
    this.vrm.update(dtSec);
  }

  framing() {
    return frameObject(this.object, this.vrm.humanoid?.getNormalizedBoneNode('head') ?? null);
  }

  dispose(): void {
    disposeTree(this.object);
  }
}
