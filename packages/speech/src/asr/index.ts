export {
  type BuildGrammarOptions,
  type BuiltGrammar,
  buildGrammar,
  type DroppedPhrase,
  type GrammarInput,
  type GrammarSlot,
  jsgfWords,
  normalizePhrase,
  spokenForm,
} from './grammar.js';
export { GrammarRecognizer, type GrammarRecognizerOptions } from './grammar-recognizer.js';
export { RecognizerThreads, type RecognizerThreadsOptions } from './recognizer-thread.js';
export type { GrammarExpr } from './word-graph.js';
