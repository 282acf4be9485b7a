import type { FeedbackRating } from '@visemo/client';
import { element } from './dom.js';

const CHOICES: { rating: FeedbackRating; label: string }[] = [
  { rating: 'up', label: 'This answer helped' },
  { rating: 'down', label: 'This answer did not help' },
];

/** Material Design's "thumb_up" (Apache-2.0), drawn in the page: no emoji font is needed. */
const THUMB =
  'M1 21h4V9H1v12zm22-11c0-1.1-.9-2-2-2h-6.31l.95-4.57.03-.32c0-.41-.17-.79-.44-1.06L14.17 1 7.59 7.59C7.22 7.95 7 8.45 7 9v10c0 1.1.9 2 2 2h9c.83 0 1.54-.5 1.84-1.22l3.02-7.05c.09-.23.14-.47.14-.73v-2z';
const SVG_NS = 'http://www.w3.org/2000/svg';

function thumbIcon(rating: FeedbackRating): SVGSVGElement {
  const svg = document.createElementNS(SVG_NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('width', '18');
  svg.setAttribute('height', '18');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  if (rating === 'down') svg.setAttribute('transform', 'rotate(180)');
  const path = document.createElementNS(SVG_NS, 'path');
  path.setAttribute('d', THUMB);
  path.setAttribute('fill', 'currentColor');
  svg.append(path);
  return svg;
}

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
    // The buttons sit in the captions' live log: they are controls to reach, not words to announce.
    this.group.setAttribute('aria-live', 'off');
    for (const { rating, label } of CHOICES) {
      const button = element('button', `rating-button ${rating}`);
      button.type = 'button';
      button.dataset.rating = rating;
      button.setAttribute('aria-label', label);
      button.setAttribute('aria-pressed', 'false');
      button.title = label;
      button.append(thumbIcon(rating));
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
