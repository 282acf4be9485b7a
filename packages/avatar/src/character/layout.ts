/**
 * Where the built-in character's features sit, in face units (head radius ≈ 1, +z towards the
 * viewer, +x the character's left).
 */
export const LAYOUT = {
  eye: { x: 0.34, y: 0.035, radius: 0.178 },
  /** How far the eyeball's front stands out of the head surface. */
  eyeProtrusion: 0.085,
  mouthY: -0.47,
  noseY: -0.2,
  browY: 0.3,
  /** The jaw turns about an axis along x through this point (y, z). */
  jawHinge: { y: -0.08, z: -0.12 },
  /** Head group origin relative to the neck pivot. */
  neckPivot: { y: -0.78, z: -0.06 },
} as const;

export const COLORS = {
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
  badge: 0xffffff,
  badgeStripe: 0xf08a5d,
} as const;
