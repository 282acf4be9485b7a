/**
 * Where the built-in character's features sit, in face units (head radius ≈ 1, +z towards the
 * viewer, +x the character's left).
 */
export const LAYOUT = {
  eye: { x: 0.3, y: 0.04, radius: 0.14 },
  /** How far the eyeball's front stands out of the head surface. */
  eyeProtrusion: 0.07,
  mouthY: -0.53,
  noseY: -0.27,
  browY: 0.25,
  /** The jaw turns about an axis along x through this point (y, z). */
  jawHinge: { y: -0.08, z: -0.12 },
  /** Head group origin relative to the neck pivot. */
  neckPivot: { y: -0.78, z: -0.06 },
} as const;
