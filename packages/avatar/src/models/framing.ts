import { Box3, type Object3D, Sphere, Vector3 } from 'three';

/** Camera framing for a loaded model: head-and-shoulders when a head bone is known, whole model otherwise. */
export function frameObject(
  object: Object3D,
  head: Object3D | null,
): { target: [number, number, number]; distance: number } {
  object.updateMatrixWorld(true);
  const box = new Box3().setFromObject(object);
  if (head) {
    const p = head.getWorldPosition(new Vector3());
    const height = Math.max(0.1, box.max.y - box.min.y);
    // A head is about an eighth of a standing figure; aim a little below its centre.
    const headSize = Math.min(height / 7.5, 0.35);
    return { target: [p.x, p.y + headSize * 0.1, p.z], distance: headSize * 7 };
  }
  const sphere = box.getBoundingSphere(new Sphere());
  const r = Math.max(sphere.radius, 1e-3);
  // Vertical field of view is 24°: fit the bounding sphere with a small margin.
  return {
    target: [sphere.center.x, sphere.center.y, sphere.center.z],
    distance: (r / Math.sin((12 * Math.PI) / 180)) * 1.1,
  };
}
