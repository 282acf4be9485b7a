import type { AvatarLookSpec, CharacterName } from '@visemo/core/avatar-look';

export type { AvatarLookSpec, CharacterName };

export type HairStyle = 'bob' | 'short';

/** Every colour the character is drawn with, as 0xrrggbb. */
export interface Palette {
  skin: number;
  skinShadow: number;
  blush: number;
  lip: number;
  lipDark: number;
  mouthInside: number;
  mouthInsideLight: number;
  tongue: number;
  teeth: number;
  hair: number;
  hairLight: number;
  brow: number;
  lash: number;
  iris: number;
  irisDark: number;
  sclera: number;
  shirt: number;
  shirtLight: number;
  collar: number;
  /** What shows in the jacket's V with `clothing: 'shirt'`. */
  undershirt: number;
  badge: number;
  badgeStripe: number;
}

/** A look made concrete: what the builders draw. */
export interface AvatarLook {
  character: CharacterName;
  hairStyle: HairStyle;
  /** Brow thickness, 1 = the default. */
  browWeight: number;
  /** A shadow of stubble along the jaw, 0..1. */
  stubble: number;
  /** Lash line drawn above the eyes. */
  lashes: boolean;
  /** Eye shadow on the upper lids, 0..1 (the 3D character). */
  makeup: number;
  /** Build, in face units (the head's half-width is about 0.8): shoulder half-width, neck radius;
   * `jaw` from 0 (narrow, a pointed chin) to 1 (broad and square). */
  body: { shoulders: number; neck: number; jaw: number };
  /** Under the jacket: a shirt with its collar, or an open neckline. */
  clothing: 'shirt' | 'open';
  palette: Palette;
}

const MAYA: AvatarLook = {
  character: 'maya',
  hairStyle: 'bob',
  browWeight: 1,
  stubble: 0,
  lashes: true,
  makeup: 1,
  body: { shoulders: 1.95, neck: 0.33, jaw: 0.25 },
  clothing: 'open',
  palette: {
    skin: 0xf5c6a5,
    skinShadow: 0xe7a98a,
    blush: 0xf59a92,
    lip: 0xd9787a,
    lipDark: 0xb95d62,
    mouthInside: 0x3a1015,
    mouthInsideLight: 0x7c2a33,
    tongue: 0xd46a72,
    teeth: 0xf7f3ec,
    hair: 0x35190f,
    hairLight: 0x5a2f1f,
    brow: 0x3e2219,
    lash: 0x22130f,
    iris: 0x4f8fa8,
    irisDark: 0x1f4a5e,
    sclera: 0xfbfaf7,
    shirt: 0x2f7f86,
    shirtLight: 0x3f9aa0,
    collar: 0x226a70,
    undershirt: 0xf1f3f5,
    badge: 0xffffff,
    badgeStripe: 0xf08a5d,
  },
};

const THEO: AvatarLook = {
  character: 'theo',
  hairStyle: 'short',
  browWeight: 1.35,
  stubble: 0.55,
  lashes: false,
  makeup: 0,
  body: { shoulders: 2.2, neck: 0.39, jaw: 0.65 },
  clothing: 'shirt',
  palette: {
    ...MAYA.palette,
    skin: 0xc98e6b,
    skinShadow: 0xab7255,
    blush: 0xc98276,
    lip: 0xb46a62,
    lipDark: 0x8f4e4b,
    hair: 0x1d1410,
    hairLight: 0x3a2a20,
    brow: 0x241812,
    lash: 0x1a110d,
    iris: 0x6b4a2b,
    irisDark: 0x2e1d10,
    shirt: 0x34506e,
    shirtLight: 0x46678a,
    collar: 0x263d56,
  },
};

/** How each built-in character looks (the 3D character and the 2D face draw the same). */
export const CHARACTERS: Readonly<Record<CharacterName, AvatarLook>> = { maya: MAYA, theo: THEO };
export const DEFAULT_LOOK: AvatarLook = MAYA;

/** Parses `#rrggbb`; throws a RangeError naming the field for anything else. */
export function parseColour(value: string, field: string): number {
  if (!/^#[0-9a-f]{6}$/i.test(value))
    throw new RangeError(`${field} must be a colour like #a0522d, not "${value}"`);
  return Number.parseInt(value.slice(1), 16);
}

/** The look a spec asks for: its character, with the colours it names and their shades derived. */
export function resolveLook(spec: AvatarLookSpec = {}): AvatarLook {
  const base = CHARACTERS[spec.character ?? 'maya'];
  if (!base)
    throw new RangeError(`unknown character "${spec.character}" (${Object.keys(CHARACTERS).join(', ')})`);
  const palette = { ...base.palette };
  if (spec.skin !== undefined) {
    const skin = parseColour(spec.skin, 'skin');
    Object.assign(palette, {
      skin,
      skinShadow: mixHex(skin, 0x6b2a1a, 0.18),
      blush: mixHex(skin, 0xf0707a, 0.35),
      lip: mixHex(skin, 0xb0404a, 0.4),
      lipDark: mixHex(skin, 0x6a2030, 0.5),
    });
  }
  if (spec.hair !== undefined) {
    const hair = parseColour(spec.hair, 'hair');
    Object.assign(palette, {
      hair,
      hairLight: mixHex(hair, 0xffffff, 0.14),
      brow: mixHex(hair, 0x000000, 0.1),
    });
  }
  if (spec.eyes !== undefined) {
    const iris = parseColour(spec.eyes, 'eyes');
    Object.assign(palette, { iris, irisDark: mixHex(iris, 0x000000, 0.55) });
  }
  if (spec.clothes !== undefined) {
    const shirt = parseColour(spec.clothes, 'clothes');
    Object.assign(palette, {
      shirt,
      shirtLight: mixHex(shirt, 0xffffff, 0.15),
      collar: mixHex(shirt, 0x000000, 0.22),
    });
  }
  return { ...base, palette };
}

/** Mixes two 0xrrggbb colours per channel, `t` of the way from `a` to `b`. */
export function mixHex(a: number, b: number, t: number): number {
  let out = 0;
  for (const shift of [16, 8, 0]) {
    const x = (a >> shift) & 0xff;
    const y = (b >> shift) & 0xff;
    out |= Math.round(x + (y - x) * t) << shift;
  }
  return out;
}

/** `#rrggbb` of a 0xrrggbb colour, for SVG and canvas. */
export function cssColour(hex: number): string {
  return `#${hex.toString(16).padStart(6, '0')}`;
}
