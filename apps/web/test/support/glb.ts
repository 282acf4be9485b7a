/**
 * A minimal glTF binary made in code: one triangle whose morph targets carry the given names (in
 * `mesh.extras.targetNames`, as Blender and Ready Player Me export them). Each target moves one
 * vertex, so a weight on it changes the picture.
 */
export function triangleGlb(morphNames: readonly string[]): Uint8Array {
  const base = new Float32Array([-0.5, -0.5, 0, 0.5, -0.5, 0, 0, 0.5, 0]);
  const target = new Float32Array([0, 0, 0, 0, 0, 0, 0, -0.3, 0]);
  const bin = new Uint8Array(base.byteLength + target.byteLength * morphNames.length);
  bin.set(new Uint8Array(base.buffer), 0);
  const accessors: object[] = [
    { bufferView: 0, componentType: 5126, count: 3, type: 'VEC3', min: [-0.5, -0.5, 0], max: [0.5, 0.5, 0] },
  ];
  const bufferViews: object[] = [{ buffer: 0, byteOffset: 0, byteLength: base.byteLength }];
  morphNames.forEach((_, i) => {
    const offset = base.byteLength + i * target.byteLength;
    bin.set(new Uint8Array(target.buffer), offset);
    bufferViews.push({ buffer: 0, byteOffset: offset, byteLength: target.byteLength });
    accessors.push({
      bufferView: i + 1,
      componentType: 5126,
      count: 3,
      type: 'VEC3',
      min: [0, -0.3, 0],
      max: [0, 0, 0],
    });
  });
  const json = {
    asset: { version: '2.0', generator: 'visemo web tests' },
    scene: 0,
    scenes: [{ nodes: [0] }],
    nodes: [{ mesh: 0, name: 'Head' }],
    meshes: [
      {
        name: 'Head',
        primitives: [
          { attributes: { POSITION: 0 }, targets: morphNames.map((_, i) => ({ POSITION: i + 1 })) },
        ],
        weights: morphNames.map(() => 0),
        extras: { targetNames: morphNames },
      },
    ],
    accessors,
    bufferViews,
    buffers: [{ byteLength: bin.byteLength }],
  };
  const jsonBytes = pad(new TextEncoder().encode(JSON.stringify(json)), 0x20);
  const binBytes = pad(bin, 0);
  const total = 12 + 8 + jsonBytes.length + 8 + binBytes.length;
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x46546c67, true); // "glTF"
  view.setUint32(4, 2, true);
  view.setUint32(8, total, true);
  view.setUint32(12, jsonBytes.length, true);
  view.setUint32(16, 0x4e4f534a, true); // "JSON"
  out.set(jsonBytes, 20);
  const binStart = 20 + jsonBytes.length;
  view.setUint32(binStart, binBytes.length, true);
  view.setUint32(binStart + 4, 0x004e4942, true); // "BIN\0"
  out.set(binBytes, binStart + 8);
  return out;
}

function pad(bytes: Uint8Array, fill: number): Uint8Array {
  const padded = new Uint8Array(Math.ceil(bytes.length / 4) * 4).fill(fill);
  padded.set(bytes);
  return padded;
}
