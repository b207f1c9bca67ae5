/*
 * ftalk_client.h — the C API of the FantasyTalking native client (libftalk_client).
 *
 * One shared library holds gRPC, protobuf and the frame buffer; engines (Unreal, Unity through
 * P/Invoke, render farms, plain C) talk to it through this header only. Only `ftalk_*` symbols
 * are exported, so the library can sit in a process that has its own protobuf or OpenSSL.
 *
 * Conventions (the manner of SQLite and libgit2):
 *
 *  - Handles are opaque. `ftalk_client`, `ftalk_stream`, `ftalk_clip`, `ftalk_head`,
 *    `ftalk_server_info` and `ftalk_voice_list` are tokens, never dereferenced by the caller.
 *    A handle stays valid until its close/free function; after that every call with it returns
 *    FTALK_E_CLOSED (handles are never reused, so a stale handle cannot reach a new object).
 *    Closing a client does not close its streams; each must still be closed.
 *  - Every function returns an `ftalk_status`: 0 on success, a positive value for a
 *    non-error outcome (FTALK_NOT_READY, FTALK_DONE), a negative value on error. After an error,
 *    ftalk_last_error() gives a human-readable message on the same thread.
 *  - Strings are UTF-8 and NUL-terminated. Strings and arrays the library returns belong to the
 *    object they came from and live until that object is closed/freed, unless stated otherwise.
 *    Buffers the caller passes in are copied before the call returns; the caller keeps them.
 *  - Configuration structs start with `struct_size`. Fill them with the matching *_init()
 *    function, then change the fields you need. New fields are only ever appended, and the
 *    library reads no further than `struct_size`, so a program built against an older header
 *    keeps working with a newer library.
 *  - No C++ exception ever leaves the library. Out-of-memory and internal failures become
 *    FTALK_E_NOMEM / FTALK_E_INTERNAL.
 *  - Thread safety: every function may be called from any thread. One stream may be pushed
 *    to from one thread (an audio thread), sampled from another (the game thread) and closed
 *    from a third: calls already inside the library finish safely, later ones get FTALK_E_CLOSED.
 *  - Blocking: only the functions documented as blocking wait, and never longer than the timeout
 *    they name (in the client config or as an argument). Push, sample, interrupt and end never
 *    block on the network.
 *  - Callbacks run on a library thread. Keep them short; they may call ftalk_* functions on any
 *    handle except closing the handle that invoked them (that returns FTALK_E_STATE).
 */
#ifndef FTALK_CLIENT_H
#define FTALK_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32) || defined(__CYGWIN__)
#  if defined(FTALK_BUILDING_LIBRARY)
#    define FTALK_API __declspec(dllexport)
#  elif defined(FTALK_STATIC)
#    define FTALK_API
#  else
#    define FTALK_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) || defined(__clang__)
#  define FTALK_API __attribute__((visibility("default")))
#else
#  define FTALK_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------------------------ */
/* Versions                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/** ABI version of this header. Bumped only on incompatible change (never so far). */
#define FTALK_ABI_VERSION 1
/** Library version of this header, "MAJOR.MINOR.PATCH". */
#define FTALK_VERSION_STRING "0.1.0"

/** ABI version of the loaded library; compare with FTALK_ABI_VERSION before any other call. */
FTALK_API int ftalk_abi_version(void);
/** Version of the loaded library, such as "0.1.0" (static string). */
FTALK_API const char *ftalk_version(void);

/* ------------------------------------------------------------------------------------------ */
/* Status codes and errors                                                                     */
/* ------------------------------------------------------------------------------------------ */

typedef enum ftalk_status {
  FTALK_OK = 0,
  /** Not an error: nothing yet (no header, no frame, no event, the wait timed out). */
  FTALK_NOT_READY = 1,
  /** Not an error: the stream has finished and nothing more will come. */
  FTALK_DONE = 2,

  /** A null pointer, an out-of-range value or a size that is not whole samples. */
  FTALK_E_INVALID_ARGUMENT = -1,
  /** An output buffer is smaller than the data (see the function for the size it needs). */
  FTALK_E_BUFFER_TOO_SMALL = -2,
  /** The call does not fit the object's state: push after end, push to a Speak stream. */
  FTALK_E_STATE = -3,
  /** The handle was closed or freed (or never came from this library). */
  FTALK_E_CLOSED = -4,
  /** The server cannot be reached, or went away mid-call. The client reconnects by itself. */
  FTALK_E_UNAVAILABLE = -5,
  /** A documented timeout expired. */
  FTALK_E_TIMEOUT = -6,
  /** The server wants a bearer token, or another one. */
  FTALK_E_UNAUTHENTICATED = -7,
  /** The peer answers but is not a FantasyTalking v1 server (or not this API version). */
  FTALK_E_PROTOCOL = -8,
  /** The server rejected the request (bad audio, bad options, a photo without a face...). */
  FTALK_E_REJECTED = -9,
  /** The server is at its limit of concurrent streams, or a message is too large; retry later. */
  FTALK_E_RESOURCE_EXHAUSTED = -10,
  /** The call was cancelled (by a callback returning non-zero, or by close). */
  FTALK_E_CANCELLED = -11,
  /** The stream's send queue is full (see ftalk_stream_config.max_queued_bytes); push later. */
  FTALK_E_BUSY = -12,
  /** TLS set-up failed (bad certificate PEM, handshake refused). */
  FTALK_E_TLS = -13,
  /** Out of memory. */
  FTALK_E_NOMEM = -14,
  /** A bug in the library or the server (gRPC INTERNAL / UNKNOWN); the message says more. */
  FTALK_E_INTERNAL = -15,
  /** The server is shutting down and closed the stream (its grace period ended): the audio it
   *  received was animated and every frame of it sent. Open a new stream (to another server, or
   *  to this one once it is back) to go on; the client reconnects by itself. */
  FTALK_E_SHUTDOWN = -16
} ftalk_status;

/**
 * The message of the last error returned on the calling thread ("" when none). The string stays
 * valid until the next ftalk_* call on this thread. Successful calls do not clear it.
 */
FTALK_API const char *ftalk_last_error(void);
/** The status of the last error on the calling thread (FTALK_OK when none). */
FTALK_API ftalk_status ftalk_last_error_code(void);
/** The gRPC status code behind the last error on this thread, or -1 when it did not come from gRPC. */
FTALK_API int ftalk_last_error_grpc_code(void);
/** A static name for a status, such as "FTALK_E_UNAVAILABLE". */
FTALK_API const char *ftalk_status_name(ftalk_status status);

/* ------------------------------------------------------------------------------------------ */
/* Plain data types                                                                            */
/* ------------------------------------------------------------------------------------------ */

/** A unit quaternion (x, y, z, w) in the joint's parent space; +X to the character's left,
 *  +Y up, +Z forward (out of the face), right-handed. */
typedef struct ftalk_quat {
  float x, y, z, w;
} ftalk_quat;

/** PCM sample layout (matches fantasytalking.v1.AudioEncoding). */
typedef enum ftalk_audio_encoding {
  FTALK_AUDIO_UNSPECIFIED = 0,
  /** Signed 16-bit little-endian, channels interleaved. */
  FTALK_AUDIO_PCM_S16LE = 1,
  /** 32-bit little-endian floats in [-1, 1], channels interleaved. */
  FTALK_AUDIO_PCM_F32LE = 2
} ftalk_audio_encoding;

/** Which curves frames carry (matches fantasytalking.v1.RigProfile). */
typedef enum ftalk_rig_profile {
  FTALK_RIG_DEFAULT = 0,          /**< same as FTALK_RIG_ARKIT_52 */
  FTALK_RIG_ARKIT_52 = 1,         /**< the 52 ARKit curves, Live Link Face names and order */
  FTALK_RIG_ARKIT_52_TONGUE = 2,  /**< ARKit-52 then 4 tongue extras */
  FTALK_RIG_ARKIT_52_VISEMES = 3  /**< ARKit-52 then the 15 Oculus visemes */
} ftalk_rig_profile;

/** Speech analysis (matches fantasytalking.v1.SpeechEngine). */
typedef enum ftalk_speech_engine {
  FTALK_ENGINE_AUTO = 0,
  FTALK_ENGINE_ACOUSTIC = 1,
  FTALK_ENGINE_PHONETIC = 2,      /**< clips only */
  FTALK_ENGINE_FUSED = 3,         /**< acoustic + streaming phone loop (lip shape); streams */
  FTALK_ENGINE_WORDS = 4          /**< acoustic + lips sealed on the clip's recognised /p b m/; clips only */
} ftalk_speech_engine;

/** Animation options (fantasytalking.v1.AnimationOptions). Fill with ftalk_animation_options_init. */
typedef struct ftalk_animation_options {
  uint32_t struct_size;
  /** Frames per second, 1..120; 0 means 30. */
  uint32_t fps;
  /** Look-ahead in milliseconds, 0..500; negative means the server's default (100). */
  int32_t lookahead_ms;
  /** BCP-47 language hint ("en-US", "zh-CN"); NULL or "" means unknown. */
  const char *language;
  /** What is said, when known (forced alignment for English clips); NULL or "" for none. */
  const char *transcript;
  /** Head and neck motion scale 0..2; negative means the default (1). */
  float head_motion;
  /** Blink rate scale 0..2; negative means the default (1). */
  float blink;
  /** Prosody-driven brows/cheeks/smile scale 0..2; negative means the default (1). */
  float expression;
  /** Which curves to emit. */
  ftalk_rig_profile rig;
  /** Seed for blinks, gaze and head drift; equal seeds give equal output. */
  uint64_t seed;
  /** Which speech analysis to use. */
  ftalk_speech_engine engine;
  /** Held emotions: `emotion_count` names ("joy", "anger", ... the Audio2Face-3D set) and
   *  strengths 0..1, parallel arrays; both may be NULL when the count is 0. */
  size_t emotion_count;
  const char *const *emotion_names;
  const float *emotion_strengths;
} ftalk_animation_options;

/** Sets `struct_size` and every default (fps 30, server look-ahead, default scales). */
FTALK_API ftalk_status ftalk_animation_options_init(ftalk_animation_options *options);

/** Curve and joint names, sent once per stream or clip so that frames can be plain arrays. */
typedef struct ftalk_animation_header {
  /** Blendshape curve names in frame order (Live Link Face names: "JawOpen", "EyeBlinkLeft"...). */
  size_t curve_count;
  const char *const *curve_names;
  /** Joint names in frame order ("jaw", "neck", "head", "eye_L", "eye_R"). */
  size_t joint_count;
  const char *const *joint_names;
  /** Frames per second. */
  uint32_t fps;
  /** Look-ahead in force, in milliseconds. */
  uint32_t lookahead_ms;
  /** The engine that produced the curves ("acoustic", "phonetic", "tts"). */
  const char *engine;
} ftalk_animation_header;

/** Number of per-frame angles (FTALK_ANGLE_COUNT = 9): the Live Link Face head and eye angles. */
#define FTALK_ANGLE_COUNT 9
/** Live Link Face name of angle `i` (0..8): HeadYaw, HeadPitch, HeadRoll, LeftEyeYaw,
 *  LeftEyePitch, LeftEyeRoll, RightEyeYaw, RightEyePitch, RightEyeRoll; NULL when out of range. */
FTALK_API const char *ftalk_angle_name(size_t i);

/** One animation frame. Arrays point into library memory; see the function for their lifetime. */
typedef struct ftalk_frame {
  /** Presentation time on the audio's clock: sample N is at N / sample_rate; == index / fps. */
  double time_s;
  /** Frame number from 0. */
  uint64_t index;
  /** Non-zero when no speech drives the frame (idle motion only). */
  int idle;
  /** Blendshape weights in [0, 1], in header order (`weight_count` == header curve_count). */
  size_t weight_count;
  const float *weights;
  /** Joint rotations in header order. */
  size_t joint_count;
  const ftalk_quat *joints;
  /** The nine Live Link Face angles in radians (see ftalk_angle_name); count may be 0. */
  size_t angle_count;
  const float *angles;
} ftalk_frame;

/** A viseme decided by the engine. */
typedef struct ftalk_viseme {
  /** Oculus/Meta viseme index 0..14 (sil, PP, FF, TH, DD, kk, CH, SS, nn, RR, aa, E, I, O, U). */
  uint32_t viseme_id;
  /** Viseme name ("aa"); static string. */
  const char *viseme;
  /** Phoneme symbol when known (ARPAbet or IPA), else ""; valid as documented by the accessor. */
  const char *phoneme;
  /** Start and end on the audio's clock, in seconds. */
  double start_s;
  double end_s;
} ftalk_viseme;

/* ------------------------------------------------------------------------------------------ */
/* Client                                                                                      */
/* ------------------------------------------------------------------------------------------ */

typedef struct ftalk_client ftalk_client;

/** How to reach a server. Fill with ftalk_client_config_init. */
typedef struct ftalk_client_config {
  uint32_t struct_size;
  /** "host:port", such as "127.0.0.1:50051" (gRPC target syntax; "dns:///host:port" works too). */
  const char *address;
  /** Non-zero: TLS. With `tls_root_cert_pem` NULL the system's roots are used. */
  int use_tls;
  /** PEM of the root certificate(s) that sign the server's certificate (a self-signed
   *  certificate is its own root); NULL for the system roots. Copied. Implies use_tls. */
  const char *tls_root_cert_pem;
  /** Override of the name checked against the certificate (SNI / hostname); NULL uses the host
   *  of `address`. For test set-ups whose certificate names "localhost" while you dial an IP. */
  const char *tls_server_name;
  /** Bearer token sent as `authorization: Bearer <token>`; NULL or "" sends none. Copied. */
  const char *token;
  /** Longest wait for a connection when a call starts, in ms; 0 means 5000. */
  uint32_t connect_timeout_ms;
  /** Deadline of short calls (server info, health, voices), in ms; 0 means 10000. */
  uint32_t call_timeout_ms;
  /** Deadline of AnimateClip and CreateHead, in ms; 0 means 300000. */
  uint32_t long_call_timeout_ms;
  /** First reconnect back-off after the connection drops, in ms; 0 means 250. */
  uint32_t reconnect_backoff_initial_ms;
  /** Longest reconnect back-off, in ms; 0 means 2000. */
  uint32_t reconnect_backoff_max_ms;
  /** Largest message accepted from the server, in bytes; 0 means 256 MiB (long clips, GLBs). */
  uint32_t max_receive_message_bytes;
} ftalk_client_config;

/** Sets `struct_size`, address NULL and every default. */
FTALK_API ftalk_status ftalk_client_config_init(ftalk_client_config *config);

/**
 * Makes a client. Does not touch the network (never blocks): the connection is made by the
 * first call and re-made with back-off whenever it drops. Fails only on a bad config
 * (FTALK_E_INVALID_ARGUMENT, FTALK_E_TLS for an unusable PEM).
 */
FTALK_API ftalk_status ftalk_client_create(const ftalk_client_config *config, ftalk_client **out_client);

/**
 * Blocking, up to connect_timeout_ms + call_timeout_ms: connects and checks that the peer is a
 * FantasyTalking v1 server that accepts our token. FTALK_E_UNAVAILABLE (unreachable),
 * FTALK_E_TIMEOUT, FTALK_E_UNAUTHENTICATED, FTALK_E_PROTOCOL (a server that is not ours), FTALK_E_TLS.
 * Optional: every other call connects by itself.
 */
FTALK_API ftalk_status ftalk_client_connect(ftalk_client *client);

/** Connection state as gRPC sees it (does not block, does not connect). */
typedef enum ftalk_connection_state {
  FTALK_CONNECTION_IDLE = 0,
  FTALK_CONNECTION_CONNECTING = 1,
  FTALK_CONNECTION_READY = 2,
  FTALK_CONNECTION_TRANSIENT_FAILURE = 3,  /**< down; reconnecting with back-off */
  FTALK_CONNECTION_SHUTDOWN = 4
} ftalk_connection_state;
FTALK_API ftalk_status ftalk_client_connection_state(ftalk_client *client, ftalk_connection_state *out_state);

/** Releases the client. Streams opened from it keep working until closed (they share the
 *  connection). Returns FTALK_E_CLOSED for a handle already closed. */
FTALK_API ftalk_status ftalk_client_close(ftalk_client *client);

/* Health ------------------------------------------------------------------------------------ */

typedef enum ftalk_health {
  FTALK_HEALTH_UNKNOWN = 0,
  FTALK_HEALTH_SERVING = 1,
  FTALK_HEALTH_NOT_SERVING = 2,
  FTALK_HEALTH_SERVICE_UNKNOWN = 3
} ftalk_health;

/** Blocking (call timeout): the standard grpc.health.v1 check. `service` NULL or "" asks about
 *  the whole server, else a full service name ("fantasytalking.v1.AnimationService"). Works
 *  without a token. */
FTALK_API ftalk_status ftalk_client_health(ftalk_client *client, const char *service, ftalk_health *out_health);

/* Server info ------------------------------------------------------------------------------- */

typedef struct ftalk_server_info ftalk_server_info;

/** A speech engine the server offers. */
typedef struct ftalk_engine_info {
  const char *name;          /**< "acoustic", "phonetic", "tts" */
  const char *description;
  size_t language_count;     /**< BCP-47 languages; "*" means any */
  const char *const *languages;
  int streaming;             /**< non-zero when it streams with bounded look-ahead */
} ftalk_engine_info;

/** What a server offers. Everything points into the ftalk_server_info it came from. */
typedef struct ftalk_server_info_view {
  const char *version;
  size_t engine_count;
  const ftalk_engine_info *engines;
  size_t language_count;
  const char *const *languages;
  size_t service_count;
  const char *const *services;
  size_t joint_count;
  const char *const *joint_names;
  /* limits */
  uint64_t max_message_bytes;
  uint32_t max_concurrent_streams;
  uint32_t min_sample_rate_hz;
  uint32_t max_sample_rate_hz;
  uint32_t max_fps;
  uint32_t max_lookahead_ms;
  double max_clip_seconds;
} ftalk_server_info_view;

/** Blocking (connect + call timeout): asks the server what it offers. Free with ftalk_server_info_free. */
FTALK_API ftalk_status ftalk_client_server_info(ftalk_client *client, ftalk_server_info **out_info);
/** The fields of `info`, valid until ftalk_server_info_free. */
FTALK_API ftalk_status ftalk_server_info_view_get(const ftalk_server_info *info, ftalk_server_info_view *out_view);
/** Curve names of a rig profile, valid until ftalk_server_info_free. */
FTALK_API ftalk_status ftalk_server_info_curve_names(const ftalk_server_info *info, ftalk_rig_profile rig,
                                                     size_t *out_count, const char *const **out_names);
FTALK_API ftalk_status ftalk_server_info_free(ftalk_server_info *info);

/* Voices ------------------------------------------------------------------------------------ */

typedef struct ftalk_voice_list ftalk_voice_list;

typedef struct ftalk_voice {
  const char *name;          /**< pass as ftalk_speak_request.voice */
  const char *engine;        /**< "espeak", "festival" */
  const char *language;
  const char *gender;        /**< "male", "female" or "" */
  const char *description;
} ftalk_voice;

/** Blocking (call timeout): voices, best match first for `language` (NULL or "" lists all). */
FTALK_API ftalk_status ftalk_client_list_voices(ftalk_client *client, const char *language, ftalk_voice_list **out_list);
FTALK_API ftalk_status ftalk_voice_list_count(const ftalk_voice_list *list, size_t *out_count);
/** Voice `i`; its strings live until ftalk_voice_list_free. */
FTALK_API ftalk_status ftalk_voice_list_get(const ftalk_voice_list *list, size_t i, ftalk_voice *out_voice);
FTALK_API ftalk_status ftalk_voice_list_free(ftalk_voice_list *list);

/* ------------------------------------------------------------------------------------------ */
/* Streams: live audio → frames, and Speak (text → audio + frames)                             */
/* ------------------------------------------------------------------------------------------ */

/**
 * A stream owns a thread-safe frame buffer on the audio's clock. The engine plays the audio and,
 * every game frame, samples the buffer at the audio's playback time with ftalk_stream_sample. As
 * the audio is the clock, nothing drifts however long the stream runs.
 *
 * Life: open → (push | interrupt)* → end → wait → close. Close may come at any time (it cancels).
 */
typedef struct ftalk_stream ftalk_stream;

/** Where a stream is. */
typedef enum ftalk_stream_state {
  FTALK_STREAM_CONNECTING = 0,  /**< call starting; no header yet */
  FTALK_STREAM_STREAMING = 1,   /**< header received; frames flowing */
  FTALK_STREAM_ENDING = 2,      /**< end sent; flushing the last frames */
  FTALK_STREAM_FINISHED = 3,    /**< the server's closing status arrived (OK or INTERRUPTED) */
  FTALK_STREAM_FAILED = 4       /**< ended with an error (see ftalk_stream_result.error) */
} ftalk_stream_state;

/** Callbacks, all optional, run on the stream's receive thread. Pointers are valid during the call only. */
typedef void (*ftalk_frame_callback)(void *user_data, const ftalk_frame *frame);
typedef void (*ftalk_viseme_callback)(void *user_data, const ftalk_viseme *viseme);
/** Speak streams: one chunk of synthesised PCM (header format), starting at `start_s`. */
typedef void (*ftalk_audio_callback)(void *user_data, const void *pcm, size_t bytes, double start_s);
/** The stream finished or failed (ftalk_stream_result tells which); called once. */
typedef void (*ftalk_finished_callback)(void *user_data, ftalk_stream_state state, ftalk_status error,
                                        const char *message);

/** Frame buffering and callbacks, shared by live and Speak streams. */
typedef struct ftalk_stream_callbacks {
  void *user_data;
  ftalk_frame_callback on_frame;
  ftalk_viseme_callback on_viseme;
  ftalk_audio_callback on_audio;        /**< Speak streams only */
  ftalk_finished_callback on_finished;
} ftalk_stream_callbacks;

/** A live animation stream. Fill with ftalk_stream_config_init. */
typedef struct ftalk_stream_config {
  uint32_t struct_size;
  /** Layout of the PCM you will push. Default FTALK_AUDIO_PCM_S16LE. */
  ftalk_audio_encoding encoding;
  /** 8000..48000 Hz. Default 16000. */
  uint32_t sample_rate_hz;
  /** 1 or 2 (averaged to mono by the server). Default 1. */
  uint32_t channels;
  /** Milliseconds without audio after which the server fills the gap with idle frames; 0 means
   *  250, at most 10000. The fill advances the stream clock in real time, as if silence had been
   *  sent: a game that stops pushing while its audio keeps playing stays in step. Two cases need
   *  care: push silence rather than nothing if your playback clock stops while you do not send
   *  (then the stream clock is exactly samples pushed / rate), and set 10000 when you push faster
   *  than real time (files, baking), where a stalled network could otherwise be mistaken for a pause. */
  uint32_t idle_after_ms;
  /** Animation options. */
  ftalk_animation_options options;
  /** Seconds of frames kept behind the newest sampled time for sampling/reading; 0 means 30. */
  uint32_t history_seconds;
  /** Most audio bytes waiting to be sent before push returns FTALK_E_BUSY; 0 means 64 MiB. */
  uint64_t max_queued_bytes;
  /** Optional callbacks. */
  ftalk_stream_callbacks callbacks;
} ftalk_stream_config;

/** Sets `struct_size`, 16 kHz mono s16, default options, no callbacks. */
FTALK_API ftalk_status ftalk_stream_config_init(ftalk_stream_config *config);

/**
 * Opens a live animation stream. Does not block: the call starts on a library thread, which
 * waits up to connect_timeout_ms for a connection. Errors (unreachable server, wrong token,
 * rejected config) surface as FTALK_STREAM_FAILED, through ftalk_stream_wait_ready / push / result.
 * The config is checked here first (FTALK_E_INVALID_ARGUMENT: unset encoding, rate outside
 * 8000..48000, channels not 1 or 2).
 */
FTALK_API ftalk_status ftalk_stream_open(ftalk_client *client, const ftalk_stream_config *config,
                                         ftalk_stream **out_stream);

/**
 * Queues PCM for sending; never blocks. From any thread. `bytes` must be whole sample frames
 * (a multiple of bytes-per-sample × channels), 0 is accepted and ignored. FTALK_E_STATE after
 * end or on a Speak stream; FTALK_E_BUSY when max_queued_bytes would be exceeded; the stream's
 * error once it has failed.
 */
FTALK_API ftalk_status ftalk_stream_push(ftalk_stream *stream, const void *pcm, size_t bytes);

/** Drops queued audio, tells the server to drop what it has not animated and settle to neutral.
 *  The stream stays open: later audio continues on the same clock. Never blocks. */
FTALK_API ftalk_status ftalk_stream_interrupt(ftalk_stream *stream);

/** No more audio: the server flushes the last frames and closes with a status. Never blocks.
 *  Calling it twice is FTALK_E_STATE. */
FTALK_API ftalk_status ftalk_stream_end(ftalk_stream *stream);

/** Blocking up to `timeout_ms`: waits for the header. FTALK_OK (names available), FTALK_NOT_READY
 *  (timed out), or the stream's error if it failed first. */
FTALK_API ftalk_status ftalk_stream_wait_ready(ftalk_stream *stream, uint32_t timeout_ms);

/** Blocking up to `timeout_ms`: waits until the stream finished or failed. FTALK_DONE when it
 *  has, FTALK_NOT_READY on time-out. Read the outcome with ftalk_stream_result. */
FTALK_API ftalk_status ftalk_stream_wait(ftalk_stream *stream, uint32_t timeout_ms);

/** The header (names, fps, engine): FTALK_NOT_READY before it arrived. Valid until close. */
FTALK_API ftalk_status ftalk_stream_header(ftalk_stream *stream, ftalk_animation_header *out_header);

/** Outcome so far. */
typedef struct ftalk_stream_result {
  ftalk_stream_state state;
  /** FTALK_OK unless the stream failed: then why (FTALK_E_UNAVAILABLE when the server went away,
   *  FTALK_E_SHUTDOWN when it closed the stream because it is shutting down). */
  ftalk_status error;
  /** gRPC status code of the failure, or 0. */
  int grpc_code;
  /** Non-zero when the server closed with CODE_INTERRUPTED (no audio after the last interrupt). */
  int interrupted;
  /** Frames the server reported sending (its closing status), or received so far. */
  uint64_t frames;
  /** Frames received by the client. */
  uint64_t frames_received;
  /** Seconds of audio the server received (closing status), else pushed so far. */
  double audio_seconds;
  /** Time of the newest frame received, in seconds on the audio clock; negative before any. */
  double latest_frame_time_s;
  /** The server's closing message or the error message; "" while running. Valid until close
   *  or the next ftalk_stream_result call on this stream. */
  const char *message;
} ftalk_stream_result;

FTALK_API ftalk_status ftalk_stream_result_get(ftalk_stream *stream, ftalk_stream_result *out_result);

/** How a sample was made. */
typedef enum ftalk_sample_kind {
  FTALK_SAMPLE_EXACT = 0,         /**< t fell on a frame's time */
  FTALK_SAMPLE_INTERPOLATED = 1,  /**< between two frames: linear weights, slerped joints */
  FTALK_SAMPLE_HELD_LAST = 2,     /**< t is after the newest frame: the newest is held (late data) */
  FTALK_SAMPLE_HELD_FIRST = 3,    /**< t is before the oldest kept frame: the oldest is held */
  FTALK_SAMPLE_NEUTRAL = 4        /**< no frame yet: zeros and identity rotations */
} ftalk_sample_kind;

/** Details of a sample, all optional to read. */
typedef struct ftalk_sample_info {
  ftalk_sample_kind kind;
  /** Index and time of the frame at or before t (the earlier of the two blended). */
  uint64_t frame_index;
  double frame_time_s;
  /** Blend factor towards the next frame, 0..1. */
  float alpha;
  /** Non-zero when the nearer frame is idle motion. */
  int idle;
  /** Newest frame time received, seconds; negative before any. */
  double latest_frame_time_s;
} ftalk_sample_info;

/**
 * Samples the frame buffer at `t_seconds` on the audio's clock (sample N of the audio you
 * pushed, or of the Speak audio, is at N / sample_rate): weights are interpolated linearly,
 * joints by slerp, between the two frames around t. At a frame's time it returns that frame
 * exactly. Never blocks on the network (a short lock shared with the receive thread only).
 *
 * `out_weights` takes `weight_capacity` floats (at least the header's curve_count),
 * `out_joints` takes `joint_capacity` quaternions (at least joint_count). Either may be NULL
 * with capacity 0 to skip it. Returns FTALK_OK, FTALK_NOT_READY (no frame yet: neutral written),
 * FTALK_E_BUFFER_TOO_SMALL (nothing written), FTALK_E_INVALID_ARGUMENT (t not finite, NULL with
 * a capacity). A failed or finished stream still samples the frames it has.
 */
FTALK_API ftalk_status ftalk_stream_sample(ftalk_stream *stream, double t_seconds,
                                           float *out_weights, size_t weight_capacity,
                                           ftalk_quat *out_joints, size_t joint_capacity);

/** ftalk_stream_sample plus the nine angles (linear; `angle_capacity` ≥ FTALK_ANGLE_COUNT or
 *  NULL/0) and details (`out_info` may be NULL). */
FTALK_API ftalk_status ftalk_stream_sample_ex(ftalk_stream *stream, double t_seconds,
                                              float *out_weights, size_t weight_capacity,
                                              ftalk_quat *out_joints, size_t joint_capacity,
                                              float *out_angles, size_t angle_capacity,
                                              ftalk_sample_info *out_info);

/** Range of frame indexes still held: [*out_first, *out_first + *out_count). FTALK_NOT_READY when none. */
FTALK_API ftalk_status ftalk_stream_frames_held(ftalk_stream *stream, uint64_t *out_first, uint64_t *out_count);

/** Copies frame `index` as the server sent it into the caller's buffers (capacities as in
 *  sample_ex; `out_frame` gets time, index, idle and the counts; its array pointers point at
 *  your buffers). FTALK_NOT_READY when not (or no longer) held. */
FTALK_API ftalk_status ftalk_stream_frame(ftalk_stream *stream, uint64_t index,
                                          float *out_weights, size_t weight_capacity,
                                          ftalk_quat *out_joints, size_t joint_capacity,
                                          float *out_angles, size_t angle_capacity,
                                          ftalk_frame *out_frame);

/** Takes the oldest unread viseme event (a queue of up to 4096; the oldest are dropped beyond).
 *  FTALK_NOT_READY when none. `out->phoneme` lives until the next poll on this stream. */
FTALK_API ftalk_status ftalk_stream_poll_viseme(ftalk_stream *stream, ftalk_viseme *out_viseme);

/**
 * Closes the stream: cancels the call if it is still running, waits for the library's threads of
 * this stream (bounded: they never block longer than a network cancel), frees everything. Any
 * later call with this handle returns FTALK_E_CLOSED. Safe to call while other threads sample or
 * push (they get FTALK_E_CLOSED). Calling it from one of this stream's callbacks returns FTALK_E_STATE.
 */
FTALK_API ftalk_status ftalk_stream_close(ftalk_stream *stream);

/* Speak ------------------------------------------------------------------------------------- */

/** Text to speech with the face animated from the synthesiser's phone timings. Fill with ftalk_speak_request_init. */
typedef struct ftalk_speak_request {
  uint32_t struct_size;
  /** UTF-8 text, 1..5000 characters. Copied. */
  const char *text;
  /** BCP-47 language ("en-US", "zh-CN", "yue"); NULL/"": the voice's language, or en-US. */
  const char *language;
  /** Voice name from ftalk_client_list_voices ("en-US+f3"); NULL/"": the language's default. */
  const char *voice;
  /** Speaking rate 0.5..2.5, pitch 0.5..2.0, volume 0..2; 0 or negative means 1. */
  float rate;
  float pitch;
  float volume;
  /** Sample rate of the returned audio 8000..48000; 0 means 16000. */
  uint32_t sample_rate_hz;
  /** Encoding of the returned audio; FTALK_AUDIO_UNSPECIFIED means s16le. */
  ftalk_audio_encoding encoding;
  /** Animation options (fps, rig, seed, head motion, blink, expression; language/transcript/
   *  engine/look-ahead are ignored: the synthesiser drives the mouth). */
  ftalk_animation_options options;
  /** Seconds of frames kept behind the newest sampled time; 0 means 30. */
  uint32_t history_seconds;
  /** Optional callbacks (on_audio receives every chunk of synthesised PCM). */
  ftalk_stream_callbacks callbacks;
} ftalk_speak_request;

FTALK_API ftalk_status ftalk_speak_request_init(ftalk_speak_request *request);

/**
 * Starts speaking; does not block. Returns a stream (push/end/interrupt give FTALK_E_STATE;
 * interrupt is allowed and cancels synthesis). Frames go to the same buffer, sampled with
 * ftalk_stream_sample on the speech audio's clock; the audio arrives through
 * ftalk_stream_read_audio (or the on_audio callback). Close it with ftalk_stream_close.
 */
FTALK_API ftalk_status ftalk_speak(ftalk_client *client, const ftalk_speak_request *request,
                                   ftalk_stream **out_stream);

/** What the synthesiser chose (Speak streams; FTALK_NOT_READY before its header). Strings live until close. */
typedef struct ftalk_speech_info {
  ftalk_audio_encoding encoding;
  uint32_t sample_rate_hz;
  uint32_t channels;             /**< always 1 */
  const char *voice;
  const char *language;
  const char *tts_engine;        /**< "espeak", "festival" */
  uint32_t sentences;
} ftalk_speech_info;

FTALK_API ftalk_status ftalk_stream_speech_info(ftalk_stream *stream, ftalk_speech_info *out_info);

/** Speak streams: moves up to `capacity` bytes of synthesised PCM, in order, into `out_pcm`
 *  (whole samples only); `*out_bytes` says how many. FTALK_NOT_READY when none is waiting,
 *  FTALK_DONE when all audio has been read and the stream has finished. Never blocks. */
FTALK_API ftalk_status ftalk_stream_read_audio(ftalk_stream *stream, void *out_pcm, size_t capacity, size_t *out_bytes);

/* ------------------------------------------------------------------------------------------ */
/* AnimateClip: a whole file (or raw PCM) → every frame                                        */
/* ------------------------------------------------------------------------------------------ */

typedef struct ftalk_clip ftalk_clip;

/** Blocking (connect + long call timeout): animates a whole audio file (WAV, MP3, OGG, FLAC,
 *  M4A... anything FFmpeg decodes). `options` may be NULL for the defaults. Free with ftalk_clip_free. */
FTALK_API ftalk_status ftalk_animate_clip(ftalk_client *client, const void *file_bytes, size_t file_size,
                                          const ftalk_animation_options *options, ftalk_clip **out_clip);

/** Blocking, as ftalk_animate_clip, for raw PCM in the given layout. */
FTALK_API ftalk_status ftalk_animate_pcm(ftalk_client *client, const void *pcm, size_t bytes,
                                         ftalk_audio_encoding encoding, uint32_t sample_rate_hz, uint32_t channels,
                                         const ftalk_animation_options *options, ftalk_clip **out_clip);

/** A clip's frames as plain arrays, valid until ftalk_clip_free. Frame i's weights are
 *  weights[i * curve_count ...], its joints joints[i * joint_count ...], its angles
 *  angles[i * angle_count ...] (angle_count is 9, or 0 when the server sent none). */
typedef struct ftalk_clip_view {
  ftalk_animation_header header;
  size_t frame_count;
  const double *times;
  const float *weights;
  const ftalk_quat *joints;
  size_t angle_count;
  const float *angles;
  const uint8_t *idle;           /**< 1 per frame when idle */
  size_t viseme_count;
  const ftalk_viseme *visemes;
  double duration_s;
} ftalk_clip_view;

FTALK_API ftalk_status ftalk_clip_view_get(const ftalk_clip *clip, ftalk_clip_view *out_view);
/** Samples the clip exactly as ftalk_stream_sample_ex samples a stream (for baking or playback). */
FTALK_API ftalk_status ftalk_clip_sample(const ftalk_clip *clip, double t_seconds,
                                         float *out_weights, size_t weight_capacity,
                                         ftalk_quat *out_joints, size_t joint_capacity,
                                         float *out_angles, size_t angle_capacity,
                                         ftalk_sample_info *out_info);
FTALK_API ftalk_status ftalk_clip_free(ftalk_clip *clip);

/* ------------------------------------------------------------------------------------------ */
/* CreateHead: photo → GLB with 52 ARKit morph targets and a face skeleton                      */
/* ------------------------------------------------------------------------------------------ */

typedef struct ftalk_head ftalk_head;

/** Bits of ftalk_head_request.parts (matches fantasytalking.v1.HeadPart); 0 means every part. */
#define FTALK_HEAD_PART_CRANIUM (1u << 1)
#define FTALK_HEAD_PART_EARS (1u << 2)
#define FTALK_HEAD_PART_NECK (1u << 3)
#define FTALK_HEAD_PART_EYES (1u << 4)
#define FTALK_HEAD_PART_MOUTH (1u << 5)

typedef enum ftalk_mesh_detail {
  FTALK_MESH_DETAIL_DEFAULT = 0,  /**< medium */
  FTALK_MESH_DETAIL_LOW = 1,
  FTALK_MESH_DETAIL_MEDIUM = 2,
  FTALK_MESH_DETAIL_HIGH = 3
} ftalk_mesh_detail;

/** Progress: stage ("decode", "landmarks", "template", "texture", "morphs", "glb", "done") and
 *  fraction 0..1. Return non-zero to cancel the call (it then returns FTALK_E_CANCELLED). */
typedef int (*ftalk_progress_callback)(void *user_data, const char *stage, float fraction);

/** Fill with ftalk_head_request_init. */
typedef struct ftalk_head_request {
  uint32_t struct_size;
  /** The encoded photo: JPEG, PNG or WebP. Copied. */
  const void *image;
  size_t image_size;
  /** Texture atlas side 512..4096; 0 means 1024. */
  uint32_t texture_size;
  /** FTALK_HEAD_PART_* bits; 0 means all parts. */
  uint32_t parts;
  ftalk_mesh_detail detail;
  /** Optional progress callback, called on the calling thread. */
  ftalk_progress_callback on_progress;
  void *user_data;
  /** Hair: NULL, "" or "auto" (chosen from the photo), "none", or a style name ("short02", "short04",
   *  "bob02", "long01", "ponytail01", "afro01"). Anything else is FTALK_E_REJECTED. Copied. */
  const char *hair;
  /** Level of detail 0..3: 0 the full head, 1..3 a half, a quarter, an eighth of its triangles
   *  (same materials, skeleton and morph targets). Above 3 is FTALK_E_REJECTED. */
  uint32_t lod;
} ftalk_head_request;

FTALK_API ftalk_status ftalk_head_request_init(ftalk_head_request *request);

/** Blocking (connect + long call timeout): builds a head. FTALK_E_REJECTED for a photo without a
 *  usable face. Free with ftalk_head_free. */
FTALK_API ftalk_status ftalk_create_head(ftalk_client *client, const ftalk_head_request *request, ftalk_head **out_head);

/** Where the head sits in the photo and how far to trust it. Valid until ftalk_head_free. */
typedef struct ftalk_head_view {
  /** The GLB (binary glTF 2.0). */
  const uint8_t *glb;
  size_t glb_size;
  /** Morph target names in GLB order (52 ARKit, then the 15 visemes). */
  size_t morph_target_count;
  const char *const *morph_target_names;
  /** Skeleton joint names in GLB skin order. */
  size_t joint_count;
  const char *const *joint_names;
  /** Landmarks found (468 face then 10 iris), x, y, z triples in photo pixels. */
  size_t landmark_count;
  const float *landmarks_xyz;
  uint32_t vertex_count;
  /* pose */
  float yaw_deg, pitch_deg, roll_deg;
  ftalk_quat rotation;
  float pixels_per_metre;
  /* quality */
  float face_width_px;
  float inter_ocular_px;
  float frontality;
  float inferred_fraction;
  float face_inferred_fraction;
  float reprojection_error;
  uint32_t faces_found;
  size_t warning_count;
  const char *const *warnings;
} ftalk_head_view;

FTALK_API ftalk_status ftalk_head_view_get(const ftalk_head *head, ftalk_head_view *out_view);
FTALK_API ftalk_status ftalk_head_free(ftalk_head *head);

/* ------------------------------------------------------------------------------------------ */
/* Logging                                                                                     */
/* ------------------------------------------------------------------------------------------ */

typedef enum ftalk_log_level {
  FTALK_LOG_DEBUG = 0,
  FTALK_LOG_INFO = 1,
  FTALK_LOG_ERROR = 2
} ftalk_log_level;

/** A log line from the library or its transport (gRPC), on any thread. */
typedef void (*ftalk_log_callback)(void *user_data, ftalk_log_level level, const char *message);

/**
 * Routes log lines at `min_level` and above to `callback` (an engine's log, say). The library is
 * quiet by default: without a callback lines are dropped, unless the environment variable
 * FTALK_LOG=1 sends them to stderr. Process-wide; call it before creating clients. NULL turns
 * logging off again. Errors are still returned by each call; logs only add detail.
 */
FTALK_API ftalk_status ftalk_set_log_callback(ftalk_log_callback callback, void *user_data, ftalk_log_level min_level);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* FTALK_CLIENT_H */
