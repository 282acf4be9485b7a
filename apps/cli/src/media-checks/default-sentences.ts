/**
 * What `visemo check` says when given no `--sentences` file: replies of the length and kind an
 * agent speaks — a greeting, numbers, a question, a list, a long sentence, a one-word answer.
 */
export const DEFAULT_SENTENCES: readonly string[] = [
  'Hello, thank you for calling. How can I help you today?',
  'Your order 4 8 2 9 1 3 was shipped on Monday and should arrive within three days.',
  'Could you tell me the email address you used when you placed the order?',
  'We are open Monday to Friday from nine in the morning until six in the evening.',
  'I am sorry to hear that. Let me connect you with one of my colleagues.',
  'You can return any item within thirty days for a full refund, as long as it is unused.',
  'Sure.',
  'The clinic is on the second floor, next to the pharmacy, opposite the lifts.',
  'Please keep your receipt, your order number and the original packaging ready.',
  'Is there anything else I can help you with?',
];
