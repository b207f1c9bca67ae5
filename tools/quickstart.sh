#!/usr/bin/env bash
# Quick start: set everything up, synthesise a sentence offline, animate it, say where the files are.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
mkdir -p out
espeak-ng -v en-us -w out/demo.wav "Hello! I am a talking character. My lips follow every word you say."
.venv/bin/ftalk animate out/demo.wav -o out/demo
