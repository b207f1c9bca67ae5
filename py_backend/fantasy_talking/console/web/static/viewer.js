// The three.js viewer: one head GLB, orbit and zoom, neutral three-point light, and a way to pose
// it from a streamed frame (morph weights by curve name, neck and head rotations).
import * as THREE from "three";
import { GLTFLoader } from "three/addons/loaders/GLTFLoader.js";
import { OrbitControls } from "three/addons/controls/OrbitControls.js";

// Viseme curves describe the same mouth as the ARKit ones; driving both would double it.
const SKIP = /^viseme_/;
// Jaw and eyes move through JawOpen and EyeLook*; only neck and head turn as bones.
const POSED_JOINTS = ["neck", "head"];

export class Viewer {
  constructor(canvas) {
    this.canvas = canvas;
    this.renderer = new THREE.WebGLRenderer({ canvas, antialias: true, alpha: true, preserveDrawingBuffer: true });
    this.renderer.setPixelRatio(Math.min(window.devicePixelRatio, 2));
    this.renderer.outputColorSpace = THREE.SRGBColorSpace;
    this.scene = new THREE.Scene();
    this.camera = new THREE.PerspectiveCamera(24, 1, 0.01, 10);
    this.camera.position.set(0, 0, 0.6);
    this.controls = new OrbitControls(this.camera, canvas);
    this.controls.enableDamping = true;
    this.controls.minDistance = 0.15;
    this.controls.maxDistance = 1.6;
    this.scene.add(new THREE.HemisphereLight(0xf2f4ff, 0x3a3430, 1.6));
    const key = new THREE.DirectionalLight(0xffffff, 1.6); key.position.set(0.4, 0.6, 1.0); this.scene.add(key);
    const fill = new THREE.DirectionalLight(0xdfe8ff, 0.6); fill.position.set(-0.8, 0.1, 0.5); this.scene.add(fill);
    const rim = new THREE.DirectionalLight(0xffffff, 0.5); rim.position.set(0, 0.5, -1); this.scene.add(rim);
    this.head = null; this.mesh = null; this.bones = {};
    this.frames = 0; this.fps = 0; this._fpsStart = performance.now(); this._fpsCount = 0;
    this.onFrame = null;
    new ResizeObserver(() => this.resize()).observe(canvas);
    this.resize();
    this.renderer.setAnimationLoop(() => this.tick());
  }

  resize() {
    const { clientWidth: w, clientHeight: h } = this.canvas;
    if (!w || !h) return;
    this.renderer.setSize(w, h, false);
    this.camera.aspect = w / h;
    this.camera.updateProjectionMatrix();
  }

  async load(url) {
    const gltf = await new GLTFLoader().loadAsync(url);
    if (this.head) this.scene.remove(this.head);
    this.head = gltf.scene;
    this.mesh = null; this.bones = {};
    this.head.traverse((o) => {
      if (o.isMesh && o.morphTargetDictionary) this.mesh = o;
      if (o.isBone) this.bones[o.name] = o;
      if (o.isMesh && o.material) { o.material.side = THREE.FrontSide; o.frustumCulled = false; }
    });
    this.scene.add(this.head);
    // Frame the skin (head and neck), not the whole model: long hair hangs to the chest. The primitives share
    // one vertex array, so the skin's bounds come from the vertices its own triangles use.
    let skin = null;
    this.head.traverse((o) => { if (o.isMesh && o.material?.name === "skin" && o.geometry.index) skin = o; });
    const box = new THREE.Box3();
    if (skin) {
      this.head.updateMatrixWorld(true);
      const position = skin.geometry.attributes.position, index = skin.geometry.index, v = new THREE.Vector3();
      for (let i = 0; i < index.count; i++) box.expandByPoint(v.fromBufferAttribute(position, index.getX(i)));
      box.applyMatrix4(skin.matrixWorld);
    } else {
      box.setFromObject(this.head);
    }
    const centre = box.getCenter(new THREE.Vector3());
    const size = box.getSize(new THREE.Vector3());
    // Frame the face: aim a little below the centre of the bounds, from the front.
    const target = new THREE.Vector3(centre.x, centre.y - size.y * 0.05, centre.z);
    this.controls.target.copy(target);
    this.camera.position.set(target.x, target.y, target.z + Math.max(size.y, size.x) * 2.6);
    this.controls.update();
    return { morphTargets: Object.keys(this.mesh?.morphTargetDictionary || {}).length, bones: Object.keys(this.bones) };
  }

  morph(name) {
    if (!this.mesh) return null;
    const k = this.mesh.morphTargetDictionary[name];
    return k === undefined ? null : this.mesh.morphTargetInfluences[k];
  }

  // Pose from curve weights (array in `curves` order) and joint quaternions (array in `joints` order).
  pose(curves, weights, joints, quats) {
    if (!this.mesh) return;
    const dict = this.mesh.morphTargetDictionary, infl = this.mesh.morphTargetInfluences;
    for (let i = 0; i < curves.length; i++) {
      if (SKIP.test(curves[i])) continue;
      const k = dict[curves[i]];
      if (k !== undefined) infl[k] = weights[i];
    }
    for (const name of POSED_JOINTS) {
      const j = joints.indexOf(name), bone = this.bones[name];
      if (j >= 0 && bone && quats[j]) bone.quaternion.set(quats[j][0], quats[j][1], quats[j][2], quats[j][3]);
    }
  }

  rest() {
    if (!this.mesh) return;
    this.mesh.morphTargetInfluences.fill(0);
    for (const name of POSED_JOINTS) this.bones[name]?.quaternion.identity();
  }

  tick() {
    if (this.onFrame) this.onFrame();
    this.controls.update();
    this.renderer.render(this.scene, this.camera);
    this.frames += 1; this._fpsCount += 1;
    const now = performance.now();
    if (now - this._fpsStart >= 1000) {
      this.fps = (this._fpsCount * 1000) / (now - this._fpsStart);
      this._fpsStart = now; this._fpsCount = 0;
    }
  }
}
