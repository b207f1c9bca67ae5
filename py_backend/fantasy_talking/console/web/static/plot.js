// A rolling plot of the key curves on the playback clock: mouth and blinks (0..1) on top,
// head angles (radians) below. Draws only what it is given; no animation logic here.
export const SERIES = [
  { name: "JawOpen", colour: "#ffb347", lane: 0 },
  { name: "MouthClose", colour: "#4dd0c8", lane: 0 },
  { name: "EyeBlinkLeft", colour: "#8fa8ff", lane: 0 },
  { name: "EyeBlinkRight", colour: "#c58fff", lane: 0 },
  { name: "HeadYaw", colour: "#ff6b81", lane: 1, angle: 0 },
  { name: "HeadPitch", colour: "#9be564", lane: 1, angle: 1 },
  { name: "HeadRoll", colour: "#f5e663", lane: 1, angle: 2 },
];
const WINDOW_S = 6;
const ANGLE_RANGE = 0.25;

export class Plot {
  constructor(canvas) {
    this.canvas = canvas;
    this.ctx = canvas.getContext("2d");
    this.points = [];
  }

  clear() { this.points = []; this.draw(0); }

  // values: one number per SERIES entry, at playback time t (s).
  push(t, values) {
    this.points.push([t, values]);
    while (this.points.length && this.points[0][0] < t - WINDOW_S - 1) this.points.shift();
  }

  draw(now) {
    const c = this.canvas, g = this.ctx, dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth, h = c.clientHeight;
    if (c.width !== w * dpr || c.height !== h * dpr) { c.width = w * dpr; c.height = h * dpr; }
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    const lanes = [[4, h * 0.62], [h * 0.66, h - 4]];
    g.strokeStyle = "#2a3344"; g.lineWidth = 1; g.font = "10px sans-serif"; g.fillStyle = "#6c788c";
    for (const [top, bottom] of lanes) { g.strokeRect(0.5, top + 0.5, w - 1, bottom - top - 1); }
    g.fillText("0..1", 4, lanes[0][0] + 11); g.fillText(`±${ANGLE_RANGE} rad`, 4, lanes[1][0] + 11);
    const start = Math.max(0, now - WINDOW_S);
    for (let s = Math.ceil(start); s <= now; s++) {
      const x = ((s - start) / WINDOW_S) * w;
      g.strokeStyle = "#222a38"; g.beginPath(); g.moveTo(x, 4); g.lineTo(x, h - 4); g.stroke();
      g.fillText(`${s}s`, x + 2, h - 7);
    }
    SERIES.forEach((series, k) => {
      const [top, bottom] = lanes[series.lane];
      g.strokeStyle = series.colour; g.lineWidth = 1.6; g.beginPath();
      let first = true;
      for (const [t, values] of this.points) {
        if (t < start) continue;
        const v = values[k];
        const unit = series.lane === 0 ? v : 0.5 + v / (2 * ANGLE_RANGE);
        const x = ((t - start) / WINDOW_S) * w;
        const y = bottom - Math.max(0, Math.min(1, unit)) * (bottom - top);
        if (first) { g.moveTo(x, y); first = false; } else g.lineTo(x, y);
      }
      g.stroke();
    });
  }
}
