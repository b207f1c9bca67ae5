/*
 * stream_wav: stream a WAV file to a FantasyTalking server and print the JawOpen curve.
 *
 *   stream_wav HOST:PORT speech.wav [--fast]
 *
 * It does what a game does: it sends the audio as it "plays" (20 ms at a time, in real time),
 * and on every game frame (30 per second here) samples the animation at the audio's playback
 * time. Playback starts one look-ahead after the audio is sent, because that is how far the
 * server looks ahead before it emits a frame. With --fast it sends everything at once and then
 * samples every frame time, which is how a tool that bakes animation works.
 *
 * Build: part of native/ (cmake --build build/native), or by hand:
 *   cc stream_wav.c -I native/include -L build/native -lftalk_client -o stream_wav
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ftalk_client.h"

/* A 16-bit PCM WAV file, read whole. */
typedef struct {
  uint32_t sample_rate;
  uint16_t channels;
  int16_t *samples; /* interleaved */
  size_t frames;    /* samples per channel */
} wav_t;

static uint32_t le32(const unsigned char *p) { return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24; }
static uint16_t le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }

static int read_wav(const char *path, wav_t *wav) {
  FILE *f = fopen(path, "rb");
  if (!f) return -1;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *b = malloc((size_t)size);
  if (!b || fread(b, 1, (size_t)size, f) != (size_t)size) { fclose(f); free(b); return -1; }
  fclose(f);
  int ok = -1;
  uint16_t format = 0, bits = 0;
  if (size >= 12 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WAVE", 4)) {
    for (long pos = 12; pos + 8 <= size;) {
      uint32_t len = le32(b + pos + 4);
      if (!memcmp(b + pos, "fmt ", 4)) {
        format = le16(b + pos + 8);
        wav->channels = le16(b + pos + 10);
        wav->sample_rate = le32(b + pos + 12);
        bits = le16(b + pos + 22);
      } else if (!memcmp(b + pos, "data", 4) && format == 1 && bits == 16 && wav->channels) {
        size_t n = len < (uint32_t)(size - pos - 8) ? len : (size_t)(size - pos - 8);
        wav->frames = n / (2u * wav->channels);
        wav->samples = malloc(wav->frames * wav->channels * 2 + 1);
        memcpy(wav->samples, b + pos + 8, wav->frames * wav->channels * 2);
        ok = 0;
        break;
      }
      pos += 8 + len + (len & 1);
    }
  }
  free(b);
  return ok;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_until(double t) {
  double d = t - now_s();
  if (d <= 0) return;
  struct timespec ts = {(time_t)d, (long)((d - (time_t)d) * 1e9)};
  nanosleep(&ts, NULL);
}

static int fail(const char *what, ftalk_status s) {
  fprintf(stderr, "stream_wav: %s: %s: %s\n", what, ftalk_status_name(s), ftalk_last_error());
  return 1;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s HOST:PORT speech.wav [--fast]\n", argv[0]);
    return 2;
  }
  int fast = argc > 3 && !strcmp(argv[3], "--fast");
  if (ftalk_abi_version() != FTALK_ABI_VERSION) {
    fprintf(stderr, "stream_wav: library ABI %d, header ABI %d\n", ftalk_abi_version(), FTALK_ABI_VERSION);
    return 1;
  }
  wav_t wav = {0};
  if (read_wav(argv[2], &wav) != 0) {
    fprintf(stderr, "stream_wav: %s is not a 16-bit PCM WAV file\n", argv[2]);
    return 2;
  }

  /* 1. A client: where the server is (add tls_root_cert_pem and token for a remote server). */
  ftalk_client_config client_config;
  ftalk_client_config_init(&client_config);
  client_config.address = argv[1];
  ftalk_client *client = NULL;
  ftalk_status s = ftalk_client_create(&client_config, &client);
  if (s != FTALK_OK) return fail("client", s);

  /* 2. A stream: the audio's layout and the animation options. */
  ftalk_stream_config config;
  ftalk_stream_config_init(&config);
  config.sample_rate_hz = wav.sample_rate;
  config.channels = wav.channels;
  config.options.fps = 30;
  if (fast) config.idle_after_ms = 10000; /* faster than real time: a network stall is not a pause */
  ftalk_stream *stream = NULL;
  if ((s = ftalk_stream_open(client, &config, &stream)) != FTALK_OK) return fail("open", s);

  /* 3. Send the audio as it plays, and on every game frame sample at the playback clock. */
  const size_t chunk = wav.sample_rate / 50; /* 20 ms */
  const double duration = (double)wav.frames / wav.sample_rate;
  const double playback_delay = 0.15;        /* the server's look-ahead (100 ms) plus a margin */
  float weights[128];
  ftalk_quat joints[16];
  size_t jaw_open = (size_t)-1, sent = 0;
  ftalk_animation_header header;
  double start = now_s();
  int tick = 0;
  while ((double)tick / 30.0 <= duration) {
    /* The "microphone": every 20 ms of audio that has played by now. */
    while (sent < wav.frames && (fast || now_s() - start >= (double)sent / wav.sample_rate)) {
      size_t n = wav.frames - sent < chunk ? wav.frames - sent : chunk;
      if ((s = ftalk_stream_push(stream, wav.samples + sent * wav.channels, n * wav.channels * 2)) != FTALK_OK)
        return fail("push", s);
      sent += n;
      if (sent == wav.frames && (s = ftalk_stream_end(stream)) != FTALK_OK) return fail("end", s);
    }
    if (fast && ftalk_stream_wait(stream, 30000) != FTALK_DONE) return fail("wait", FTALK_E_TIMEOUT);
    /* The names come once, with the stream's header. */
    if (jaw_open == (size_t)-1) {
      if (ftalk_stream_header(stream, &header) != FTALK_OK) { sleep_until(now_s() + 0.005); continue; }
      if (header.curve_count > 128 || header.joint_count > 16) return fail("header", FTALK_E_BUFFER_TOO_SMALL);
      for (size_t i = 0; i < header.curve_count; ++i)
        if (!strcmp(header.curve_names[i], "JawOpen")) jaw_open = i;
      if (jaw_open == (size_t)-1) return fail("no JawOpen curve", FTALK_E_PROTOCOL);
    }
    /* The game frame: what does the face look like at the audio's playback time? */
    double t = (double)tick / 30.0;
    if (!fast) {
      double due = start + playback_delay + t;
      if (now_s() < due) { sleep_until(due < now_s() + 0.005 ? due : now_s() + 0.005); continue; }
    }
    s = ftalk_stream_sample(stream, t, weights, header.curve_count, joints, header.joint_count);
    if (s < 0) return fail("sample", s);
    printf("t=%.3f JawOpen=%.3f %.*s\n", t, weights[jaw_open], (int)(weights[jaw_open] * 40 + 0.5),
           "########################################");
    ++tick;
  }

  /* 4. The outcome, then clean up. */
  ftalk_stream_wait(stream, 10000);
  ftalk_stream_result result;
  ftalk_stream_result_get(stream, &result);
  fprintf(stderr, "stream_wav: %s, %llu frames for %.2f s of audio%s%s\n",
          result.state == FTALK_STREAM_FINISHED ? "finished" : "failed", (unsigned long long)result.frames,
          result.audio_seconds, *result.message ? ": " : "", result.message);
  int failed = result.state != FTALK_STREAM_FINISHED;
  ftalk_stream_close(stream);
  ftalk_client_close(client);
  free(wav.samples);
  return failed;
}
