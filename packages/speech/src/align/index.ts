export { AlignerThread } from './aligner-thread.js';
export { estimateAlignment, estimateAlignmentFromText } from './estimate.js';
export {
  type Alignment,
  ForcedAligner,
  type ForcedAlignerOptions,
  type PronouncedWord,
} from './forced-aligner.js';
export {
  type GraphemePhones,
  graphemesToPhones,
  lettersToPhones,
  speakableWords,
  spokenNumber,
} from './letters.js';
export { frameRms, leadingSilenceMs, soundStartMs, startAtSound } from './opening-silence.js';
export { matchPhones, phoneStartOffsets } from './phone-offsets.js';
