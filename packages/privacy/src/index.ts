export { CARD_DIGITS, findCardNumbers, isCardNumber, luhnValid } from './card.js';
export { DEFAULT_MIN_SPOKEN_DIGITS, detectPii, type PiiOptions } from './detect.js';
export { findEmails } from './email.js';
export { findIbans, ibanValid } from './iban.js';
export {
  CENSOR,
  CREDENTIAL_HEADERS,
  DEFAULT_TEXT_FIELDS,
  type LoggerRedactionOptions,
  loggerRedaction,
  type RedactionOptions,
  withoutQuery,
  withoutQueryStrings,
} from './logger-redaction.js';
export { nameSpans } from './names.js';
export { findPhoneNumbers, phoneValue } from './phone.js';
export { DEFAULT_LABELS, PII_KINDS, type PiiKind, type PiiSpan } from './pii-span.js';
export { type Key, keyedToken, pseudonym, redactText, type TokenizeOptions, tokenizeText } from './redact.js';
export { findReferences, type ReferencePattern, referencePatternsFromEntities } from './reference.js';
export { findSecrets } from './secret.js';
export { findSpokenDigits, type SpokenDigits } from './spoken-digits.js';
