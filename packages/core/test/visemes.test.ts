import { describe, expect, it } from 'vitest';
import {
  ARKIT_MOUTH_SHAPES,
  azureIdToViseme,
  type PhoneTiming,
  phonesToVisemes,
  phoneToViseme,
  VISEMES,
  type VisemeCue,
  VisemoError,
  visemeToArkit,
  visemeToAzureId,
  visemeToVrm,
} from '../src/index.js';

/** Contiguous phones of `ms` each. */
function timed(phones: string[], ms = 80): PhoneTiming[] {
  return phones.map((phone, i) => ({ phone, startMs: i * ms, endMs: (i + 1) * ms }));
}

function expectContiguous(cues: VisemeCue[]): void {
  for (let i = 1; i < cues.length; i++) expect(cues[i]?.startMs).toBe(cues[i - 1]?.endMs);
}

describe('phoneToViseme', () => {
  it('maps ARPAbet as Flite prints it, with or without stress, upper or lower case', () => {
    expect(phoneToViseme('pau')).toBe('sil');
    expect(phoneToViseme('p')).toBe('PP');
    expect(phoneToViseme('M')).toBe('PP');
    expect(phoneToViseme('v')).toBe('FF');
    expect(phoneToViseme('dh')).toBe('TH');
    expect(phoneToViseme('t')).toBe('DD');
    expect(phoneToViseme('ng')).toBe('kk');
    expect(phoneToViseme('jh')).toBe('CH');
    expect(phoneToViseme('z')).toBe('SS');
    expect(phoneToViseme('l')).toBe('nn');
    expect(phoneToViseme('er')).toBe('RR');
    expect(phoneToViseme('AA1')).toBe('aa');
    expect(phoneToViseme('ax')).toBe('aa');
    expect(phoneToViseme('EH0')).toBe('E');
    expect(phoneToViseme('iy2')).toBe('ih');
    expect(phoneToViseme('ao')).toBe('oh');
    expect(phoneToViseme('UW1')).toBe('ou');
    expect(phoneToViseme('y')).toBe('ih');
  });

  it('maps IPA, ignoring stress, length and diacritics', () => {
    expect(phoneToViseme('ˈɑː', 'ipa')).toBe('aa');
    expect(phoneToViseme('ə', 'ipa')).toBe('aa');
    expect(phoneToViseme('ɛ', 'ipa')).toBe('E');
    expect(phoneToViseme('ɪ', 'ipa')).toBe('ih');
    expect(phoneToViseme('ɔ', 'ipa')).toBe('oh');
    expect(phoneToViseme('uː', 'ipa')).toBe('ou');
    expect(phoneToViseme('θ', 'ipa')).toBe('TH');
    expect(phoneToViseme('ð')).toBe('TH');
    expect(phoneToViseme('t͡ʃ', 'ipa')).toBe('CH');
    expect(phoneToViseme('dʒ', 'ipa')).toBe('CH');
    expect(phoneToViseme('ŋ', 'ipa')).toBe('kk');
    expect(phoneToViseme('ɹ', 'ipa')).toBe('RR');
    expect(phoneToViseme('ɾ', 'ipa')).toBe('DD');
    expect(phoneToViseme('ɑ̃', 'ipa')).toBe('aa');
    // The one clash: IPA y is a rounded vowel, ARPAbet y a glide.
    expect(phoneToViseme('y', 'ipa')).toBe('ou');
  });

  it('rounds the lips for French front rounded vowels, nasal or not, and gives the uvular r its shape', () => {
    const french = { ˈø: 'oh', œ: 'oh', œ̃: 'oh', ɔ̃: 'oh', ɛ̃: 'E', ʁ: 'RR' };
    for (const [phone, viseme] of Object.entries(french)) expect(phoneToViseme(phone, 'ipa')).toBe(viseme);
  });

  it('says undefined for symbols it does not know', () => {
    expect(phoneToViseme('xyz', 'arpabet')).toBeUndefined();
    expect(phoneToViseme('★')).toBeUndefined();
  });
});

describe('phonesToVisemes', () => {
  it('gives a contiguous timeline covering the phones', () => {
    // "hello world" as Flite's slt prints it (-psdur end times in s).
    const ends: [string, number][] = [
      ['pau', 0.164],
      ['hh', 0.255],
      ['ax', 0.304],
      ['l', 0.412],
      ['ow', 0.548],
      ['w', 0.663],
      ['er', 0.789],
      ['l', 0.971],
      ['d', 1.025],
      ['pau', 1.151],
    ];
    const phones = ends.map(([phone, end], i) => ({
      phone,
      startMs: i === 0 ? 0 : (ends[i - 1]?.[1] ?? 0) * 1000,
      endMs: end * 1000,
    }));
    const cues = phonesToVisemes(phones);
    expectContiguous(cues);
    expect(cues[0]).toMatchObject({ viseme: 'sil', startMs: 0 });
    expect(cues.at(-1)).toMatchObject({ viseme: 'sil', endMs: 1151 });
    // hh takes the following schwa's shape, so one 'aa' covers 164..304.
    expect(cues[1]).toMatchObject({ viseme: 'aa', startMs: 164, endMs: 304 });
    expect(cues.map((c) => c.viseme)).toEqual(['sil', 'aa', 'nn', 'oh', 'ou', 'RR', 'nn', 'DD', 'sil']);
  });

  it('merges adjacent identical visemes', () => {
    const cues = phonesToVisemes(timed(['s', 'z', 'aa', 'ae']));
    expect(cues).toEqual([
      { viseme: 'SS', startMs: 0, endMs: 160 },
      { viseme: 'aa', startMs: 160, endMs: 320 },
    ]);
  });

  it('splits diphthongs into their two shapes', () => {
    const cues = phonesToVisemes(timed(['b', 'ay'], 100));
    expect(cues).toEqual([
      { viseme: 'PP', startMs: 0, endMs: 100 },
      { viseme: 'aa', startMs: 100, endMs: 160 },
      { viseme: 'ih', startMs: 160, endMs: 200 },
    ]);
    expect(phonesToVisemes(timed(['aʊ'], 100), { alphabet: 'ipa' }).map((c) => c.viseme)).toEqual([
      'aa',
      'ou',
    ]);
  });

  it('folds very short cues into their neighbours', () => {
    const phones: PhoneTiming[] = [
      { phone: 'aa', startMs: 0, endMs: 100 },
      { phone: 't', startMs: 100, endMs: 110 },
      { phone: 'iy', startMs: 110, endMs: 200 },
    ];
    const cues = phonesToVisemes(phones);
    expect(cues).toEqual([
      { viseme: 'aa', startMs: 0, endMs: 105 },
      { viseme: 'ih', startMs: 105, endMs: 200 },
    ]);
  });

  it('keeps a short lip closure, lengthened from its neighbours', () => {
    const phones: PhoneTiming[] = [
      { phone: 'aa', startMs: 0, endMs: 100 },
      { phone: 'p', startMs: 100, endMs: 120 },
      { phone: 'aa', startMs: 120, endMs: 220 },
    ];
    const cues = phonesToVisemes(phones, { minCueMs: 40 });
    expect(cues.map((c) => c.viseme)).toEqual(['aa', 'PP', 'aa']);
    expect((cues[1]?.endMs ?? 0) - (cues[1]?.startMs ?? 0)).toBe(40);
    expectContiguous(cues);
  });

  it('fills long gaps with silence and closes short ones', () => {
    const cues = phonesToVisemes([
      { phone: 'aa', startMs: 0, endMs: 100 },
      { phone: 'm', startMs: 110, endMs: 200 },
      { phone: 'iy', startMs: 400, endMs: 500 },
    ]);
    expect(cues).toEqual([
      { viseme: 'aa', startMs: 0, endMs: 110 },
      { viseme: 'PP', startMs: 110, endMs: 200 },
      { viseme: 'sil', startMs: 200, endMs: 400 },
      { viseme: 'ih', startMs: 400, endMs: 500 },
    ]);
  });

  it('returns nothing for no phones', () => {
    expect(phonesToVisemes([])).toEqual([]);
  });
});

describe('other rigs', () => {
  it('gives every viseme a distinct ARKit pose with all shapes in range, silence at rest', () => {
    const poses = VISEMES.map((v) => visemeToArkit(v));
    for (const pose of poses) {
      expect(Object.keys(pose).sort()).toEqual([...ARKIT_MOUTH_SHAPES].sort());
      for (const w of Object.values(pose)) expect(w).toBeGreaterThanOrEqual(0);
      for (const w of Object.values(pose)) expect(w).toBeLessThanOrEqual(1);
    }
    expect(Object.values(visemeToArkit('sil')).every((w) => w === 0)).toBe(true);
    expect(new Set(poses.map((p) => JSON.stringify(p))).size).toBe(VISEMES.length);
    expect(visemeToArkit('aa').jawOpen).toBeGreaterThan(visemeToArkit('ih').jawOpen);
    expect(visemeToArkit('ou').mouthPucker).toBeGreaterThan(visemeToArkit('E').mouthPucker);
    expect(visemeToArkit('SS').mouthSmileLeft).toBe(visemeToArkit('SS').mouthSmileRight);
  });

  it('maps vowels to their VRM expression', () => {
    const strongest = (v: (typeof VISEMES)[number]) =>
      Object.entries(visemeToVrm(v)).sort((a, b) => b[1] - a[1])[0]?.[0];
    expect(strongest('aa')).toBe('aa');
    expect(strongest('E')).toBe('ee');
    expect(strongest('ih')).toBe('ih');
    expect(strongest('oh')).toBe('oh');
    expect(strongest('ou')).toBe('ou');
    expect(visemeToVrm('sil')).toEqual({ aa: 0, ih: 0, ou: 0, ee: 0, oh: 0 });
  });

  it('round-trips every viseme through Azure viseme IDs', () => {
    for (const v of VISEMES) {
      const id = visemeToAzureId(v);
      expect(id).toBeGreaterThanOrEqual(0);
      expect(id).toBeLessThanOrEqual(21);
      expect(azureIdToViseme(id)).toBe(v);
    }
    for (let id = 0; id <= 21; id++) expect(VISEMES).toContain(azureIdToViseme(id));
    expect(() => azureIdToViseme(22)).toThrow(VisemoError);
    expect(() => azureIdToViseme(1.5)).toThrow(VisemoError);
  });
});
