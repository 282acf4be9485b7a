/**
 * Minimal glTF binaries written in code: a quad with named morph targets, optionally a humanoid
 * skeleton and VRM 0.x / 1.0 extension data. Each morph target moves the quad, so a non-zero
 * influence is visible on screen too.
 */

const VRM_BONES = [
  'hips',
  'spine',
  'chest',
  'neck',
  'head',
  'leftUpperLeg',
  'leftLowerLeg',
  'leftFoot',
  'rightUpperLeg',
  'rightLowerLeg',
  'rightFoot',
  'leftUpperArm',
  'leftLowerArm',
  'leftHand',
  'rightUpperArm',
  'rightLowerArm',
  'rightHand',
] as const;

/** VRM 0.x preset names for the VRM 1.0 expressions the tests use. */
const V0_PRESETS: Record<string, string> = {
  aa: 'a',
  ih: 'i',
  ou: 'u',
  ee: 'e',
  oh: 'o',
  blink: 'blink',
  happy: 'joy',
  sad: 'sorrow',
  angry: 'angry',
};

export interface GlbOptions {
  morphNames: string[];
  /** Adds a humanoid skeleton and VRM data; expression names must be among `morphNames`. */
  vrm?: '0' | '1';
}

function pad4(bytes: Uint8Array, fill: number): Uint8Array {
  const padded = new Uint8Array(Math.ceil(bytes.length / 4) * 4).fill(fill);
  padded.set(bytes);
  return padded;
}

export function makeGlb({ morphNames, vrm }: GlbOptions): Uint8Array {
  // A 1×1 quad facing +z, centred at the origin (or at head height for VRM).
  const y0 = vrm ? 1.4 : 0;
  const positions = new Float32Array([
    -0.1,
    y0 - 0.1,
    0,
    0.1,
    y0 - 0.1,
    0,
    0.1,
    y0 + 0.1,
    0,
    -0.1,
    y0 + 0.1,
    0,
  ]);
  const indices = new Uint16Array([0, 1, 2, 0, 2, 3, 0, 0]);
  const chunks: Uint8Array[] = [];
  const bufferViews: object[] = [];
  const accessors: object[] = [];
  let offset = 0;
  const addView = (data: ArrayBufferView, target?: number) => {
    const bytes = pad4(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 0);
    bufferViews.push({
      buffer: 0,
      byteOffset: offset,
      byteLength: data.byteLength,
      ...(target ? { target } : {}),
    });
    chunks.push(bytes);
    offset += bytes.length;
    return bufferViews.length - 1;
  };
  const vec3Accessor = (data: Float32Array) => {
    const min = [0, 1, 2].map((c) => Math.min(...Array.from(data).filter((_, i) => i % 3 === c)));
    const max = [0, 1, 2].map((c) => Math.max(...Array.from(data).filter((_, i) => i % 3 === c)));
    accessors.push({
      bufferView: addView(data, 34962),
      componentType: 5126,
      count: data.length / 3,
      type: 'VEC3',
      min,
      max,
    });
    return accessors.length - 1;
  };
  const position = vec3Accessor(positions);
  accessors.push({ bufferView: addView(indices, 34963), componentType: 5123, count: 6, type: 'SCALAR' });
  const index = accessors.length - 1;
  const targets = morphNames.map((_, k) => {
    // Each target stretches the quad differently, so targets are distinguishable.
    const d = new Float32Array(12);
    for (let v = 0; v < 4; v++) d[v * 3 + 1] = (v < 2 ? -1 : 1) * 0.01 * (k + 1);
    return { POSITION: vec3Accessor(d) };
  });
  const mesh = {
    name: 'face',
    primitives: [{ attributes: { POSITION: position }, indices: index, targets }],
    weights: morphNames.map(() => 0),
    extras: { targetNames: morphNames },
  };

  const nodes: Record<string, unknown>[] = [{ name: 'Face', mesh: 0 }];
  const boneNode: Record<string, number> = {};
  if (vrm) {
    // A chain hips → spine → chest → neck → head, with limbs hanging off hips and chest.
    const parentOf: Record<string, string> = {
      spine: 'hips',
      chest: 'spine',
      neck: 'chest',
      head: 'neck',
      leftUpperLeg: 'hips',
      leftLowerLeg: 'leftUpperLeg',
      leftFoot: 'leftLowerLeg',
      rightUpperLeg: 'hips',
      rightLowerLeg: 'rightUpperLeg',
      rightFoot: 'rightLowerLeg',
      leftUpperArm: 'chest',
      leftLowerArm: 'leftUpperArm',
      leftHand: 'leftLowerArm',
      rightUpperArm: 'chest',
      rightLowerArm: 'rightUpperArm',
      rightHand: 'rightLowerArm',
    };
    const heights: Record<string, number> = { hips: 0.9, spine: 0.1, chest: 0.15, neck: 0.2, head: 0.1 };
    for (const bone of VRM_BONES) {
      boneNode[bone] = nodes.length;
      nodes.push({
        name: bone[0]?.toUpperCase() + bone.slice(1),
        translation: [0, heights[bone] ?? -0.2, 0],
        children: [],
      });
    }
    for (const bone of VRM_BONES) {
      const parent = parentOf[bone];
      if (parent)
        (nodes[boneNode[parent] as number] as { children: number[] }).children.push(boneNode[bone] as number);
    }
  }
  const sceneNodes = vrm ? [0, boneNode.hips as number] : [0];
  const json: Record<string, unknown> = {
    asset: { version: '2.0', generator: 'visemo avatar tests' },
    scene: 0,
    scenes: [{ nodes: sceneNodes }],
    nodes,
    meshes: [mesh],
    accessors,
    bufferViews,
    buffers: [{ byteLength: offset }],
  };
  const expressionNames = morphNames.filter((n) => n in V0_PRESETS || n === 'surprised');
  if (vrm === '1') {
    json.extensionsUsed = ['VRMC_vrm'];
    json.extensions = {
      VRMC_vrm: {
        specVersion: '1.0',
        meta: {
          name: 'test face',
          version: '1',
          authors: ['visemo'],
          licenseUrl: 'https://vrm.dev/licenses/1.0/',
          avatarPermission: 'everyone',
          commercialUsage: 'personalNonProfit',
        },
        humanoid: { humanBones: Object.fromEntries(VRM_BONES.map((b) => [b, { node: boneNode[b] }])) },
        expressions: {
          preset: Object.fromEntries(
            expressionNames.map((name) => [
              name,
              { morphTargetBinds: [{ node: 0, index: morphNames.indexOf(name), weight: 1 }] },
            ]),
          ),
        },
      },
    };
  } else if (vrm === '0') {
    json.extensionsUsed = ['VRM'];
    json.extensions = {
      VRM: {
        specVersion: '0.0',
        meta: {
          title: 'test face',
          version: '1',
          author: 'visemo',
          allowedUserName: 'Everyone',
          licenseName: 'CC0',
        },
        humanoid: { humanBones: VRM_BONES.map((bone) => ({ bone, node: boneNode[bone] })) },
        blendShapeMaster: {
          blendShapeGroups: expressionNames
            .filter((n) => V0_PRESETS[n])
            .map((name) => ({
              name,
              presetName: V0_PRESETS[name],
              // VRM 0.x bind weights run 0..100.
              binds: [{ mesh: 0, index: morphNames.indexOf(name), weight: 100 }],
            })),
        },
      },
    };
  }
  const jsonBytes = pad4(new TextEncoder().encode(JSON.stringify(json)), 0x20);
  const bin = new Uint8Array(offset);
  let o = 0;
  for (const c of chunks) {
    bin.set(c, o);
    o += c.length;
  }
  const total = 12 + 8 + jsonBytes.length + 8 + bin.length;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x46546c67, true);
  view.setUint32(4, 2, true);
  view.setUint32(8, total, true);
  view.setUint32(12, jsonBytes.length, true);
  view.setUint32(16, 0x4e4f534a, true);
  out.set(jsonBytes, 20);
  view.setUint32(20 + jsonBytes.length, bin.length, true);
  view.setUint32(24 + jsonBytes.length, 0x004e4942, true);
  out.set(bin, 28 + jsonBytes.length);
  return out;
}

export const OCULUS_NAMES = [
  'viseme_sil',
  'viseme_PP',
  'viseme_FF',
  'viseme_TH',
  'viseme_DD',
  'viseme_kk',
  'viseme_CH',
  'viseme_SS',
  'viseme_nn',
  'viseme_RR',
  'viseme_aa',
  'viseme_E',
  'viseme_I',
  'viseme_O',
  'viseme_U',
  'eyeBlinkLeft',
  'eyeBlinkRight',
  'mouthSmileLeft',
  'mouthSmileRight',
];

export const ARKIT_NAMES = [
  'jawOpen',
  'mouthClose',
  'mouthFunnel',
  'mouthPucker',
  'mouthSmileLeft',
  'mouthSmileRight',
  'mouthRollLower',
  'eyeBlinkLeft',
  'eyeBlinkRight',
  'browInnerUp',
];

export const VRM_NAMES = ['aa', 'ih', 'ou', 'ee', 'oh', 'blink', 'happy', 'sad', 'angry', 'surprised'];
