import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hasPicoLingware } from '@visemo/speech';
import { describe, expect, it } from 'vitest';
import { createProviders, type ProviderEvent, ProvidersConfigSchema } from '../src/index.js';

describe('pico in agent.yaml', () => {
  it('accepts only Pico voices', () => {
    expect(ProvidersConfigSchema.safeParse({ tts: [{ type: 'pico', voice: 'en-GB' }] }).success).toBe(true);
    expect(ProvidersConfigSchema.safeParse({ tts: [{ type: 'pico', voice: 'slt' }] }).success).toBe(false);
  });

  it('falls back to Flite where the lingware is missing, and says why', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'visemo-pico-'));
    const events: ProviderEvent[] = [];
    const config = ProvidersConfigSchema.parse({
      tts: [{ type: 'pico', lingwareDir: empty }, { type: 'flite' }],
    });
    const providers = createProviders(config, {}, { onEvent: (e) => events.push(e) });
    try {
      expect(providers.tts?.name).toBe('fallback(pico > flite)');
      const result = await providers.tts?.synthesize({ text: 'Hello there.' });
      expect(result?.audio.samples.length).toBeGreaterThan(8000);
      expect(events).toContainEqual(
        expect.objectContaining({ type: 'provider-fallback', from: 'pico', to: 'flite' }),
      );
      const failed = events.find((e) => e.type === 'provider-failed');
      expect(JSON.stringify(failed)).toContain('libttspico-data');
    } finally {
      await providers.close();
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it.skipIf(!hasPicoLingware('en-GB'))('speaks the configured voice with visemes', async () => {
    const config = ProvidersConfigSchema.parse({ tts: [{ type: 'pico', voice: 'en-GB' }] });
    const providers = createProviders(config, {});
    try {
      const result = await providers.tts?.synthesize({
        text: 'Good morning, how can I help?',
        voice: 'en-GB',
      });
      expect(result?.words.map((w) => w.word.toLowerCase())).toEqual([
        'good',
        'morning',
        'how',
        'can',
        'i',
        'help',
      ]);
      expect(result?.visemes.some((v) => v.viseme === 'PP')).toBe(true);
    } finally {
      await providers.close();
    }
  });
});
