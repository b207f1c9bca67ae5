// Load a GLB with three.js's GLTFLoader in headless Chromium (no GPU, no downloads), render it
// from the front and save a PNG screenshot. Prints one JSON line describing what three.js saw.
// Usage: node render_three.mjs HEAD.glb OUT.png [MORPH=WEIGHT ...]
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const [glbPath, outPath, ...morphArgs] = process.argv.slice(2);
const morphs = Object.fromEntries(morphArgs.map((a) => { const [k, v] = a.split("="); return [k, Number(v)]; }));
const files = {
  "/three.module.js": path.join(here, "node_modules/three/build/three.module.js"),
  "/three.core.js": path.join(here, "node_modules/three/build/three.core.js"),
  "/head.glb": glbPath,
};
const page_html = `<!doctype html><html><body style="margin:0">
<script type="importmap">{"imports":{"three":"/three.module.js","three/addons/":"/addons/"}}</script>
<script type="module">
import * as THREE from "three";
import { GLTFLoader } from "three/addons/loaders/GLTFLoader.js";
const morphs = ${JSON.stringify(morphs)};
const renderer = new THREE.WebGLRenderer({ antialias: true, preserveDrawingBuffer: true });
renderer.setSize(512, 512);
document.body.appendChild(renderer.domElement);
const scene = new THREE.Scene();
scene.background = new THREE.Color(0x303840);
scene.add(new THREE.HemisphereLight(0xffffff, 0x444444, 2.0));
const light = new THREE.DirectionalLight(0xffffff, 1.5); light.position.set(0.3, 0.5, 1); scene.add(light);
const camera = new THREE.PerspectiveCamera(24, 1, 0.05, 5);
camera.position.set(0, -0.035, 0.45); camera.lookAt(0, -0.035, -0.03);
new GLTFLoader().load("/head.glb", (gltf) => {
  scene.add(gltf.scene);
  const info = { meshes: 0, morphTargets: [], bones: [], animations: gltf.animations.map((a) => a.name) };
  gltf.scene.traverse((o) => {
    if (o.isSkinnedMesh) info.bones = o.skeleton.bones.map((b) => b.name);
    if (o.isMesh) {
      info.meshes += 1;
      info.morphTargets = Object.keys(o.morphTargetDictionary || {});
      for (const [k, v] of Object.entries(morphs)) o.morphTargetInfluences[o.morphTargetDictionary[k]] = v;
    }
  });
  renderer.render(scene, camera);
  window.__result = info;
}, undefined, (err) => { window.__result = { error: String(err) }; });
</script></body></html>`;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--use-angle=swiftshader", "--enable-unsafe-swiftshader"],
});
try {
  const page = await browser.newPage();
  await page.route("http://ftalk.test/**", async (route) => {
    const url = new URL(route.request().url());
    if (url.pathname === "/") return route.fulfill({ contentType: "text/html", body: page_html });
    const file = files[url.pathname] ||
      (url.pathname.startsWith("/addons/") &&
        path.join(here, "node_modules/three/examples/jsm", url.pathname.slice("/addons/".length)));
    if (!file) return route.fulfill({ status: 404, body: "" });
    const type = file.endsWith(".js") ? "text/javascript" : "application/octet-stream";
    return route.fulfill({ contentType: type, body: await readFile(file) });
  });
  await page.goto("http://ftalk.test/");
  await page.waitForFunction(() => window.__result !== undefined, null, { timeout: 60000 });
  const result = await page.evaluate(() => window.__result);
  await writeFile(outPath, await page.locator("canvas").screenshot());
  console.log(JSON.stringify(result));
} finally {
  await browser.close();
}
