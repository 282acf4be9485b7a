export { seededRandom } from '@visemo/core/seeded-random';
export type { Avatar, AvatarModelSource, AvatarOptions } from './avatar.js';
export { AvatarLoop } from './avatar-loop.js';
export { BUILTIN_CHANNELS } from './builtin-channels.js';
export { createAvatar, isWebGLAvailable } from './create-avatar.js';
export {
  AVATAR_EXPRESSIONS,
  type AvatarExpression,
  ExpressionBlender,
  type ExpressionWeights,
  isAvatarExpression,
} from './expressions.js';
export { FaceAnimator, type FaceAnimatorOptions } from './face-animator.js';
export {
  detectMorphVocabulary,
  type FaceState,
  faceToChannels,
  type MorphVocabulary,
} from './face-channels.js';
export { FrameRateCounter } from './frame-rate.js';
export { type AvatarState, IdleLife, type IdleLifeOptions, type IdlePose } from './idle-life.js';
export { loadAvatarModel, readGltfJson, vrmVersionOf } from './loaders.js';
export {
  type AvatarLook,
  type AvatarLookSpec,
  CHARACTERS,
  type CharacterName,
  type HairStyle,
  type Palette,
  resolveLook,
} from './look.js';
export type { AvatarModel, AvatarModelKind } from './models/avatar-model.js';
export {
  blendMouth,
  MOUTH_REST,
  type MouthParams,
  mouthSlice,
  VISEME_MOUTH,
} from './mouth-model.js';
export {
  GESTURE_KINDS,
  type Gesture,
  type GestureKind,
  type GestureOffsets,
  planGestures,
  SpeechGestures,
  type SpeechText,
} from './speech-gestures.js';
export { SvgAvatar } from './svg-avatar.js';
// Type only: the class (and Three.js with it) loads on demand through createAvatar.
export type { ThreeAvatar } from './three-avatar.js';
export { type VisemeRamp, VisemeTrack, type VisemeTrackOptions } from './viseme-track.js';
export { VISEMES, type Viseme, type VisemeWeights } from './visemes.js';
