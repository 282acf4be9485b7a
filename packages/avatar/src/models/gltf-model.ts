import { type Bone, Euler, type Object3D, Quaternion } from 'three';
import {
  detectMorphVocabulary,
  type FaceState,
  faceToChannels,
  type MorphVocabulary,
} from '../face-channels.js';
import { MeshMorphRig } from '../morph-rig.js';
import type { AvatarModel } from './avatar-model.js';
import { frameObject } from './framing.js';

function findBone(root: Object3D, pattern: RegExp): Object3D | null {
  let found: Object3D | null = null;
  root.traverse((o) => {
    if (!found && ((o as Bone).isBone || o.type === 'Object3D' || o.type === 'Group') && pattern.test(o.name))
      found = o;
  });
  return found;
}

interface Joint {
  node: Object3D;
  rest: Quaternion;
}

function joint(node: Object3D | null): Joint | null {
  return node ? { node, rest: node.quaternion.clone() } : null;
}

const euler = new Euler();
const delta = new Quaternion();

function turn(j: Joint | null, pitch: number, yaw: number, roll: number): void {
  if (!j) return;
  euler.set(-pitch, yaw, roll, 'YXZ');
  j.node.quaternion.copy(j.rest).multiply(delta.setFromEuler(euler));
}

/**
 * A glTF/GLB character whose morph targets follow the Oculus viseme names (Ready Player Me) or
 * ARKit blendshape names. Head, neck and eye bones are turned when found by name.
 */
export class GltfModel implements AvatarModel {
  readonly kind = 'gltf' as const;
  readonly vocabulary: MorphVocabulary;
  readonly channels: readonly string[];
  private readonly rig: MeshMorphRig;
  private readonly available: ReadonlySet<string>;
  private readonly head: Joint | null;
  private readonly neck: Joint | null;
  private readonly eyes: [Joint | null, Joint | null];
  private readonly gazeViaMorphs: boolean;

  constructor(readonly object: Object3D) {
    this.rig = new MeshMorphRig(object);
    this.channels = this.rig.channels;
    this.available = new Set(this.channels);
    this.vocabulary = detectMorphVocabulary(this.channels);
    this.head = joint(findBone(object, /(^|[^a-z])head$/i));
    this.neck = joint(findBone(object, /(^|[^a-z])neck$/i));
    this.eyes = [
      joint(findBone(object, /^(.*[^a-z])?(left_?eye|eye_?l|eye\.l)$/i)),
      joint(findBone(object, /^(.*[^a-z])?(right_?eye|eye_?r|eye\.r)$/i)),
    ];
    this.gazeViaMorphs = !this.eyes[0] && this.available.has('eyeLookOutLeft');
  }

  applyFace(face: FaceState): Record<string, number> {
    const weights = faceToChannels(face, this.vocabulary, this.available, {
      gazeViaMorphs: this.gazeViaMorphs,
    });
    this.rig.apply(weights);
    const { pose } = face;
    turn(this.neck, pose.headPitch * 0.4, pose.headYaw * 0.4, pose.headRoll * 0.4);
    turn(this.head, pose.headPitch * 0.6, pose.headYaw * 0.6, pose.headRoll * 0.6);
    for (const eye of this.eyes) turn(eye, pose.gazePitch - pose.headPitch, pose.gazeYaw - pose.headYaw, 0);
    return weights;
  }

  update(): void {}

  framing() {
    return frameObject(this.object, this.head?.node ?? null);
  }

  /** Influence of a channel's full shape (for tests and debugging). */
  influence(channel: string): number {
    return this.rig.influence(channel);
  }

  dispose(): void {
    disposeTree(this.object);
  }
}

export function disposeTree(root: Object3D): void {
  root.traverse((o) => {
    const mesh = o as {
      geometry?: { dispose(): void };
      material?: { dispose(): void } | { dispose(): void }[];
    };
    mesh.geometry?.dispose();
    const m = mesh.material;
    if (Array.isArray(m)) for (const x of m) x.dispose();
    else m?.dispose();
  });
}
