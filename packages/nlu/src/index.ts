export { BACKGROUND_UTTERANCES } from './background.js';
export { createEntityExtractor, type EntityExtractor, type EntityExtractorOptions } from './entities.js';
export { DEFAULT_FEATURES, type FeatureOptions } from './features.js';
export {
  type IntentClassifierOptions,
  type IntentExample,
  type TrainedIntentClassifier,
  trainIntentClassifier,
} from './intent-classifier.js';
export { createNlu, type NluModel, type NluOptions } from './nlu.js';
export {
  DEFAULT_DIGITS,
  DEFAULT_NUMBER_RANGE,
  type DomainPhrases,
  domainPhrases,
  type PhraseSlot,
  spoken,
} from './phrases.js';
export type { SentenceEncoder } from './sentence-encoder.js';
export { DEFAULT_VECTOR_CACHE, SentenceVectorCache } from './sentence-vector-cache.js';
export { normalizeWords } from './text.js';
export { sharedUniversalSentenceEncoder, UniversalSentenceEncoder } from './universal-sentence-encoder.js';
