import { describe, expect, it } from 'vitest';
import { addressed } from '../src/session/turn-pipeline.js';

describe('a reply addressed to one of several people', () => {
  it('opens with their name, the first word in lower case unless it keeps its capital', () => {
    expect(addressed('Sure, I can check that.', 'Bo')).toBe('Bo, sure, I can check that.');
    expect(addressed("I'm sorry to hear that.", 'Ana')).toBe("Ana, I'm sorry to hear that.");
    expect(addressed('DHL has it.', 'Ana')).toBe('Ana, DHL has it.');
  });

  it('leaves a reply that names them already', () => {
    expect(addressed('Hello, Bo! How can I help?', 'Bo')).toBe('Hello, Bo! How can I help?');
  });
});
