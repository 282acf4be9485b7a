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
