import type { FeedbackRating } from '@visemo/client';
import { element } from './dom.js';

const CHOICES: { rating: FeedbackRating; label: string; glyph: string }[] = [
  { rating: 'up', label: 'This answer helped', glyph: '👍' },
  { rating: 'down', label: 'This answer did not help', glyph: '👎' },
];

/**
 * Thumbs up and down under one answer: two toggle buttons (`aria-pressed`) in a labelled group,
 * reachable by Tab and pressed with Enter or Space like any button. At most one is pressed.
 */
export class AnswerRating {
  readonly group: HTMLDivElement;
  private readonly buttons = new Map<FeedbackRating, HTMLButtonElement>();

  constructor(rate: (rating: FeedbackRating) => void) {
    this.group = element('div', 'rating');
    this.group.setAttribute('role', 'group');
    this.group.setAttribute('aria-label', 'Rate this answer');
    for (const { rating, label, glyph } of CHOICES) {
      const button = element('button', `rating-button ${rating}`);
      button.type = 'button';
      button.dataset.rating = rating;
      button.setAttribute('aria-label', label);
      button.setAttribute('aria-pressed', 'false');
      button.title = label;
      const icon = element('span', undefined, glyph);
      icon.setAttribute('aria-hidden', 'true');
      button.append(icon);
      button.addEventListener('click', () => {
        this.show(rating);
        rate(rating);
      });
      this.buttons.set(rating, button);
      this.group.append(button);
    }
  }

  /** Shows `rating` as the one chosen (null: none). */
  show(rating: FeedbackRating | null): void {
    for (const [value, button] of this.buttons) button.setAttribute('aria-pressed', String(value === rating));
  }
}
