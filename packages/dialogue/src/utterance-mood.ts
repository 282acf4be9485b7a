import { ENGLISH, type Expression, type SpokenLanguage } from '@visemo/core';
import { frenchWords } from './french-terms.js';
import { words } from './text-terms.js';

/** Words of a complaint or a problem: the face answers with concern before the words do. */
const TROUBLE = new Set(
  `angry annoyed annoying awful bad broke broken complain complaint damaged dead defective disappointed
  disappointing error fault faulty frustrated frustrating furious horrible late lost missing never
  problem problems ridiculous scratched sick stolen stuck terrible unacceptable unhappy upset useless
  worst wrong hurt hurts pain painful worried worry scared emergency urgent`
    .split(/\s+/)
    .filter(Boolean),
);
/** Words of thanks and praise: a smile. */
const THANKS = new Set(
  'thanks thank thankyou great awesome amazing excellent perfect wonderful lovely brilliant fantastic helpful appreciate'
    .split(/\s+/)
    .filter(Boolean),
);
/** A negation just before a word turns it ("not bad", "no problem"). */
const NEGATIONS = new Set(['not', 'no', 'never', 'without']);

interface MoodWords {
  words: (text: string) => string[];
  trouble: ReadonlySet<string>;
  thanks: ReadonlySet<string>;
  negations: ReadonlySet<string>;
  /** A negation word that is itself a complaint ("never arrived"). */
  plainNegation: string;
}

const wordSet = (text: string) => new Set(text.split(/\s+/).filter(Boolean));

const MOOD_WORDS: Record<SpokenLanguage['code'], MoodWords> = {
  en: { words, trouble: TROUBLE, thanks: THANKS, negations: NEGATIONS, plainNegation: 'never' },
  // Folded as frenchWords folds them: no accents.
  fr: {
    words: frenchWords,
    trouble: wordSet(`abime abimee arnaque casse cassee colere decu decue defectueux defectueuse degoute
      enerve enervee erreur furieux furieuse grave horrible inacceptable inadmissible inquiet inquiete
      mal malade mauvais nul perdu perdue plainte probleme problemes reclamation retard ridicule urgent
      urgence vol vole volee douleur peur bloque bloquee jamais`),
    thanks: wordSet(
      'merci super genial parfait excellent formidable top bravo adorable aimable gentil gentille',
    ),
    negations: wordSet('pas sans jamais aucun aucune'),
    plainNegation: 'jamais',
  },
};

/**
 * The face a reply to `text` should start with when the agent gave its intent none: concern for a
 * complaint ("my parcel arrived broken"), a smile for thanks or praise; null otherwise. A word list,
 * not a sentiment model: it reads the caller's words, not the agent's, and errs towards nothing.
 */
export function moodOf(text: string, language: SpokenLanguage = ENGLISH): Expression | null {
  const mood = MOOD_WORDS[language.code];
  const said = mood.words(text);
  let trouble = 0;
  let thanks = 0;
  said.forEach((word, i) => {
    // "pas de problème": the negation reaches over "de".
    const before = said[i - 1] === 'de' ? said[i - 2] : said[i - 1];
    const negated = mood.negations.has(before ?? '') && word !== mood.plainNegation;
    if (mood.trouble.has(word)) trouble += negated ? -1 : 1;
    else if (mood.thanks.has(word) && !negated) thanks++;
  });
  if (trouble > 0) return 'concerned';
  if (thanks > 0) return 'happy';
  return null;
}
