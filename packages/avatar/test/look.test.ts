import type { BufferAttribute, Mesh, MeshStandardMaterial } from 'three';
import { describe, expect, it } from 'vitest';
import { buildCharacter } from '../src/character/build-character.js';
import { CHARACTERS, mixHex, resolveLook } from '../src/look.js';

/** Relative luminance of 0xrrggbb (sRGB channels, unlinearized: enough to order shades). */
const luma = (hex: number) =>
  0.2126 * ((hex >> 16) & 0xff) + 0.7152 * ((hex >> 8) & 0xff) + 0.0722 * (hex & 0xff);

describe('avatar looks', () => {
  it('default to maya, and theo is a different character', () => {
    expect(resolveLook()).toEqual(CHARACTERS.maya);
    const theo = resolveLook({ character: 'theo' });
    expect(theo.hairStyle).toBe('short');
    expect(theo.palette.skin).not.toBe(CHARACTERS.maya.palette.skin);
  });

  it('take the agent’s colours and derive their shades from them', () => {
    const look = resolveLook({
      character: 'theo',
      skin: '#8D5524',
      hair: '#c9a16a',
      eyes: '#2e7d32',
      clothes: '#6b2d5c',
    });
    expect(look.hairStyle).toBe('short');
    expect(look.palette).toMatchObject({ skin: 0x8d5524, hair: 0xc9a16a, iris: 0x2e7d32, shirt: 0x6b2d5c });
    expect(luma(look.palette.skinShadow)).toBeLessThan(luma(look.palette.skin));
    expect(luma(look.palette.hairLight)).toBeGreaterThan(luma(look.palette.hair));
    expect(luma(look.palette.collar)).toBeLessThan(luma(look.palette.shirt));
    // What was not named keeps the character's own.
    expect(resolveLook({ skin: '#8d5524' }).palette.hair).toBe(CHARACTERS.maya.palette.hair);
  });

  it('refuse a colour that is not #rrggbb, naming the part, and an unknown character', () => {
    expect(() => resolveLook({ hair: 'blonde' })).toThrow(/hair must be a colour/);
    expect(() => resolveLook({ character: 'zed' as 'maya' })).toThrow(/unknown character "zed"/);
  });

  it('mix colours per channel', () => {
    expect(mixHex(0x000000, 0xffffff, 0.5)).toBe(0x808080);
    expect(mixHex(0x102030, 0x102030, 0.7)).toBe(0x102030);
    expect(mixHex(0xff0000, 0x0000ff, 1)).toBe(0x0000ff);
  });

  it('build the 3D character in the look: its shirt colour, short hair above the ears', () => {
    const hairOf = (character: ReturnType<typeof buildCharacter>) => {
      let lowest = Number.POSITIVE_INFINITY;
      character.root.traverse((o) => {
        if (o.name !== 'hair') return;
        const p = (o as Mesh).geometry.getAttribute('position') as BufferAttribute;
        for (let k = 0; k < p.count; k++) lowest = Math.min(lowest, p.getY(k));
      });
      return lowest;
    };
    const shirtOf = (character: ReturnType<typeof buildCharacter>) => {
      let colour = -1;
      character.root.traverse((o) => {
        if (o.name === 'torso') colour = ((o as Mesh).material as MeshStandardMaterial).color.getHex();
      });
      return colour;
    };
    const maya = buildCharacter(resolveLook());
    const theo = buildCharacter(resolveLook({ character: 'theo', clothes: '#6b2d5c' }));
    // The bob reaches below the ears (head-space y < 0); the short cut stays above them.
    expect(hairOf(maya)).toBeLessThan(-0.3);
    expect(hairOf(theo)).toBeGreaterThan(hairOf(maya) + 0.2);
    expect(shirtOf(theo)).not.toBe(shirtOf(maya));
    maya.dispose();
    theo.dispose();
  });
});
