import {
  BoxGeometry,
  CanvasTexture,
  CircleGeometry,
  CylinderGeometry,
  DoubleSide,
  Float32BufferAttribute,
  Group,
  LatheGeometry,
  type Material,
  Mesh,
  MeshBasicMaterial,
  MeshPhysicalMaterial,
  MeshStandardMaterial,
  type Object3D,
  SphereGeometry,
  SRGBColorSpace,
  TorusGeometry,
  Vector2,
} from 'three';
import { type AvatarLook, DEFAULT_LOOK, mixHex } from '../look.js';
import { CHANNEL_MOUTH, type MouthParams, mouthParams, VISEME_MOUTH } from '../mouth-model.js';
import { VISEMES } from '../visemes.js';
import { BROW_REST, type BrowParams, browPositions, browTopology } from './brows.js';
import {
  drawEyeTexture,
  eyeCentre,
  LID_BLINK,
  LID_CHEEK,
  LID_REST,
  LID_SQUINT,
  LID_WIDE,
  type LidParams,
  lidLerp,
  lidPositions,
  lidTopology,
} from './eyes.js';
import { hairGeometryData } from './hair.js';
import { type HeadShape, headPositions, headTopology, jawAngleForDrop } from './head.js';
import { LAYOUT } from './layout.js';
import { morphGeometry } from './morph-geometry.js';
import { mouthPositions, mouthTopology } from './mouth.js';
import { FrontSurface } from './surface.js';

/** One morph channel's whole-face shape. */
interface FaceShape {
  mouth: MouthParams;
  head: HeadShape;
  lidL: LidParams;
  lidR: LidParams;
  browL: BrowParams;
  browR: BrowParams;
}

const REST_SHAPE: FaceShape = {
  mouth: mouthParams({}),
  head: { jaw: 0, cheekL: 0, cheekR: 0 },
  lidL: LID_REST,
  lidR: LID_REST,
  browL: BROW_REST,
  browR: BROW_REST,
};

/** Blink in-betweens: a lid sweeping 35° moves along an arc, which straight morphs would cut through. */
export const BLINK_STEPS = [1 / 3, 2 / 3, 1] as const;

function faceShapes(lipZ: number): Map<string, FaceShape> {
  const shapes = new Map<string, FaceShape>();
  const withMouth = (change: Partial<MouthParams>): Pick<FaceShape, 'mouth' | 'head'> => {
    const mouth = mouthParams(change);
    return { mouth, head: { ...REST_SHAPE.head, jaw: jawAngleForDrop(mouth.gap * mouth.jawShare, lipZ) } };
  };
  for (const v of VISEMES) shapes.set(`viseme_${v}`, { ...REST_SHAPE, ...withMouth(VISEME_MOUTH[v]) });
  for (const [name, change] of Object.entries(CHANNEL_MOUTH)) {
    const shape: FaceShape = { ...REST_SHAPE, ...withMouth(change) };
    if (name === 'mouthSmileLeft') shape.head = { ...shape.head, cheekL: 1 };
    if (name === 'mouthSmileRight') shape.head = { ...shape.head, cheekR: 1 };
    shapes.set(name, shape);
  }
  for (const [suffix, side] of [
    ['Left', 'L'],
    ['Right', 'R'],
  ] as const) {
    const lid = `lid${side}` as const;
    const brow = `brow${side}` as const;
    for (const step of BLINK_STEPS) {
      const name = step === 1 ? `eyeBlink${suffix}` : `eyeBlink${suffix}@${step.toFixed(3)}`;
      shapes.set(name, { ...REST_SHAPE, [lid]: lidLerp(LID_REST, LID_BLINK, step) });
    }
    shapes.set(`eyeWide${suffix}`, { ...REST_SHAPE, [lid]: LID_WIDE });
    shapes.set(`eyeSquint${suffix}`, { ...REST_SHAPE, [lid]: LID_SQUINT });
    shapes.set(`cheekSquint${suffix}`, {
      ...REST_SHAPE,
      [lid]: LID_CHEEK,
      head: { ...REST_SHAPE.head, [`cheek${side}`]: 0.6 },
    });
    shapes.set(`browOuterUp${suffix}`, { ...REST_SHAPE, [brow]: { ...BROW_REST, outer: 0.095 } });
    shapes.set(`browDown${suffix}`, {
      ...REST_SHAPE,
      [brow]: { ...BROW_REST, down: 0.055, inner: -0.05, pull: 0.03 },
    });
  }
  shapes.set('browInnerUp', {
    ...REST_SHAPE,
    browL: { ...BROW_REST, inner: 0.1 },
    browR: { ...BROW_REST, inner: 0.1 },
  });
  return shapes;
}

/** The built-in character, with handles for what the renderer animates. */
export interface BuiltInCharacter {
  root: Group;
  /** Turns the head (rotation about the neck). */
  headPivot: Group;
  /** Eyeballs' pivots; rotate for gaze (x = pitch down, y = yaw). */
  eyes: { left: Object3D; right: Object3D };
  /** Chest and shoulders; scaled slightly for breathing. */
  chest: Object3D;
  /** Meshes carrying morph targets. */
  morphMeshes: Mesh[];
  /** Point the camera should aim at, and its distance for a head-and-shoulders view. */
  framing: { target: [number, number, number]; distance: number };
  dispose(): void;
}

/**
 * Standard (not physical) materials throughout: on software GL (SwiftShader) the physical
 * model's sheen and clearcoat lobes cost a large share of the frame.
 */
function skinMaterial(vertexColors: boolean, skinColour: number): MeshStandardMaterial {
  return new MeshStandardMaterial({
    color: vertexColors ? 0xffffff : skinColour,
    vertexColors,
    roughness: 0.6,
    // A faint warm emissive lifts the shadows the way light scattered under skin does.
    emissive: 0x3a1408,
    emissiveIntensity: 0.35,
  });
}

export function buildCharacter(look: AvatarLook = DEFAULT_LOOK): BuiltInCharacter {
  const { palette } = look;
  const materials: Material[] = [];
  const track = <M extends Material>(m: M): M => {
    materials.push(m);
    return m;
  };
  const root = new Group();
  root.name = 'visemo-character';

  // ---- head: rest shape first, since everything on the face is placed on it.
  const head = headTopology(palette, look.stubble);
  const surface = new FrontSurface(head.rest, head.index);
  const lipZ = surface.z(0, LAYOUT.mouthY);
  const shapes = faceShapes(lipZ);
  const skin = track(skinMaterial(true, palette.skin));

  const targetsOf = (f: (shape: FaceShape) => Float32Array) => {
    const out = new Map<string, Float32Array>();
    for (const [name, shape] of shapes) out.set(name, f(shape));
    return out;
  };
  const meshOf = (
    name: string,
    geometry: ReturnType<typeof morphGeometry>,
    material: Material,
    order = 0,
  ) => {
    const mesh = new Mesh(geometry, material);
    mesh.name = name;
    mesh.renderOrder = order;
    mesh.updateMorphTargets();
    return mesh;
  };

  const headPivot = new Group();
  headPivot.name = 'headPivot';
  headPivot.position.set(0, LAYOUT.neckPivot.y, LAYOUT.neckPivot.z);
  const headGroup = new Group();
  headGroup.position.set(0, -LAYOUT.neckPivot.y, -LAYOUT.neckPivot.z);
  headPivot.add(headGroup);

  const headMesh = meshOf(
    'head',
    morphGeometry(
      head.index,
      head.rest,
      targetsOf((s) => headPositions(head, s.head)),
      { colors: head.colors },
    ),
    skin,
  );
  headGroup.add(headMesh);

  // ---- mouth
  const mouth = mouthTopology(palette);
  const mouthRest = mouthPositions(REST_SHAPE.mouth, surface);
  const mouthTargets = new Map<string, ReturnType<typeof mouthPositions>>();
  for (const [name, shape] of shapes) {
    if (shape.mouth !== REST_SHAPE.mouth) mouthTargets.set(name, mouthPositions(shape.mouth, surface));
  }
  const partTargets = (key: keyof ReturnType<typeof mouthPositions>) => {
    const out = new Map<string, Float32Array>();
    for (const [name, p] of mouthTargets) out.set(name, p[key]);
    return out;
  };
  const lipMaterial = track(skinMaterial(true, palette.skin));
  lipMaterial.roughness = 0.42;
  const interior = { depthTest: false, depthWrite: false, side: DoubleSide } as const;
  const cavityMaterial = track(new MeshBasicMaterial({ vertexColors: true, ...interior }));
  const teethMaterial = track(
    new MeshStandardMaterial({
      vertexColors: true,
      roughness: 0.35,
      // Teeth sit in the mouth's shadow; a little self-light keeps them reading as white.
      emissive: 0x8a847c,
      emissiveIntensity: 0.5,
      ...interior,
    }),
  );
  const tongueMaterial = track(
    new MeshStandardMaterial({ vertexColors: true, roughness: 0.55, ...interior }),
  );
  // Render order: head, then cavity → tongue → teeth (no depth test), then lips over them.
  const cavity = meshOf(
    'mouthCavity',
    morphGeometry(mouth.cavity.index, mouthRest.cavity, partTargets('cavity'), {
      colors: mouth.cavity.colors,
    }),
    cavityMaterial,
    1,
  );
  const tongue = meshOf(
    'tongue',
    morphGeometry(mouth.tongue.index, mouthRest.tongue, partTargets('tongue'), {
      colors: mouth.tongue.colors,
    }),
    tongueMaterial,
    2,
  );
  const teeth = meshOf(
    'teeth',
    morphGeometry(mouth.teeth.index, mouthRest.teeth, partTargets('teeth'), { colors: mouth.teeth.colors }),
    teethMaterial,
    3,
  );
  const lips = meshOf(
    'lips',
    morphGeometry(mouth.lips.index, mouthRest.lips, partTargets('lips'), { colors: mouth.lips.colors }),
    lipMaterial,
    4,
  );
  headGroup.add(cavity, tongue, teeth, lips);

  // ---- eyes
  const centres = {
    left: eyeCentre(1, surface.z(LAYOUT.eye.x, LAYOUT.eye.y)),
    right: eyeCentre(-1, surface.z(-LAYOUT.eye.x, LAYOUT.eye.y)),
  };
  const canvas = typeof document !== 'undefined' ? document.createElement('canvas') : undefined;
  let eyeTexture: CanvasTexture | undefined;
  if (canvas) {
    drawEyeTexture(canvas, palette);
    eyeTexture = new CanvasTexture(canvas);
    eyeTexture.colorSpace = SRGBColorSpace;
    eyeTexture.anisotropy = 4;
  }
  const eyeMaterial = track(
    new MeshPhysicalMaterial({
      map: eyeTexture ?? null,
      color: eyeTexture ? 0xffffff : palette.sclera,
      roughness: 0.3,
      clearcoat: 1,
      clearcoatRoughness: 0.04,
    }),
  );
  const eyeGeometry = new SphereGeometry(LAYOUT.eye.radius, 48, 32);
  // Turn the sphere's pole (the iris in the texture) to face forward.
  eyeGeometry.rotateX(Math.PI / 2);
  const catchMaterial = track(new MeshBasicMaterial({ color: 0xffffff, transparent: true, opacity: 0.92 }));
  const eyePivots: Object3D[] = [];
  for (const c of [centres.left, centres.right]) {
    const pivot = new Group();
    pivot.position.set(c[0], c[1], c[2]);
    const ball = new Mesh(eyeGeometry, eyeMaterial);
    ball.name = 'eyeball';
    pivot.add(ball);
    headGroup.add(pivot);
    eyePivots.push(pivot);
    // A fixed catch light (does not turn with the eye): stylised eyes read as alive with it.
    const glint = new Mesh(new CircleGeometry(0.026, 20), catchMaterial);
    const dir = [-0.42, 0.5, 1];
    const len = Math.hypot(dir[0] as number, dir[1] as number, dir[2] as number);
    const r = LAYOUT.eye.radius * 1.012;
    glint.position.set(
      c[0] + ((dir[0] as number) / len) * r,
      c[1] + ((dir[1] as number) / len) * r,
      c[2] + ((dir[2] as number) / len) * r,
    );
    glint.lookAt(glint.position.x * 2 - c[0], glint.position.y * 2 - c[1], glint.position.z * 2 - c[2]);
    glint.renderOrder = 5;
    headGroup.add(glint);
  }

  const lids = lidTopology(palette, look.lashes);
  const lidMaterial = track(skinMaterial(true, palette.skin));
  lidMaterial.side = DoubleSide;
  const lidMesh = meshOf(
    'eyelids',
    morphGeometry(
      lids.index,
      lidPositions(LID_REST, LID_REST, centres),
      targetsOf((s) => lidPositions(s.lidL, s.lidR, centres)),
      {
        colors: lids.colors,
      },
    ),
    lidMaterial,
    6,
  );
  headGroup.add(lidMesh);

  // ---- brows
  const brows = browTopology();
  const browMaterial = track(new MeshStandardMaterial({ color: palette.brow, roughness: 0.8 }));
  const browMesh = meshOf(
    'brows',
    morphGeometry(
      brows.index,
      browPositions(BROW_REST, BROW_REST, surface, look.browWeight),
      targetsOf((s) => browPositions(s.browL, s.browR, surface, look.browWeight)),
    ),
    browMaterial,
  );
  headGroup.add(browMesh);

  // ---- nose and ears
  const nose = new Mesh(new SphereGeometry(1, 32, 24), skin);
  nose.scale.set(0.085, 0.075, 0.08);
  nose.position.set(0, LAYOUT.noseY, surface.z(0, LAYOUT.noseY) - 0.012);
  nose.name = 'nose';
  const noseColors = new Float32Array(nose.geometry.getAttribute('position').count * 3);
  const skinLinear = new MeshBasicMaterial({ color: palette.skin }).color;
  const tip = new MeshBasicMaterial({ color: mixHex(palette.skin, palette.blush, 0.35) }).color;
  const np = nose.geometry.getAttribute('position');
  for (let k = 0; k < np.count; k++) {
    const t = Math.max(0, np.getZ(k)) ** 2;
    noseColors.set(
      [
        skinLinear.r + (tip.r - skinLinear.r) * t,
        skinLinear.g + (tip.g - skinLinear.g) * t,
        skinLinear.b + (tip.b - skinLinear.b) * t,
      ],
      k * 3,
    );
  }
  nose.geometry.setAttribute('color', new Float32BufferAttribute(noseColors, 3));
  headGroup.add(nose);

  const earMaterial = track(skinMaterial(false, palette.skin));
  const innerEarMaterial = track(
    new MeshStandardMaterial({ color: mixHex(palette.skin, palette.skinShadow, 0.6), roughness: 0.7 }),
  );
  for (const side of [1, -1]) {
    const ear = new Mesh(new SphereGeometry(1, 24, 16), earMaterial);
    ear.scale.set(0.06, 0.17, 0.12);
    ear.position.set(side * 0.86, -0.06, -0.08);
    // Turned forward so the ear's bowl faces the viewer a little.
    ear.rotation.set(0, side * 0.75, side * -0.08);
    const inner = new Mesh(new SphereGeometry(1, 20, 14), innerEarMaterial);
    inner.scale.set(0.35, 0.65, 0.6);
    inner.position.set(0.45, 0, 0.1);
    ear.add(inner);
    ear.name = 'ear';
    headGroup.add(ear);
  }

  // ---- hair
  const hair = hairGeometryData(palette, look.hairStyle);
  const hairGeometry = morphGeometry(hair.index, hair.positions, new Map(), { colors: hair.colors });
  const hairMaterial = track(
    new MeshStandardMaterial({
      vertexColors: true,
      roughness: 0.48,
      side: DoubleSide,
    }),
  );
  const hairMesh = new Mesh(hairGeometry, hairMaterial);
  hairMesh.name = 'hair';
  headGroup.add(hairMesh);

  // ---- neck, shoulders, shirt
  const neck = new Mesh(
    new CylinderGeometry(0.26, 0.3, 0.8, 40, 1, true),
    track(skinMaterial(false, palette.skin)),
  );
  neck.position.set(0, -1.0, -0.12);
  neck.scale.z = 0.8;
  neck.name = 'neck';
  root.add(neck);

  const chest = new Group();
  chest.name = 'chest';
  chest.position.set(0, -1.47, -0.12);
  const profile = [
    [0.335, 0.36],
    [0.42, 0.31],
    [0.6, 0.24],
    [0.95, 0.12],
    [1.3, -0.05],
    [1.5, -0.35],
    [1.6, -0.9],
    [1.62, -2.6],
  ]
    // LatheGeometry faces outwards when the profile runs bottom to top.
    .reverse()
    .map(([x, y]) => new Vector2(x as number, y as number));
  const torsoGeometry = new LatheGeometry(profile, 64);
  // Flat chest (z × 0.58) but a round neckline that wraps the neck.
  const tp = torsoGeometry.getAttribute('position');
  for (let k = 0; k < tp.count; k++) {
    const t = Math.min(1, Math.max(0, (tp.getY(k) - 0.05) / 0.35));
    tp.setZ(k, tp.getZ(k) * (0.58 + 0.42 * t * t * (3 - 2 * t)));
  }
  torsoGeometry.computeVertexNormals();
  const shirtMaterial = track(new MeshStandardMaterial({ color: palette.shirt, roughness: 0.8 }));
  const torso = new Mesh(torsoGeometry, shirtMaterial);
  torso.name = 'torso';
  chest.add(torso);
  const collar = new Mesh(
    new TorusGeometry(0.34, 0.05, 12, 48),
    track(new MeshStandardMaterial({ color: palette.collar, roughness: 0.7 })),
  );
  // A crew neck: an ellipse like the torso's section, lower at the front.
  collar.rotation.x = Math.PI / 2 + 0.25;
  collar.position.set(0, 0.35, 0);
  chest.add(collar);
  const badge = new Mesh(
    new BoxGeometry(0.34, 0.2, 0.02),
    track(new MeshStandardMaterial({ color: palette.badge, roughness: 0.4 })),
  );
  badge.position.set(0.62, -0.42, 0.84);
  badge.rotation.set(-0.05, 0.32, 0);
  const stripe = new Mesh(
    new BoxGeometry(0.34, 0.06, 0.022),
    track(new MeshStandardMaterial({ color: palette.badgeStripe, roughness: 0.5 })),
  );
  stripe.position.set(0, 0.07, 0.002);
  badge.add(stripe);
  chest.add(badge);
  root.add(chest);
  root.add(headPivot);

  const morphMeshes = [headMesh, cavity, tongue, teeth, lips, lidMesh, browMesh];
  return {
    root,
    headPivot,
    eyes: { left: eyePivots[0] as Object3D, right: eyePivots[1] as Object3D },
    chest,
    morphMeshes,
    framing: { target: [0, -0.5, 0], distance: 7.8 },
    dispose() {
      root.traverse((o) => {
        if (o instanceof Mesh) o.geometry.dispose();
      });
      for (const m of materials) m.dispose();
      eyeTexture?.dispose();
    },
  };
}
