export {
  type BuildGrammarOptions,
  type BuiltGrammar,
  buildGrammar,
  type DroppedPhrase,
  type GrammarInput,
  type GrammarSlot,
  jsgfWords,
  normalizePhrase,
  numberToWords,
} from './grammar.js';
export { GrammarRecognizer, type GrammarRecognizerOptions } from './grammar-recognizer.js';
