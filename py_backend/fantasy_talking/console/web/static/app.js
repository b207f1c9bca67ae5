// The console page: photo → head, text or audio → a speaking head, live parameters, downloads.
// Audio plays on an AudioContext; every rendered frame samples the streamed curves at that
// context's clock, so the face follows the sound wherever the frames came from.
import { Viewer } from "./viewer.js";
import { Plot, SERIES } from "./plot.js";

const $ = (id) => document.getElementById(id);
const state = { info: null, headId: null, audioId: null, recordedId: null, tab: "text", take: null, takeId: null };
// What tests (and the curious) can read: head loading, utterances, errors.
const probe = (window.__ftalk = { head: null, utterances: [], errors: [] });
const viewer = new Viewer($("viewer"));
const plot = new Plot($("plot"));

// ---------- messages ----------
function banner(text, kind = "error") {
  $("banner-text").textContent = text;
  $("banner").className = `banner ${kind === "info" ? "info" : ""}`;
  $("banner").hidden = false;
}
$("banner-close").onclick = () => { $("banner").hidden = true; };
function inline(id, text) {
  const el = $(id);
  el.textContent = text || "";
  el.hidden = !text;
  if (text) probe.errors.push({ where: id, text });
}

async function api(path, options = {}) {
  let response;
  try {
    response = await fetch(path, options);
  } catch (err) {
    throw Object.assign(new Error("the console is not reachable; is `ftalk console` still running?"), { status: 0 });
  }
  if (response.status === 401 && !path.startsWith("/api/login")) showLogin();
  if (!response.ok) {
    let message = `${response.status} ${response.statusText}`;
    try { message = (await response.json()).error || message; } catch (_) { /* not JSON */ }
    throw Object.assign(new Error(message), { status: response.status });
  }
  return response;
}

// ---------- engine status ----------
async function pollHealth() {
  try {
    const r = await fetch("/api/health");
    const body = await r.json();
    $("engine-dot").className = `dot ${r.ok ? "ok" : "bad"}`;
    $("engine-status").textContent = r.ok ? `engine ${body.server} · serving` : `engine ${body.server} · unreachable`;
    if (r.ok && /not reachable/.test($("banner-text").textContent)) $("banner").hidden = true;
    if (r.ok && !state.info) loadInfo();
  } catch (_) {
    $("engine-dot").className = "dot bad";
    $("engine-status").textContent = "console unreachable";
  }
}

// ---------- log-in ----------
function showLogin() { $("login").hidden = false; $("login-token").focus(); }
$("login-form").onsubmit = async (event) => {
  event.preventDefault();
  try {
    await api("/api/login", { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: $("login-token").value }) });
    $("login").hidden = true; inline("login-error", "");
    loadInfo();
  } catch (err) { inline("login-error", err.message); }
};

// ---------- server info: voices, emotions, rigs ----------
async function loadInfo() {
  try {
    state.info = await (await api("/api/info")).json();
  } catch (err) {
    if (err.status !== 401) banner(`Cannot load the voices: ${err.message}`);
    return;
  }
  const rank = (l) => { const k = ["en-us", "cmn", "en-gb", "yue"].indexOf(l.toLowerCase()); return k < 0 ? 99 : k; };
  const languages = [...new Set(state.info.voices.map((v) => v.language))]
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  $("language").innerHTML = languages.map((l) => `<option>${l}</option>`).join("");
  $("language").value = languages[0];
  fillVoices();
  $("p-emotion").innerHTML = `<option value="">neutral</option>` +
    state.info.emotions.map((e) => `<option>${e}</option>`).join("");
  const rigNames = { arkit52: "ARKit-52", tongue: "ARKit-52 + tongue", visemes: "ARKit-52 + visemes" };
  $("p-rig").innerHTML = state.info.rigs.map((r) => `<option value="${r}">${rigNames[r] || r}</option>`).join("");
  $("hair").innerHTML = state.info.hair.map((h) => `<option value="${h}">${h === "auto" ? "auto (from the photo)" : h}</option>`).join("");
}
function fillVoices() {
  const lang = $("language").value;
  const voices = state.info.voices.filter((v) => v.language === lang);
  $("voice").innerHTML = voices.map((v) =>
    `<option value="${v.name}" data-engine="${v.engine}">${v.name}${v.engine === "espeak" ? "" : ` (${v.engine})`}</option>`).join("");
  fillStyles();
}
// espeak-ng voices take a variant after "+" (SpeakRequest.voice); Festival voices do not.
const STYLES = [["", "default"], ["f3", "female 1"], ["f4", "female 2"], ["f2", "female 3"], ["m3", "male 1"],
  ["m7", "male 2"], ["klatt4", "soft"], ["whisper", "whisper"]];
function fillStyles() {
  const espeak = $("voice").selectedOptions[0]?.dataset.engine === "espeak";
  $("style").innerHTML = (espeak ? STYLES : STYLES.slice(0, 1)).map(([v, l]) => `<option value="${v}">${l}</option>`).join("");
  $("style").value = espeak ? "f3" : "";
}
$("voice").onchange = fillStyles;
$("language").onchange = fillVoices;

// ---------- photo → head ----------
async function uploadPhoto(file) {
  inline("photo-error", "");
  $("viewer-busy").hidden = false;
  $("viewer-busy-text").textContent = `Building the head from ${file.name}…`;
  try {
    const head = await (await api(`/api/heads?hair=${encodeURIComponent($("hair").value || "auto")}`, { method: "POST", body: file,
      headers: { "content-type": file.type || "application/octet-stream" } })).json();
    const loaded = await viewer.load(head.glb_url);
    state.headId = head.id;
    $("viewer-empty").hidden = true;
    showReport(head, file.name);
    probe.head = { id: head.id, ...loaded, report: head };
  } catch (err) {
    inline("photo-error", err.message);
    if (err.status === 503) banner(err.message);
  } finally {
    $("viewer-busy").hidden = true;
    $("photo-input").value = "";
  }
}
function showReport(head, name) {
  const q = head.quality;
  const rows = [
    ["photo", name], ["faces found", q.faces_found],
    ["face width", `${q.face_width_px} px`], ["frontality", q.frontality.toFixed(2)],
    ["head pose", `yaw ${head.pose.yaw_deg}°, pitch ${head.pose.pitch_deg}°`],
    ["texture inferred", `face ${(q.face_inferred_fraction * 100).toFixed(0)} %, head ${(q.inferred_fraction * 100).toFixed(0)} %`],
    ["mesh", `${head.vertices} vertices`], ["morph targets", head.morph_targets], ["hair", head.hair_style || "none"],
  ];
  const warnings = head.warnings.length
    ? head.warnings.map((w) => `<div class="warn">⚠ ${escape(w)}</div>`).join("")
    : `<div class="good">✓ good photo: no warnings</div>`;
  $("report").innerHTML = rows.map(([k, v]) => `<div class="k">${k}</div><div>${escape(String(v))}</div>`).join("") + warnings;
  $("report").hidden = false;
}
function escape(s) { return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]); }

$("photo-input").onchange = (e) => e.target.files[0] && uploadPhoto(e.target.files[0]);
for (const zone of [$("drop"), document.querySelector(".viewer-wrap")]) {
  zone.addEventListener("dragover", (e) => { e.preventDefault(); zone.classList.add("dragging"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault(); zone.classList.remove("dragging");
    if (e.dataTransfer.files[0]) uploadPhoto(e.dataTransfer.files[0]);
  });
}

// ---------- speech sources ----------
for (const tab of document.querySelectorAll(".tab")) {
  tab.onclick = () => {
    state.tab = tab.dataset.tab;
    document.querySelectorAll(".tab").forEach((t) => t.classList.toggle("active", t === tab));
    document.querySelectorAll(".tab-body").forEach((b) => { b.hidden = b.dataset.body !== state.tab; });
    inline("speech-error", "");
  };
}
async function uploadAudio(blob, name) {
  inline("speech-error", "");
  const upload = await (await api("/api/audio", { method: "POST", body: blob,
    headers: { "content-type": blob.type || "application/octet-stream", "x-filename": encodeURIComponent(name) } })).json();
  return upload;
}
$("audio-input").onchange = async (e) => {
  const file = e.target.files[0];
  if (!file) return;
  state.audioId = null;
  $("audio-label").textContent = `Checking ${file.name}…`;
  try {
    const upload = await uploadAudio(file, file.name);
    state.audioId = upload.id;
    $("audio-label").textContent = `${file.name} · ${upload.duration_s.toFixed(1)} s · ready`;
  } catch (err) {
    $("audio-label").textContent = "Choose a WAV, MP3, OGG, FLAC, M4A or WebM file";
    inline("speech-error", err.message);
  } finally { e.target.value = ""; }
};
let recorder = null;
$("record").onclick = async () => {
  if (recorder) { recorder.stop(); return; }
  inline("speech-error", "");
  let stream;
  try { stream = await navigator.mediaDevices.getUserMedia({ audio: true }); } catch (err) {
    inline("speech-error", `No microphone: ${err.message}`); return;
  }
  const chunks = [];
  recorder = new MediaRecorder(stream);
  recorder.ondataavailable = (e) => chunks.push(e.data);
  recorder.onstop = async () => {
    stream.getTracks().forEach((t) => t.stop());
    recorder = null;
    $("record").textContent = "● Record"; $("record").classList.remove("recording");
    try {
      const upload = await uploadAudio(new Blob(chunks, { type: chunks[0]?.type || "audio/webm" }), "recording.webm");
      state.recordedId = upload.id;
      $("record-label").textContent = `recording · ${upload.duration_s.toFixed(1)} s · ready`;
    } catch (err) { inline("speech-error", err.message); }
  };
  recorder.start();
  $("record").textContent = "■ Stop recording"; $("record").classList.add("recording");
  $("record-label").textContent = "recording…";
};

// ---------- live parameters ----------
const sliders = [["p-fps", "fps-out", (v) => v], ["p-lookahead", "lookahead-out", (v) => `${v} ms`],
  ["p-head", "head-out", (v) => Number(v).toFixed(1)], ["p-blink", "blink-out", (v) => Number(v).toFixed(1)],
  ["p-expression", "expression-out", (v) => Number(v).toFixed(1)], ["p-emotion-strength", "emotion-out", (v) => Number(v).toFixed(2)]];
for (const [input, output, fmt] of sliders) {
  $(input).oninput = () => { $(output).textContent = fmt($(input).value); };
}
function params() {
  return { fps: Number($("p-fps").value), lookahead_ms: Number($("p-lookahead").value),
    head_motion: Number($("p-head").value), blink: Number($("p-blink").value),
    expression: Number($("p-expression").value), emotion: $("p-emotion").value,
    emotion_strength: Number($("p-emotion-strength").value), rig: $("p-rig").value || "arkit52" };
}

// ---------- one utterance ----------
let audioCtx = null;
class Utterance {
  constructor(record) {
    this.record = record; this.frames = []; this.audio = []; this.sources = [];
    this.t0 = null; this.done = false; this.duration = 0; this.finished = false;
  }
  header(h) { this.h = h; this.mouth = h.curves.indexOf("JawOpen"); this.plotIndex = SERIES.map((s) => h.curves.indexOf(s.name)); }
  addAudio(m) {
    const bytes = Uint8Array.from(atob(m.pcm), (c) => c.charCodeAt(0));
    const pcm = new Int16Array(bytes.buffer, 0, bytes.length >> 1);
    const buffer = audioCtx.createBuffer(1, Math.max(1, pcm.length), m.sample_rate);
    const data = buffer.getChannelData(0);
    for (let i = 0; i < pcm.length; i++) data[i] = pcm[i] / 32768;
    this.audio.push({ start: m.start_s, buffer });
    this.duration = Math.max(this.duration, m.start_s + pcm.length / m.sample_rate);
    if (this.t0 !== null) this.schedule(this.audio[this.audio.length - 1]);
    this.maybeStart();
  }
  addFrames(list) {
    for (const f of list) this.frames[f.i] = f;
    this.record.framesReceived += list.length;
    if (this.record.firstFrameAt === null) this.record.firstFrameAt = performance.now();
    this.maybeStart();
  }
  maybeStart() {
    if (this.t0 !== null || !this.audio.length || !this.record.framesReceived) return;
    this.t0 = audioCtx.currentTime + 0.05;
    this.record.startedAt = performance.now();
    this.record.audioState = audioCtx.state;
    this.audio.forEach((a) => this.schedule(a));
    $("hud-state").textContent = "speaking";
  }
  schedule(a) {
    const source = audioCtx.createBufferSource();
    source.buffer = a.buffer; source.connect(audioCtx.destination);
    source.start(this.t0 + a.start);
    this.sources.push(source);
  }
  stop() { this.sources.forEach((s) => { try { s.stop(); } catch (_) { /* not started */ } }); this.finished = true; }
  // The pose at playback time t, interpolated between the two frames around it.
  sample(t) {
    const fps = this.h.fps, x = Math.max(0, t * fps), i0 = Math.floor(x);
    let f0 = this.frames[i0];
    if (!f0) { for (let k = i0 - 1; k >= Math.max(0, i0 - 10) && !f0; k--) f0 = this.frames[k]; }
    if (!f0) return null;
    const f1 = this.frames[i0 + 1] || f0, a = f1 === f0 ? 0 : x - i0;
    const w = f0.w.map((v, k) => v + (f1.w[k] - v) * a);
    const q = f0.j.map((q0, k) => {
      const q1 = f1.j[k], s = q0[0] * q1[0] + q0[1] * q1[1] + q0[2] * q1[2] + q0[3] * q1[3] < 0 ? -1 : 1;
      const r = q0.map((v, c) => v + (s * q1[c] - v) * a), n = Math.hypot(...r) || 1;
      return r.map((v) => v / n);
    });
    const angles = f0.a.map((v, k) => v + (f1.a[k] - v) * a);
    return { w, q, angles };
  }
}

viewer.onFrame = () => {
  const u = state.take;
  if (!u || u.t0 === null || u.finished) { plot.draw(u && u.lastT ? u.lastT : 0); return; }
  const t = audioCtx.currentTime - u.t0;
  if (t < 0) return;
  const pose = u.sample(t);
  if (pose) {
    viewer.pose(u.h.curves, pose.w, u.h.joints, pose.q);
    plot.push(t, SERIES.map((s, k) => (s.angle !== undefined ? pose.angles[s.angle] : u.plotIndex[k] >= 0 ? pose.w[u.plotIndex[k]] : 0)));
    const rec = u.record;
    const jaw = viewer.mesh ? viewer.morph("JawOpen") : pose.w[u.mouth];
    if (rec.trace.length < 4000) rec.trace.push([+t.toFixed(3), +(jaw ?? 0).toFixed(4), +pose.w[u.mouth].toFixed(4)]);
    if (rec.firstMouthAt === null && jaw > 0.05) rec.firstMouthAt = performance.now();
  }
  u.lastT = t;
  plot.draw(t);
  $("hud-state").textContent = `speaking · ${t.toFixed(1)} s`;
  if (u.done && t > u.duration + 0.25) finish(u);
};
setInterval(() => { $("hud-fps").textContent = `${viewer.fps.toFixed(0)} fps`; probe.viewerFps = viewer.fps; }, 500);

function finish(u) {
  u.finished = true;
  u.record.finished = true;
  viewer.rest();
  $("hud-state").textContent = "idle";
  $("speak").disabled = false; $("stop").disabled = true;
}

let socket = null;
// A socket opened ahead of time, so that Speak does not wait for a handshake.
let warmSocket = null;
const speakUrl = () => `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/api/speak`;
function warmUp() {
  const ws = new WebSocket(speakUrl());
  ws.onclose = () => { if (warmSocket === ws) warmSocket = null; };
  warmSocket = ws;
}
function takeWarmSocket() {
  const ws = warmSocket && warmSocket.readyState <= WebSocket.OPEN ? warmSocket : new WebSocket(speakUrl());
  warmSocket = null;
  ws.onclose = null;
  setTimeout(warmUp, 0);
  return ws;
}
async function speak() {
  inline("speech-error", "");
  const request = { params: params(), head_id: state.headId || "" };
  if (state.tab === "text") {
    request.text = $("text").value.trim();
    request.voice = ($("voice").value || "") + ($("style").value ? `+${$("style").value}` : "");
    if (!request.text) { inline("speech-error", "Type something to say first."); return; }
  } else {
    request.audio_id = state.tab === "audio" ? state.audioId : state.recordedId;
    if (!request.audio_id) {
      inline("speech-error", state.tab === "audio" ? "Choose an audio file first." : "Record something first."); return;
    }
  }
  audioCtx = audioCtx || new AudioContext();
  if (audioCtx.state !== "running") audioCtx.resume().catch(() => {});
  stopSpeaking();
  plot.clear();
  const record = { clickAt: performance.now(), firstFrameAt: null, startedAt: null, firstMouthAt: null,
    framesReceived: 0, trace: [], finished: false, error: null, take: null, audioState: audioCtx.state };
  probe.utterances.push(record);
  const u = new Utterance(record);
  state.take = u;
  $("speak").disabled = true; $("stop").disabled = false;
  $("hud-state").textContent = "waiting for the engine…";
  $("speak-info").textContent = "";
  const ws = takeWarmSocket();
  socket = ws;
  if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(request));
  else ws.onopen = () => ws.send(JSON.stringify(request));
  ws.onmessage = (event) => {
    const m = JSON.parse(event.data);
    if (m.type === "header") {
      u.header(m);
      $("speak-info").textContent = m.source === "tts" ? `${m.voice} · ${m.fps} fps` : `${m.engine} · ${m.fps} fps · look-ahead ${m.lookahead_ms} ms`;
    } else if (m.type === "audio") u.addAudio(m);
    else if (m.type === "frames") u.addFrames(m.frames);
    else if (m.type === "done") {
      u.done = true; record.take = m.take; state.takeId = m.take;
      enableDownloads(m);
    } else if (m.type === "error") {
      record.error = m.message;
      inline("speech-error", m.message);
      if (m.status === 503) banner(m.message);
      u.stop(); finish(u);
    }
  };
  ws.onclose = (event) => {
    if (!u.done && !record.error && state.take === u) {
      const message = event.code === 4401 ? "This console needs its token: reload and log in."
        : "The connection to the console closed before the speech was done; try again.";
      record.error = message; inline("speech-error", message);
      u.stop(); finish(u);
    }
  };
}
function stopSpeaking() {
  if (socket) { socket.onclose = null; try { socket.close(); } catch (_) { /* closed */ } socket = null; }
  if (state.take && !state.take.finished) { state.take.stop(); finish(state.take); }
}
$("speak").onclick = speak;
$("stop").onclick = stopSpeaking;

// ---------- downloads ----------
function enableDownloads(done) {
  for (const b of document.querySelectorAll(".dl")) {
    b.disabled = ["glb", "mp4"].includes(b.dataset.kind) && !done.has_head;
  }
  $("download-info").textContent = `${done.frames} frames, ${done.duration_s.toFixed(2)} s` +
    (done.has_head ? "" : " · upload a photo to get the GLB and MP4");
}
for (const b of document.querySelectorAll(".dl")) {
  b.onclick = async () => {
    const kind = b.dataset.kind, take = state.takeId;
    b.classList.add("busy"); b.disabled = true;
    $("download-info").textContent = kind === "mp4" ? "Rendering the MP4 preview…" : `Preparing the ${kind.toUpperCase()}…`;
    try {
      const blob = await (await api(`/api/takes/${take}.${kind}`)).blob();
      const a = Object.assign(document.createElement("a"), { href: URL.createObjectURL(blob), download: `ftalk-${take}.${kind}` });
      document.body.appendChild(a); a.click(); a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 10000);
      $("download-info").textContent = `${kind.toUpperCase()} saved (${(blob.size / 1024).toFixed(0)} KB)`;
      probe.lastDownload = { kind, bytes: blob.size };
    } catch (err) {
      $("download-info").textContent = "";
      banner(`Download failed: ${err.message}`);
    } finally { b.classList.remove("busy"); b.disabled = false; }
  };
}

// ---------- start ----------
(async () => {
  try {
    const session = await (await fetch("/api/session")).json();
    if (session.token_required && !session.authorised) showLogin();
  } catch (_) { banner("The console is not reachable."); }
  pollHealth();
  setInterval(pollHealth, 4000);
  warmUp();
})();
