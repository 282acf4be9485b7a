import {
  BoxGeometry,
  CanvasTexture,
  CircleGeometry,
  CylinderGeometry,
  DoubleSide,
  Group,
  type Material,
  Mesh,
  MeshBasicMaterial,
  MeshPhysicalMaterial,
  MeshStandardMaterial,
  type Object3D,
  SphereGeometry,
  SRGBColorSpace,
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
import { drawHairTexture, hairGeometryData } from './hair.js';
import { type HeadShape, headPositions, headTopology, jawAngleForDrop } from './head.js';
import { LAYOUT } from './layout.js';
import { morphGeometry } from './morph-geometry.js';
import { mouthPositions, mouthTopology } from './mouth.js';
import { skinMaterial } from './skin-material.js';
import { FrontSurface } from './surface.js';
import { drawClothes, NECKLINE_Y, torsoData } from './torso.js';

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
    // A smile raises the cheeks, which push the lower lids up: the eyes smile too.
    if (name === 'mouthSmileLeft') {
      shape.head = { ...shape.head, cheekL: 1 };
      shape.lidL = lidLerp(LID_REST, LID_CHEEK, 0.45);
    }
    if (name === 'mouthSmileRight') {
      shape.head = { ...shape.head, cheekR: 1 };
      shape.lidR = lidLerp(LID_REST, LID_CHEEK, 0.45);
    }
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
    shapes.set(`browOuterUp${suffix}`, {
      ...REST_SHAPE,
      [brow]: { ...BROW_REST, outer: 0.12, inner: 0.03 },
    });
    shapes.set(`browDown${suffix}`, {
      ...REST_SHAPE,
      [brow]: { ...BROW_REST, down: 0.07, inner: -0.06, pull: 0.045 },
    });
  }
  // Inner ends up and drawn together: the oblique brows of concern and sadness.
  shapes.set('browInnerUp', {
    ...REST_SHAPE,
    browL: { ...BROW_REST, inner: 0.14, pull: 0.02 },
    browR: { ...BROW_REST, inner: 0.14, pull: 0.02 },
  });
  return shapes;
}

/** A texture drawn in code at start-up; none without a DOM (the geometry tests run in Node). */
function drawnTexture(draw: (canvas: HTMLCanvasElement) => void, srgb = true): CanvasTexture | undefined {
  if (typeof document === 'undefined') return undefined;
  const canvas = document.createElement('canvas');
  draw(canvas);
  const texture = new CanvasTexture(canvas);
  if (srgb) texture.colorSpace = SRGBColorSpace;
  return texture;
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
  const head = headTopology(palette, look.stubble, look.body.jaw);
  const surface = new FrontSurface(head.rest, head.index);
  const lipZ = surface.z(0, LAYOUT.mouthY);
  const shapes = faceShapes(lipZ);
  const skin = track(skinMaterial({ vertexColors: true, colour: palette.skin }));

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
  const lipMaterial = track(skinMaterial({ vertexColors: true, colour: palette.skin }));
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
  const eyeTexture = drawnTexture((canvas) => drawEyeTexture(canvas, palette));
  // Sharp at the eyes' curvature; the eyes are small on screen, so this costs little fill rate.
  if (eyeTexture) eyeTexture.anisotropy = 4;
  const eyeMaterial = track(
    new MeshPhysicalMaterial({
      map: eyeTexture ?? null,
      color: eyeTexture ? 0xffffff : palette.sclera,
      roughness: 0.3,
      clearcoat: 1,
      clearcoatRoughness: 0.04,
    }),
  );
  // The upper lid shades the top of the eyeball (the normal is in view space, and the face looks at
  // the camera): without that shadow the eyes look stuck onto the face.
  eyeMaterial.onBeforeCompile = (shader) => {
    shader.fragmentShader = shader.fragmentShader.replace(
      '#include <normal_fragment_maps>',
      '#include <normal_fragment_maps>\n  diffuseColor.rgb *= 1.0 - 0.55 * smoothstep( -0.2, 0.32, normal.y );',
    );
  };
  eyeMaterial.customProgramCacheKey = () => 'visemo-eye';
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

  const lids = lidTopology(palette, look.lashes, look.makeup);
  // Without drawn lashes the wing is only a short lash line, not a flick of eyeliner.
  const wing = look.lashes ? 1 : 0.2;
  const lidMaterial = track(skinMaterial({ vertexColors: true, colour: palette.skin }));
  lidMaterial.side = DoubleSide;
  const lidMesh = meshOf(
    'eyelids',
    morphGeometry(
      lids.index,
      lidPositions(LID_REST, LID_REST, centres, wing),
      targetsOf((s) => lidPositions(s.lidL, s.lidR, centres, wing)),
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
  const browMaterial = track(new MeshStandardMaterial({ color: palette.brow, roughness: 0.95 }));
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

  // ---- ears
  const earMaterial = track(skinMaterial({ vertexColors: false, colour: palette.skin }));
  const innerEarMaterial = track(
    new MeshStandardMaterial({ color: mixHex(palette.skin, palette.skinShadow, 0.6), roughness: 0.7 }),
  );
  for (const side of [1, -1]) {
    const ear = new Mesh(new SphereGeometry(1, 24, 16), earMaterial);
    ear.scale.set(0.055, 0.23, 0.13);
    ear.position.set(side * 0.79, -0.06, -0.1);
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
  const hair = hairGeometryData(palette, look.hairStyle, look.body.jaw);
  const hairGeometry = morphGeometry(hair.index, hair.positions, new Map(), {
    colors: hair.colors,
    uvs: hair.uvs,
  });
  // Grey strands multiply the vertex colours: linear values, not an sRGB picture.
  const hairTexture = drawnTexture(drawHairTexture, false);
  const hairMaterial = track(
    new MeshStandardMaterial({
      vertexColors: true,
      map: hairTexture ?? null,
      roughness: 0.48,
      side: DoubleSide,
    }),
  );
  const hairMesh = new Mesh(hairGeometry, hairMaterial);
  hairMesh.name = 'hair';
  // Drawn before the head it covers, so the depth test rejects the skin under it before shading:
  // on software GL fill rate is the frame's cost.
  hairMesh.renderOrder = -1;
  headGroup.add(hairMesh);

  // ---- neck, shoulders, jacket
  const { neck: neckRadius } = look.body;
  const neck = new Mesh(
    new CylinderGeometry(neckRadius, neckRadius * 1.12, 1.05, 48, 1, true),
    track(skinMaterial({ vertexColors: false, colour: mixHex(palette.skin, palette.skinShadow, 0.25) })),
  );
  neck.position.set(0, -1.15, -0.1);
  neck.scale.z = 0.88;
  neck.name = 'neck';
  root.add(neck);

  const chest = new Group();
  chest.name = 'chest';
  chest.position.set(0, -1.22 - NECKLINE_Y, -0.1);
  const body = torsoData(look);
  const clothesTexture = drawnTexture((canvas) => drawClothes(canvas, look));
  const torso = meshOf(
    'torso',
    morphGeometry(body.index, body.rest, new Map([['shoulderShrug', body.shrug]]), {
      colors: body.colors,
      uvs: body.uvs,
    }),
    track(
      new MeshStandardMaterial({
        vertexColors: true,
        map: clothesTexture ?? null,
        color: clothesTexture ? 0xffffff : palette.shirt,
        roughness: 0.78,
      }),
    ),
  );
  chest.add(torso);
  if (look.clothing === 'shirt') {
    // A shirt collar standing around the neck, open at the front.
    const collar = new Mesh(
      new CylinderGeometry(
        neckRadius + 0.03,
        neckRadius + 0.06,
        0.15,
        48,
        1,
        true,
        Math.PI * 0.12,
        Math.PI * 1.76,
      ),
      track(new MeshStandardMaterial({ color: palette.undershirt, roughness: 0.6, side: DoubleSide })),
    );
    collar.position.set(0, NECKLINE_Y + 0.02, 0);
    collar.scale.z = 0.92;
    chest.add(collar);
  }
  const badgeSurface = new FrontSurface(body.rest, body.index, -2.6, 2.6, 160);
  const badgeAt = { x: 1.0, y: -0.32 };
  const badge = new Mesh(
    new BoxGeometry(0.3, 0.17, 0.02),
    track(new MeshStandardMaterial({ color: palette.badge, roughness: 0.4 })),
  );
  badge.position.set(badgeAt.x, badgeAt.y, badgeSurface.z(badgeAt.x, badgeAt.y) + 0.012);
  badge.rotation.set(-0.05, 0.3, 0);
  const stripe = new Mesh(
    new BoxGeometry(0.3, 0.05, 0.022),
    track(new MeshStandardMaterial({ color: palette.badgeStripe, roughness: 0.5 })),
  );
  stripe.position.set(0, 0.06, 0.002);
  badge.add(stripe);
  chest.add(badge);
  root.add(chest);
  root.add(headPivot);

  const morphMeshes = [headMesh, cavity, tongue, teeth, lips, lidMesh, browMesh, torso];
  return {
    root,
    headPivot,
    eyes: { left: eyePivots[0] as Object3D, right: eyePivots[1] as Object3D },
    chest,
    morphMeshes,
    framing: { target: [0, -0.48, 0], distance: 8.8 },
    dispose() {
      root.traverse((o) => {
        if (o instanceof Mesh) o.geometry.dispose();
      });
      for (const m of materials) m.dispose();
      eyeTexture?.dispose();
      clothesTexture?.dispose();
      hairTexture?.dispose();
    },
  };
}
