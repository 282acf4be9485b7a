import type { GrammarInput } from '../../src/asr/grammar.js';

/**
 * The grammar recognizer's test domain: a customer-support agent's phrases and slots, what callers
 * say within it (whole sentences and order numbers), and what they might say that it does not
 * cover. The recognizer's tests and its benchmark share them.
 */

/** A customer-support domain, as an agent would define it. */
export const SUPPORT_DOMAIN: GrammarInput = {
  phrases: [
    'What are your opening hours?',
    'When do you open?',
    'When do you close?',
    'Where is my order?',
    'I want to check my order status',
    'My order number is {order_number}',
    // How people answer "what is your order number?" (as the NLU's domain phrases put it).
    '{order_number}',
    "It's {order_number}",
    'It is {order_number}',
    '{order_number} please',
    'Do you ship to {country}',
    'How much is delivery to {country}',
    'Cancel my order',
    'I want to return an item',
    'How do I get a refund?',
    'Talk to a human agent',
    'Can I speak to a person?',
    'Yes',
    'No',
    'Yes please',
    'No thank you',
    'Thank you',
    'Goodbye',
    'Hello',
    'I forgot my password',
    'Reset my password',
    'How much is shipping?',
    'Do you ship abroad?',
    'Change my delivery address',
    'The package arrived damaged',
    'I was charged twice',
    'Update my payment method',
    'Repeat that please',
  ],
  slots: [
    { name: 'order_number', kind: 'digits', min: 6, max: 6 },
    {
      name: 'country',
      kind: 'values',
      values: ['Germany', 'Austria', 'France', 'Italy', 'Spain', 'Portugal', 'Denmark', 'Norway', 'Ireland'],
    },
  ],
};

/** What people say to the support agent, within its grammar. */
export const IN_GRAMMAR = [
  'what are your opening hours',
  'where is my order',
  'i want to check my order status',
  'my order number is one two three four five six',
  'my order number is nine oh four seven two one',
  'do you ship to france',
  'cancel my order',
  'how do i get a refund',
  'talk to a human agent',
  'yes',
  'no thank you',
  'i forgot my password',
  'how much is shipping',
  'change my delivery address',
  'i was charged twice',
  'the package arrived damaged',
  'goodbye',
];

/** Order numbers as people say them to the support agent: alone, or after a few words. */
export const DIGIT_STRINGS = [
  'four eight two nine one three',
  'seven three five one oh two',
  'three three eight zero one five',
  'six nine two five seven four',
  "it's eight four oh two five nine",
  'it is three six two seven one four',
  'my order number is two eight six four nine one',
  'one four seven two five eight please',
];

/** What people might say that the support agent's grammar does not cover. */
export const OUT_OF_GRAMMAR = [
  'the weather is lovely in paris today',
  'can you recommend a good italian restaurant',
  'my cat likes to sleep on the sofa',
  'please play some jazz music',
  'what time does the football game start',
  'i would like to book a flight to boston',
  'how tall is mount everest',
  'turn off the lights in the kitchen',
  'who won the election last year',
  'tell me a joke about computers',
  'set an alarm for seven in the morning',
  'the quick brown fox jumps over the lazy dog',
  'is it going to rain tomorrow',
  'what is the capital of australia',
  'i need a taxi to the airport',
  'how do you make chocolate cake',
  // Near misses: an order number of the wrong length, an unknown word after known ones.
  'seven three five',
  'one two three four five six seven eight',
  'where is my cat',
  'do you ship to japan',
];
