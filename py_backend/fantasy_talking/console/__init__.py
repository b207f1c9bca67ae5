"""The web console (`ftalk console`): try a photo and a voice in the browser.

A FastAPI app (app.py) that is a client of the gRPC service (engine.py): photo → HeadService,
text → SpeechService, audio → AnimationService; frames reach the page over a WebSocket
(speak.py); downloads use the library's encoders (downloads.py). The page and its three.js
viewer live in web/ and are served from packages installed at set-up (web/node_modules).
"""
