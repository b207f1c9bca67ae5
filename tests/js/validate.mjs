// Validate GLB files with the Khronos glTF-Validator; prints one JSON line per file.
// Usage: node validate.mjs FILE.glb [...]
import { readFile } from "node:fs/promises";
import validator from "gltf-validator";

for (const path of process.argv.slice(2)) {
  const data = new Uint8Array(await readFile(path));
  const report = await validator.validateBytes(data, { maxIssues: 50 });
  const { numErrors, numWarnings, messages } = report.issues;
  console.log(JSON.stringify({ path, numErrors, numWarnings,
    errors: messages.filter((m) => m.severity === 0).slice(0, 10) }));
}
