// Drive `ftalk console` in headless Debian Chromium like a first-time user, and report what happened.
// Usage: node console_e2e.mjs CONFIG.json   (prints one JSON line; screenshots go to config.out)
//
// config: { url, out, photo?, noface?, speakRuns, scenario: "main" | "down" }
// "down": the engine is down when the page opens; the script prints WAITING_FOR_ENGINE, reads one
// line from stdin (the test restarts the engine meanwhile), then tries again on the same page.
import { readFile } from "node:fs/promises";
import path from "node:path";
import readline from "node:readline";
import { chromium } from "playwright-core";

const config = JSON.parse(await readFile(process.argv[2], "utf8"));
const shot = (page, name) => page.screenshot({ path: path.join(config.out, `${name}.png`) });
const result = { steps: [] };
const step = (name, data) => result.steps.push({ name, ...data });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
         "--disable-sync", "--no-first-run", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
         "--autoplay-policy=no-user-gesture-required", "--use-fake-ui-for-media-stream",
         "--use-fake-device-for-media-stream"],
});

async function speakOnce(page, timeout = 60000) {
  const n = await page.evaluate(() => window.__ftalk.utterances.length);
  await page.click("#speak");
  await page.waitForFunction((k) => {
    const u = window.__ftalk.utterances[k];
    return u && (u.finished || u.error);
  }, n, { timeout });
  return page.evaluate((k) => {
    const u = window.__ftalk.utterances[k];
    const jaw = u.trace.map((r) => r[1]);
    return { error: u.error, frames: u.framesReceived, take: u.take, audioState: u.audioState,
             clickToFirstFrameMs: u.firstFrameAt && u.firstFrameAt - u.clickAt,
             clickToMouthMs: u.firstMouthAt && u.firstMouthAt - u.clickAt,
             samples: u.trace.length, playedS: u.trace.length ? u.trace[u.trace.length - 1][0] : 0,
             jawMin: jaw.length ? Math.min(...jaw) : null, jawMax: jaw.length ? Math.max(...jaw) : null };
  }, n);
}

async function waitEngine(page, serving) {
  await page.waitForFunction((want) => document.querySelector("#engine-status").textContent.includes(want),
    serving ? "serving" : "unreachable", { timeout: 30000 });
}

try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 860 } });
  const consoleErrors = [];
  page.on("pageerror", (e) => consoleErrors.push(String(e)));
  await page.goto(config.url);

  if (config.scenario === "main") {
    await waitEngine(page, true);
    await page.waitForFunction(() => document.querySelectorAll("#voice option").length > 0);
    step("voices", { count: await page.locator("#voice option").count() });
    await shot(page, "console_start");

    if (config.photo) {
      await page.setInputFiles("#photo-input", config.photo);
      await page.waitForFunction(() => window.__ftalk.head || !document.querySelector("#photo-error").hidden,
        null, { timeout: 120000 });
      const head = await page.evaluate(() => window.__ftalk.head);
      step("head", { loaded: !!head, morphTargets: head?.morphTargets, bones: head?.bones,
                     error: await page.locator("#photo-error").textContent() });
      await page.waitForTimeout(500);
      await shot(page, "console_head");
    }

    // One sentence, with a screenshot while the head speaks.
    await page.fill("#text", "Hello! I am a talking head, made from a single photo. Maybe the moon will pop up.");
    const n = await page.evaluate(() => window.__ftalk.utterances.length);
    await page.click("#speak");
    await page.waitForFunction((k) => {
      const u = window.__ftalk.utterances[k];
      return u && (u.error || (u.trace.length && u.trace[u.trace.length - 1][0] > 1.2));
    }, n, { timeout: 60000 });
    await shot(page, "console_speaking");
    await page.waitForFunction((k) => window.__ftalk.utterances[k].finished || window.__ftalk.utterances[k].error, n,
      { timeout: 60000 });
    const first = await page.evaluate((k) => {
      const u = window.__ftalk.utterances[k], jaw = u.trace.map((r) => r[1]);
      return { error: u.error, frames: u.framesReceived, take: u.take, audioState: u.audioState,
               playedS: u.trace.length ? u.trace[u.trace.length - 1][0] : 0, samples: u.trace.length,
               jawMin: Math.min(...jaw), jawMax: Math.max(...jaw) };
    }, n);
    step("speak", first);
    await shot(page, "console_done");

    // Downloads through the page (the MP4 renders on the server).
    for (const kind of ["csv", "json", "glb", "mp4"]) {
      if ((kind === "glb" || kind === "mp4") && !config.photo) continue;
      const [download] = await Promise.all([page.waitForEvent("download", { timeout: 120000 }),
        page.click(`.dl[data-kind=${kind}]`)]);
      const file = path.join(config.out, `take.${kind}`);
      await download.saveAs(file);
      step("download", { kind, file });
    }

    // Viewer frame rate while idle, on software GL.
    await page.waitForTimeout(2500);
    step("viewer_fps", { fps: await page.evaluate(() => window.__ftalk.viewerFps) });

    // Speak click → first mouth movement, several runs.
    await page.fill("#text", "Open the window, please.");
    const runs = [];
    for (let i = 0; i < config.speakRuns; i++) runs.push(await speakOnce(page));
    step("latency_runs", { runs });

    // Error paths on the same page; each is followed by a good request.
    if (config.noface) {
      await page.setInputFiles("#photo-input", config.noface);
      await page.waitForFunction(() => !document.querySelector("#photo-error").hidden, null, { timeout: 60000 });
      step("noface", { message: await page.locator("#photo-error").textContent() });
      await shot(page, "console_noface");
    }
    await page.setInputFiles("#photo-input", { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("not a photo\n") });
    await page.waitForFunction(() => /not a photo/.test(document.querySelector("#photo-error").textContent));
    step("wrong_type", { message: await page.locator("#photo-error").textContent() });

    await page.click(".tab[data-tab=audio]");
    const corrupt = Buffer.concat([Buffer.from("RIFF\x24\x00\x00\x00WAVEfmt "), Buffer.alloc(4000, 0x5a)]);
    await page.setInputFiles("#audio-input", { name: "broken.wav", mimeType: "audio/wav", buffer: corrupt });
    await page.waitForFunction(() => !document.querySelector("#speech-error").hidden, null, { timeout: 30000 });
    step("corrupt_audio", { message: await page.locator("#speech-error").textContent() });
    await shot(page, "console_corrupt_audio");
    if (config.silentWav) {
      await page.setInputFiles("#audio-input", config.silentWav);
      await page.waitForFunction(() => /silent/.test(document.querySelector("#speech-error").textContent), null, { timeout: 30000 });
      step("silent_audio", { message: await page.locator("#speech-error").textContent() });
    }
    if (config.speechWav) {
      await page.setInputFiles("#audio-input", config.speechWav);
      await page.waitForFunction(() => /ready/.test(document.querySelector("#audio-label").textContent), null, { timeout: 30000 });
      step("audio_speak", await speakOnce(page));
      await shot(page, "console_audio_done");
    }
    // Record from the (fake) microphone: Chromium's fake capture device plays a beep.
    await page.click(".tab[data-tab=record]");
    await page.click("#record");
    await page.waitForTimeout(1500);
    await page.click("#record");
    await page.waitForFunction(() => /ready/.test(document.querySelector("#record-label").textContent) ||
      !document.querySelector("#speech-error").hidden, null, { timeout: 30000 });
    const label = await page.locator("#record-label").textContent();
    step("record", { label, spoken: /ready/.test(label) ? await speakOnce(page) : null,
                     error: await page.locator("#speech-error").textContent() });
    await page.click(".tab[data-tab=text]");
    step("after_errors", await speakOnce(page));
  } else if (config.scenario === "down") {
    await waitEngine(page, false);
    await page.click("#speak");
    await page.waitForFunction(() => !document.querySelector("#speech-error").hidden, null, { timeout: 30000 });
    step("down_speak", { message: await page.locator("#speech-error").textContent(),
                         banner: await page.locator("#banner-text").textContent() });
    await shot(page, "console_engine_down");
    console.log("WAITING_FOR_ENGINE");
    const rl = readline.createInterface({ input: process.stdin });
    await new Promise((resolve) => rl.once("line", resolve));
    rl.close();
    await waitEngine(page, true);
    await page.waitForFunction(() => document.querySelectorAll("#voice option").length > 0, null, { timeout: 30000 });
    step("after_restart", await speakOnce(page));
  }
  result.pageErrors = consoleErrors;
} catch (err) {
  result.failure = String(err && err.stack || err);
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));
