/**
 * French words for retrieval: the elided article or pronoun goes with its apostrophe ("l'adresse"
 * is "adresse"), function words and the filler of spoken questions go, and what is left is cut by
 * a light stemmer, which takes plural and feminine endings and the commonest derivations off
 * ("livraisons", "livrer" and "livré" meet at "livr").
 */

const STOP_WORDS = new Set(
  `a au aux avec ce ces cet cette dans de des du elle elles en est et etre eux il ils je la le les leur
  leurs lui ma mais me mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses si son sur
  ta te tes toi ton tu un une vos votre vous y ai as avez avons ont suis es sommes etes sont etait
  fait faire peut peux pouvez pouvons puis veux voudrais voudrions veut voulez savoir sais dire dites
  bonjour bonsoir salut merci oui non ok d accord alors donc aussi tres plus moins comme quoi quel quelle
  quels quelles comment combien quand pourquoi est-ce ca cela ceci chose choses bien svp stp plait
  s il vous plait aimerais souhaite souhaiterais besoin question serai sera serez seront serais etre
  suis avoir aurai aura vais va allez dois doit devez mes mon`
    .split(/\s+/)
    .filter(Boolean),
);

/** Lowercase words without accents, elided heads dropped. */
export function frenchWords(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/\b(?:qu|jusqu|lorsqu|puisqu|[cdjlmnst])['’]/g, ' ')
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** Endings taken off, longest first, when at least three letters stay. */
const SUFFIXES = [
  'issements',
  'issement',
  'ements',
  'ement',
  'ations',
  'ation',
  'euses',
  'euse',
  'eurs',
  'eur',
  'ites',
  'ite',
  'ees',
  'ee',
  'ent',
  'es',
  'er',
  'ez',
  'e',
  's',
  'x',
];

/** A light French stemmer: plural, feminine, infinitive and a few noun endings. */
export function frenchStem(word: string): string {
  if (word.length <= 3 || /^\d/.test(word)) return word;
  const suffix = SUFFIXES.find((s) => word.endsWith(s) && word.length - s.length >= 3);
  const stem = suffix ? word.slice(0, -suffix.length) : word;
  // A noun in -aison meets its verb: "livraison" and "livrer".
  return stem.length > 7 && stem.endsWith('aison') ? stem.slice(0, -5) : stem;
}

export function frenchTerms(text: string, isNumberTerm: (word: string) => boolean): string[] {
  const out: string[] = [];
  for (const word of frenchWords(text)) {
    if (STOP_WORDS.has(word)) continue;
    out.push(isNumberTerm(word) ? word : frenchStem(word));
  }
  return out;
}
