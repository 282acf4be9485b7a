/**
 * Text normalisation shared by the classifier, the entity extractor and the phrase compiler.
 * Everything is lower-cased, stripped of diacritics and split into word tokens that keep their
 * offsets in the original text, so an entity found in normalised tokens maps back to what was said.
 */

export interface Token {
  /** Lower-case, diacritics removed, curly apostrophes made straight. */
  norm: string;
  /** Offsets in the original text (UTF-16 code units, end exclusive). */
  start: number;
  end: number;
}

// Letters or digits, with inner apostrophes ("don't", "o'clock") and decimal or grouped numbers
// ("3.5", "1,200") kept whole.
const TOKEN_RE = /[\p{L}\p{N}]+(?:['’][\p{L}]+)*(?:[.,]\d+)*/gu;
const DIACRITICS_RE = /\p{M}+/gu;

export function foldCase(text: string): string {
  return text.normalize('NFKD').replace(DIACRITICS_RE, '').toLowerCase().replace(/’/g, "'");
}

/** Word tokens with their place in `text`. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  for (const m of text.matchAll(TOKEN_RE)) {
    const start = m.index ?? 0;
    tokens.push({ norm: foldCase(m[0]), start, end: start + m[0].length });
  }
  return tokens;
}

// "'s" is left out: it is as often a possessive ("my mom's card") as "is"; the few common
// "is"-contractions are listed whole instead.
const WHOLE_CONTRACTIONS: Record<string, string[]> = {
  "can't": ['can', 'not'],
  cant: ['can', 'not'],
  "won't": ['will', 'not'],
  wont: ['will', 'not'],
  "shan't": ['shall', 'not'],
  "ain't": ['is', 'not'],
  "let's": ['let', 'us'],
  "it's": ['it', 'is'],
  "what's": ['what', 'is'],
  whats: ['what', 'is'],
  "that's": ['that', 'is'],
  "there's": ['there', 'is'],
  "here's": ['here', 'is'],
  "who's": ['who', 'is'],
  "where's": ['where', 'is'],
  "when's": ['when', 'is'],
  "how's": ['how', 'is'],
  "he's": ['he', 'is'],
  "she's": ['she', 'is'],
  "i'm": ['i', 'am'],
  im: ['i', 'am'],
  dont: ['do', 'not'],
  doesnt: ['does', 'not'],
  didnt: ['did', 'not'],
  isnt: ['is', 'not'],
  arent: ['are', 'not'],
  wasnt: ['was', 'not'],
  havent: ['have', 'not'],
  hasnt: ['has', 'not'],
  couldnt: ['could', 'not'],
  wouldnt: ['would', 'not'],
  shouldnt: ['should', 'not'],
  ive: ['i', 'have'],
  youre: ['you', 'are'],
  theyre: ['they', 'are'],
  gonna: ['going', 'to'],
  wanna: ['want', 'to'],
  gotta: ['got', 'to'],
};

const SUFFIX_CONTRACTIONS: [string, string][] = [
  ["n't", 'not'],
  ["'re", 'are'],
  ["'ve", 'have'],
  ["'ll", 'will'],
  ["'d", 'would'],
  ["'m", 'am'],
  ["'s", ''],
];

/**
 * French elided words, as their full form: "j'ai" is "je ai", "qu'il" "que il". No English word
 * starts with one of these and an apostrophe.
 */
const FRENCH_ELISIONS: Record<string, string> = {
  c: 'ce',
  d: 'de',
  j: 'je',
  l: 'le',
  m: 'me',
  n: 'ne',
  qu: 'que',
  s: 'se',
  t: 'te',
  jusqu: 'jusque',
  lorsqu: 'lorsque',
  puisqu: 'puisque',
};
const ELIDED_RE = /^([a-z]+)'(.+)$/;

/**
 * Expands one folded token into words: contractions become their full form (English "don't",
 * French "l'adresse"), apostrophes go.
 */
export function expandToken(norm: string): string[] {
  const whole = WHOLE_CONTRACTIONS[norm];
  if (whole) return whole;
  const elided = ELIDED_RE.exec(norm);
  const full = elided && FRENCH_ELISIONS[elided[1] as string];
  // "aujourd'hui" is one word.
  if (full && norm !== "aujourd'hui") return [full, ...expandToken(elided[2] as string)];
  if (norm.includes("'")) {
    for (const [suffix, word] of SUFFIX_CONTRACTIONS) {
      if (norm.endsWith(suffix) && norm.length > suffix.length) {
        const stem = norm.slice(0, -suffix.length);
        return word ? [stem, word] : [stem];
      }
    }
    return [norm.replace(/'/g, '')];
  }
  return [norm];
}

/** Lower-case words with contractions expanded: the classifier's view of an utterance. */
export function normalizeWords(text: string): string[] {
  const words: string[] = [];
  for (const t of tokenize(text)) for (const w of expandToken(t.norm)) words.push(w.replace(/,/g, ''));
  return words;
}
