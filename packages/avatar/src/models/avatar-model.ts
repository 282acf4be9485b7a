import type { Object3D } from 'three';
import type { FaceState, MorphVocabulary } from '../face-channels.js';

export type AvatarModelKind = 'builtin' | 'gltf' | 'vrm';

/**
 * A character the renderer can drive: the built-in one, a glTF/GLB with morph targets, or a VRM.
 * It turns a rig-independent face state into its own morphs, bones or expressions.
 */
export interface AvatarModel {
  readonly kind: AvatarModelKind;
  readonly object: Object3D;
  readonly vocabulary: MorphVocabulary;
  /** The morph channels (or VRM expressions) the model has. */
  readonly channels: readonly string[];
  /** Applies one frame's face and returns the channel weights set. */
  applyFace(face: FaceState, cameraDistance: number): Record<string, number>;
  /** Per-frame work of the model itself (VRM spring bones, look-at), dt in seconds. */
  update(dtSec: number): void;
  /** Where a head-and-shoulders camera should aim (world space) and from how far. */
  framing(): { target: [number, number, number]; distance: number };
  dispose(): void;
}
