import type { SynthesisResult } from '@visemo/core';
import { describe, expect, it } from 'vitest';
import { SpokenReply } from '../src/session/spoken-reply.js';

function chunk(words: [string, number, number][], ms: number): SynthesisResult {
  return {
    audio: { samples: new Int16Array((ms / 1000) * 16000), sampleRate: 16000 },
    visemes: [],
    words: words.map(([word, startMs, endMs]) => ({ word, startMs, endMs })),
  };
}

describe('SpokenReply', () => {
  it('keeps only the words heard before the reported playback position, across chunks', () => {
    const reply = new SpokenReply();
    reply.addText('Your order has shipped.');
    reply.addAudio(
      chunk(
        [
          ['Your', 50, 200],
          ['order', 200, 500],
          ['has', 500, 650],
          ['shipped', 650, 1100],
        ],
        1200,
      ),
      0,
    );
    reply.addText('It arrives Friday.');
    reply.addAudio(
      chunk(
        [
          ['It', 40, 150],
          ['arrives', 150, 600],
          ['Friday', 600, 1000],
        ],
        1100,
      ),
      10,
    );
    expect(reply.spokenText()).toBe('Your order has shipped It arrives Friday');
    reply.markPlayed(1400);
    expect(reply.spokenText()).toBe('Your order has shipped It');
    reply.markPlayed(600);
    expect(reply.spokenText()).toBe('Your order has');
    reply.markPlayed(560); // "has" is under half played
    expect(reply.spokenText()).toBe('Your order');
  });

  it('reports all text when no audio was sent', () => {
    const reply = new SpokenReply();
    reply.addText('Hello.');
    reply.addText('How can I help?');
    expect(reply.spokenText()).toBe('Hello. How can I help?');
  });

  it('estimates whether the client still plays', () => {
    const reply = new SpokenReply();
    expect(reply.isPlayingAt(0)).toBe(false);
    reply.addAudio(chunk([], 1000), 100);
    expect(reply.isPlayingAt(900)).toBe(true);
    expect(reply.isPlayingAt(1200)).toBe(false);
  });
});
