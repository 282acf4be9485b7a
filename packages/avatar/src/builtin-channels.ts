import { CHANNEL_MOUTH } from './mouth-model.js';
import { VISEMES } from './visemes.js';

/**
 * Morph channel names of the built-in character (and of the SVG face, which mirrors it): Oculus
 * viseme names for the mouth, ARKit names for expressions and blinks.
 */
export const BUILTIN_CHANNELS: readonly string[] = [
  ...VISEMES.map((v) => `viseme_${v}`),
  ...Object.keys(CHANNEL_MOUTH),
  ...['Left', 'Right'].flatMap((s) => [
    `eyeBlink${s}`,
    `eyeWide${s}`,
    `eyeSquint${s}`,
    `cheekSquint${s}`,
    `browOuterUp${s}`,
    `browDown${s}`,
  ]),
  'browInnerUp',
];
