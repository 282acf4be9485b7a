/**
 * Text → what Flite should read, keeping which written word each spoken piece came from.
 *
 * Flite's own English front end already reads cardinals, decimals, ordinals, years, fractions,
 * "$4.99", "9:30", "50%", "5kg", Dr./Mr./Mrs./St. and spelled-out acronyms well, so this only adds
 * what it lacks (each checked against the Flite 2.2 front end):
 * - non-ASCII text: Flite reads UTF-8 bytes as Latin-1 junk ("€" → three garbage tokens), so curly
 *   quotes, dashes, ellipses and accented letters are folded to ASCII and other symbols dropped;
 * - € £ ¥ ₹ amounts and ISO codes (EUR, GBP, ...) after a number;
 * - order/reference/booking numbers read digit by digit in groups ("order 123456" → "one two
 *   three, four five six"; Flite reads "one hundred twenty three thousand ...");
 * - whole hours ("10:00" → "ten o'clock", "14:00" → "fourteen hundred"; Flite says "ten");
 * - "No. 5" and "#5" → "number five"; "24/7"; degrees; e-mail and web addresses ("dot");
 * - abbreviations Flite spells or mangles: e.g., i.e., approx., Ms., Jr., Sr., months and
 *   weekdays with a period, "&".
 */

export interface SpokenToken {
  /** The token as written (whitespace-delimited, punctuation included). */
  written: string;
  /** What Flite is given for it: ASCII, may be several words or empty. */
  spoken: string;
}

export interface NormalizedText {
  /** The whole text for Flite. */
  spoken: string;
  tokens: SpokenToken[];
}

const PUNCTUATION_FOLDS: [RegExp, string][] = [
  [/[\u2018\u2019\u201a\u201b\u2032\u00b4`]/g, "'"],
  [/[\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb]/g, '"'],
  [/\s*[\u2014\u2015]\s*/g, ', '],
  [/(\d)\s*\u2013\s*(\d)/g, '$1-$2'],
  [/\s*\u2013\s*/g, ', '],
  [/[\u2010\u2011\u2012\u2212]/g, '-'],
  [/\u2026/g, '...'],
  [/\u2044/g, '/'],
  [/[\u00a0\u2000-\u200b\u202f\u205f\u3000]/g, ' '],
  [/\u00d7/g, ' x '],
];

/** Folds typography to ASCII and strips accents; keeps the symbols the token rules read. */
function foldToAscii(text: string): string {
  let s = text.normalize('NFKC');
  for (const [pattern, replacement] of PUNCTUATION_FOLDS) s = s.replace(pattern, replacement);
  s = s.normalize('NFD').replace(/\p{M}/gu, '');
  s = s
    .replace(/\u00df/g, 'ss')
    .replace(/\u00e6/g, 'ae')
    .replace(/\u00c6/g, 'AE')
    .replace(/\u0153/g, 'oe');
  s = s
    .replace(/\u00f8/g, 'o')
    .replace(/\u00d8/g, 'O')
    .replace(/\u0142/g, 'l')
    .replace(/\u0141/g, 'L');
  return s;
}

interface Currency {
  one: string;
  many: string;
  minorOne?: string;
  minorMany?: string;
}

const CURRENCIES: Record<string, Currency> = {
  '€': { one: 'euro', many: 'euros', minorOne: 'cent', minorMany: 'cents' },
  EUR: { one: 'euro', many: 'euros', minorOne: 'cent', minorMany: 'cents' },
  '£': { one: 'pound', many: 'pounds', minorOne: 'penny', minorMany: 'pence' },
  GBP: { one: 'pound', many: 'pounds', minorOne: 'penny', minorMany: 'pence' },
  $: { one: 'dollar', many: 'dollars', minorOne: 'cent', minorMany: 'cents' },
  USD: { one: 'dollar', many: 'dollars', minorOne: 'cent', minorMany: 'cents' },
  '¥': { one: 'yen', many: 'yen' },
  JPY: { one: 'yen', many: 'yen' },
  '₹': { one: 'rupee', many: 'rupees', minorOne: 'paisa', minorMany: 'paise' },
  INR: { one: 'rupee', many: 'rupees', minorOne: 'paisa', minorMany: 'paise' },
  CHF: { one: 'franc', many: 'francs', minorOne: 'centime', minorMany: 'centimes' },
};

const AMOUNT = String.raw`(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d{1,2}))?`;
// Flite reads "$4.99" itself ("four dollars ninety nine cents"); the other symbols it cannot read.
const SYMBOL_FIRST = new RegExp(`^([€£¥₹])${AMOUNT}$`);
const SYMBOL_LAST = new RegExp(`^${AMOUNT}([€£$¥₹])$`);
const CODE_AFTER = /^(EUR|GBP|USD|JPY|INR|CHF)$/;
const PLAIN_AMOUNT = new RegExp(`^${AMOUNT}$`);

function sayAmount(currency: Currency, major: string, minor: string | undefined): string {
  const majorValue = Number(major.replace(/,/g, ''));
  const minorValue = minor === undefined ? 0 : Number(minor.length === 1 ? `${minor}0` : minor);
  const parts: string[] = [];
  if (majorValue > 0 || minorValue === 0 || !currency.minorMany) {
    parts.push(`${major} ${majorValue === 1 ? currency.one : currency.many}`);
  }
  if (minorValue > 0 && currency.minorMany) {
    parts.push(`${minorValue} ${minorValue === 1 ? currency.minorOne : currency.minorMany}`);
  }
  return parts.join(' ');
}

/** Words after which a number is an identifier, read digit by digit. */
const IDENTIFIER_KEYWORDS = new Set([
  'order',
  'orders',
  'ref',
  'reference',
  'confirmation',
  'booking',
  'reservation',
  'ticket',
  'account',
  'tracking',
  'invoice',
  'case',
  'customer',
  'membership',
  'member',
  'policy',
  'pin',
  'code',
  'id',
  'serial',
  'number',
  'no',
  'parcel',
  'package',
  'claim',
]);

/** "AB-123456" → "A B, 1 2 3, 4 5 6": characters one by one, in groups of three. */
function spellIdentifier(id: string): string {
  const groups: string[] = [];
  for (const part of id.split('-').filter(Boolean)) {
    const chars = Array.from(part.toUpperCase());
    const size = chars.length <= 4 ? chars.length : 3;
    for (let i = 0; i < chars.length; i += size) groups.push(chars.slice(i, i + size).join(' '));
  }
  return groups.join(', ');
}

function isIdentifier(core: string): boolean {
  const digits = core.replace(/\D/g, '').length;
  return (
    /^[A-Za-z0-9-]+$/.test(core) &&
    (digits >= 4 || (digits >= 1 && /[A-Za-z]/.test(core) && core.length >= 4))
  );
}

const ABBREVIATIONS: Record<string, string> = {
  'e.g.': 'for example',
  'eg.': 'for example',
  'i.e.': 'that is',
  'ie.': 'that is',
  'etc.': 'et cetera',
  'approx.': 'approximately',
  'ms.': 'miz',
  'jr.': 'junior',
  'sr.': 'senior',
  'dept.': 'department',
  'apt.': 'apartment',
  'ave.': 'avenue',
  'blvd.': 'boulevard',
  'rd.': 'road',
  'tel.': 'telephone',
  'max.': 'maximum',
  'jan.': 'January',
  'feb.': 'February',
  'mar.': 'March',
  'apr.': 'April',
  'jun.': 'June',
  'jul.': 'July',
  'aug.': 'August',
  'sep.': 'September',
  'sept.': 'September',
  'oct.': 'October',
  'nov.': 'November',
  'dec.': 'December',
  'mon.': 'Monday',
  'tue.': 'Tuesday',
  'tues.': 'Tuesday',
  'wed.': 'Wednesday',
  'thu.': 'Thursday',
  'thur.': 'Thursday',
  'thurs.': 'Thursday',
  'fri.': 'Friday',
  'sat.': 'Saturday',
  'sun.': 'Sunday',
};

/** Month abbreviations read in full before a day number even without a period ("Jan 5"). */
const MONTHS_BEFORE_DAY: Record<string, string> = {
  jan: 'January',
  feb: 'February',
  mar: 'March',
  apr: 'April',
  jun: 'June',
  jul: 'July',
  aug: 'August',
  sep: 'September',
  sept: 'September',
  oct: 'October',
  nov: 'November',
  dec: 'December',
};

const WEB_ADDRESS = /^(?:https?:\/\/)?(?:[a-z0-9-]{2,}\.)+[a-z]{2,}(?:\/[^\s]*)?$/i;
const EMAIL = /^[a-z0-9._%+-]+@[a-z0-9.-]+\.[a-z]{2,}$/i;

function sayAddress(address: string): string {
  return address
    .replace(/^https?:\/\//i, '')
    .replace(/\./g, ' dot ')
    .replace(/@/g, ' at ')
    .replace(/\//g, ' slash ')
    .replace(/_/g, ' underscore ')
    .replace(/-/g, ' dash ')
    .replace(/\s+/g, ' ')
    .trim();
}

function sayWholeHour(hour: number, suffix: string | undefined): string {
  if (suffix) return `${hour} ${suffix.toLowerCase().startsWith('a') ? 'a.m.' : 'p.m.'}`;
  if (hour === 0 || hour === 24) return 'midnight';
  return hour <= 12 ? `${hour} o'clock` : `${hour} hundred`;
}

interface Context {
  previous: string | undefined;
  next: string | undefined;
}

function bare(token: string | undefined): string {
  return (token ?? '').replace(/^[("'[]+|[)"'\],;:!?.]+$/g, '').toLowerCase();
}

/** The spoken form of one token's core (no surrounding brackets, quotes or punctuation). */
function sayCore(core: string, ctx: Context): string | undefined {
  const lower = core.toLowerCase();
  const abbreviation = ABBREVIATIONS[lower];
  if (abbreviation) return abbreviation;
  if (lower === 'no.' && /^#?\d/.test(ctx.next ?? '')) return 'number';
  if (MONTHS_BEFORE_DAY[lower] && /^\d{1,2}(st|nd|rd|th)?\b/.test(ctx.next ?? ''))
    return MONTHS_BEFORE_DAY[lower];
  const withoutPeriod = core.replace(/\.+$/, '');

  let m = SYMBOL_FIRST.exec(withoutPeriod);
  if (m) return sayAmount(CURRENCIES[m[1] as string] as Currency, m[2] as string, m[3]);
  m = SYMBOL_LAST.exec(withoutPeriod);
  if (m) return sayAmount(CURRENCIES[m[3] as string] as Currency, m[1] as string, m[2]);
  m = PLAIN_AMOUNT.exec(withoutPeriod);
  const code = CODE_AFTER.exec(ctx.next?.replace(/[.,;:!?]+$/, '') ?? '');
  if (m && code) return sayAmount(CURRENCIES[code[1] as string] as Currency, m[1] as string, m[2]);
  if (CODE_AFTER.test(withoutPeriod) && PLAIN_AMOUNT.test(bare(ctx.previous))) return '';

  const previous = bare(ctx.previous);
  if (withoutPeriod.startsWith('#') && /^#\d+$/.test(withoutPeriod)) {
    const digits = withoutPeriod.slice(1);
    return `number ${digits.length >= 4 ? spellIdentifier(digits) : digits}`;
  }
  if ((IDENTIFIER_KEYWORDS.has(previous) || previous === '#') && isIdentifier(withoutPeriod)) {
    return spellIdentifier(withoutPeriod);
  }

  m = /^(\d{1,2}):00(?:\s*([ap]\.?m\.?))?$/i.exec(core) ?? /^(\d{1,2}):00$/.exec(withoutPeriod);
  if (m && Number(m[1]) <= 24) return sayWholeHour(Number(m[1]), m[2]);
  if (withoutPeriod === '24/7') return '24 7';
  m = /^(-?\d+(?:\.\d+)?)°([CF])?$/i.exec(withoutPeriod);
  if (m) return `${m[1]} degrees${m[2] ? (m[2].toUpperCase() === 'C' ? ' Celsius' : ' Fahrenheit') : ''}`;
  if (/^°[CF]$/i.test(withoutPeriod))
    return withoutPeriod.toUpperCase() === '°C' ? 'degrees Celsius' : 'degrees Fahrenheit';
  if (EMAIL.test(withoutPeriod) || (WEB_ADDRESS.test(withoutPeriod) && /[a-z]{2,}/i.test(withoutPeriod))) {
    if (!/^\d+(\.\d+)+$/.test(withoutPeriod)) return sayAddress(withoutPeriod);
  }
  if (/^\d+(?:\.\d+){2,}$/.test(withoutPeriod)) return withoutPeriod.split('.').join(' point ');
  return undefined;
}

/** Symbols that are words when they stand alone or join words. */
function saySymbols(text: string): string {
  return text
    .replace(/&/g, ' and ')
    .replace(/(\d)\s*\+\s*(\d)/g, '$1 plus $2')
    .replace(/(^|\s)\+(\s|$)/g, '$1plus$2')
    .replace(/(^|\s)=(\s|$)/g, '$1equals$2')
    .replace(/(\d)\s*=\s*(\d)/g, '$1 equals $2')
    .replace(/(^|\s)~\s*(\d)/g, '$1about $2')
    .replace(/(^|\s)@(\s|$)/g, '$1at$2');
}

function sayToken(token: string, ctx: Context): string {
  const lead = /^[("'[]*/.exec(token)?.[0] ?? '';
  const trail = /[)"'\],;:!?]*$/.exec(token.slice(lead.length))?.[0] ?? '';
  const core = token.slice(lead.length, token.length - trail.length);
  const said = sayCore(core, ctx);
  if (said === undefined) return saySymbols(token);
  // An abbreviation's period is part of it, yet one that ends a sentence still ends it.
  const abbreviation = Boolean(ABBREVIATIONS[core.toLowerCase()]) || said === 'number';
  const keepsPeriod = /\.$/.test(core) && !/[ap]\.m\.$/i.test(core) && !abbreviation;
  const endsSentence =
    abbreviation && /\.$/.test(core) && (ctx.next === undefined || /^[A-Z"(]/.test(ctx.next));
  const period = keepsPeriod || endsSentence ? '.' : '';
  return `${lead}${said}${period}${trail}`;
}

/** Anything still outside printable ASCII would reach Flite as junk: drop it. */
function asciiOnly(text: string): string {
  return text
    .replace(/[^\x20-\x7e]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function normalizeText(text: string): NormalizedText {
  const written = text.split(/\s+/).filter(Boolean);
  const folded = written.map((w) => foldToAscii(w).trim());
  const tokens: SpokenToken[] = written.map((w, i) => ({
    written: w,
    spoken: asciiOnly(
      sayToken(folded[i] as string, { previous: folded[i - 1], next: folded[i + 1] })
        .split(/\s+/)
        .join(' '),
    ),
  }));
  return {
    spoken: tokens
      .map((t) => t.spoken)
      .filter(Boolean)
      .join(' '),
    tokens,
  };
}
