import { type BufferAttribute, BufferGeometry, Float32BufferAttribute } from 'three';

/**
 * Builds a geometry whose morph targets are whole alternative vertex positions (one per channel
 * name). Targets identical to the rest shape are left out; normals are recomputed per target so
 * shading follows the deformation.
 */
export function morphGeometry(
  index: number[],
  rest: Float32Array,
  targets: ReadonlyMap<string, Float32Array>,
  extra: { colors?: Float32Array; uvs?: Float32Array } = {},
): BufferGeometry {
  const geometry = new BufferGeometry();
  geometry.setIndex(index);
  geometry.setAttribute('position', new Float32BufferAttribute(rest, 3));
  if (extra.colors) geometry.setAttribute('color', new Float32BufferAttribute(extra.colors, 3));
  if (extra.uvs) geometry.setAttribute('uv', new Float32BufferAttribute(extra.uvs, 2));
  geometry.computeVertexNormals();
  const restNormal = geometry.getAttribute('normal') as BufferAttribute;
  const positions: BufferAttribute[] = [];
  const normals: BufferAttribute[] = [];
  const scratch = new BufferGeometry();
  scratch.setIndex(index);
  for (const [name, target] of targets) {
    let moved = false;
    for (let k = 0; k < target.length; k++) {
      if (Math.abs((target[k] as number) - (rest[k] as number)) > 1e-6) {
        moved = true;
        break;
      }
    }
    if (!moved) continue;
    const delta = new Float32Array(target.length);
    for (let k = 0; k < target.length; k++) delta[k] = (target[k] as number) - (rest[k] as number);
    scratch.setAttribute('position', new Float32BufferAttribute(target, 3));
    scratch.computeVertexNormals();
    const n = scratch.getAttribute('normal') as BufferAttribute;
    const dn = new Float32Array(target.length);
    for (let k = 0; k < target.length; k++) dn[k] = (n.array[k] as number) - (restNormal.array[k] as number);
    const attribute = new Float32BufferAttribute(delta, 3);
    // Mesh.updateMorphTargets() builds the mesh's morphTargetDictionary from these names.
    attribute.name = name;
    positions.push(attribute);
    normals.push(new Float32BufferAttribute(dn, 3));
  }
  scratch.dispose();
  if (positions.length > 0) {
    geometry.morphAttributes.position = positions;
    geometry.morphAttributes.normal = normals;
    geometry.morphTargetsRelative = true;
  }
  geometry.computeBoundingSphere();
  if (geometry.boundingSphere) geometry.boundingSphere.radius *= 1.5;
  return geometry;
}
