/** What a span of personal data is; each kind has its placeholder, e.g. `email` → `[EMAIL]`. */
export type PiiKind = 'email' | 'phone' | 'card' | 'iban' | 'reference' | 'number' | 'name' | 'secret';

export interface PiiSpan {
  kind: PiiKind;
  /** The placeholder's word: `EMAIL`, `CARD`…, or a reference's own label (`ORDER_NUMBER`). */
  label: string;
  /** UTF-16 offsets into the text, `end` exclusive. */
  start: number;
  end: number;
  /**
   * The value in one canonical form, so that two spellings of it get the same keyed token:
   * digits only for numbers (`+` kept on international phones), lower case for e-mail addresses.
   */
  value: string;
}

export const PII_KINDS: readonly PiiKind[] = [
  'email',
  'phone',
  'card',
  'iban',
  'reference',
  'number',
  'name',
  'secret',
];

export const DEFAULT_LABELS: Record<PiiKind, string> = {
  email: 'EMAIL',
  phone: 'PHONE',
  card: 'CARD',
  iban: 'IBAN',
  reference: 'REFERENCE',
  number: 'NUMBER',
  name: 'NAME',
  secret: 'SECRET',
};

/**
 * Which span wins where two overlap and are equally long: the more specific, checksummed kinds
 * first.
 */
export const KIND_PRIORITY: Record<PiiKind, number> = {
  secret: 0,
  email: 1,
  iban: 2,
  card: 3,
  reference: 4,
  phone: 5,
  number: 6,
  name: 7,
};

export function span(kind: PiiKind, start: number, end: number, value: string, label?: string): PiiSpan {
  return { kind, label: label ?? DEFAULT_LABELS[kind], start, end, value };
}
