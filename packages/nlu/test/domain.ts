import { AgentSchema, type AgentSpec } from '@visemo/core';

/** A small support agent, the size of a real one: a few intents with about ten examples each. */
export function supportAgent(threshold = 0.5): AgentSpec {
  return AgentSchema.parse({
    persona: { name: 'Ada', greeting: 'Hello! How can I help?' },
    nlu: { threshold },
    intents: [
      {
        name: 'greet',
        examples: [
          'hello',
          'hi there',
          'good morning',
          'hey',
          'hello, anyone there?',
          'good evening',
          'hi, how are you',
          'hey there',
        ],
      },
      {
        name: 'order_status',
        examples: [
          'where is my order',
          'has my order shipped yet',
          "what's the status of order 12345",
          'I want to track my package',
          'when will my parcel arrive',
          'my order has not arrived',
          'track order 555123',
          'is my delivery on its way',
          'can you check on my order',
          'where is my parcel',
        ],
      },
      {
        name: 'opening_hours',
        examples: [
          'when are you open',
          'what are your opening hours',
          'are you open on Sunday',
          'what time do you close today',
          'what time does the store open',
          'are you open on saturday morning',
          'how late are you open',
          'business hours please',
        ],
      },
      {
        name: 'return_item',
        examples: [
          'I want to return my shoes',
          'how do I send back a jacket',
          'can I return this item',
          'I need a refund for my jeans',
          'the dress does not fit, can I return it',
          'how do returns work',
          'I would like my money back',
          'return policy',
        ],
      },
      {
        name: 'store_location',
        examples: [
          'where is your shop in Paris',
          'do you have a store in Berlin',
          'what is the address of the London store',
          'where are you located',
          'how do I get to your shop',
          'is there a branch near me',
          'which city are your stores in',
          'store address in Madrid',
        ],
      },
      {
        name: 'buy_tickets',
        examples: [
          'I want 2 tickets for the show',
          'book three tickets please',
          'can I buy tickets for tonight',
          'I need four seats',
          'get me twenty five tickets for the concert',
          'how do I buy a ticket',
          'reserve 10 seats for saturday',
          'tickets for two adults',
        ],
      },
      {
        name: 'goodbye',
        examples: [
          'bye',
          'goodbye',
          'see you later',
          'thanks, that is all',
          'have a nice day',
          'talk to you later',
          'bye bye',
          "that's everything, thanks",
        ],
      },
    ],
    entities: [
      {
        name: 'city',
        values: [
          { value: 'Paris' },
          { value: 'Berlin' },
          { value: 'London' },
          { value: 'Madrid' },
          { value: 'New York', synonyms: ['NYC', 'the big apple'] },
          { value: 'Munich', synonyms: ['münchen'] },
        ],
      },
      {
        name: 'garment',
        values: [
          { value: 'shoes' },
          { value: 'jacket' },
          { value: 'jeans' },
          { value: 'dress' },
          { value: 'sweater', synonyms: ['jumper'] },
        ],
      },
      { name: 'order_number', kind: 'digits', length: { min: 5, max: 8 } },
      { name: 'quantity', kind: 'number' },
    ],
    flows: [
      {
        name: 'track_order',
        slots: [
          {
            name: 'order_number',
            entity: 'order_number',
            prompt: 'What is your order number?',
            reprompts: ['Sorry, what was the order number? It has five to eight digits.'],
          },
        ],
        response: 'Order {order_number} is on its way.',
      },
      {
        name: 'find_store',
        slots: [{ name: 'city', entity: 'city', prompt: 'Which city?', reprompts: ['Which city was that?'] }],
        response: 'Our {city} store is on the main square.',
      },
    ],
  });
}
