import { buildWebApp } from './build.js';

const kb = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
const built = await buildWebApp();
for (const f of built.files)
  console.log(`${f.path.padEnd(44)} ${kb(f.bytes).padStart(10)} ${kb(f.gzipBytes).padStart(10)} gzip`);
console.log(`initial JavaScript: ${kb(built.initialJs.bytes)} (${kb(built.initialJs.gzipBytes)} gzip)`);
console.log(`all JavaScript:     ${kb(built.totalJs.bytes)} (${kb(built.totalJs.gzipBytes)} gzip)`);
console.log(`built into ${built.outDir}`);
