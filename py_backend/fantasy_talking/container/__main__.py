"""The container's entrypoint: check the environment, then run the gRPC service and the console.

    python -m fantasy_talking.container          # run both (the image's default)
    python -m fantasy_talking.container check    # only check the environment and print the settings
    python -m fantasy_talking.container ftalk animate in.wav -o /data/outputs/   # any other command

A bad environment value stops the container at once with one line and exit status 2. Both
services run as child processes; when one exits the other is stopped and the container exits
with its status, so the orchestrator restarts the whole container. SIGTERM stops both gracefully.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from fantasy_talking.container.settings import SettingsError, from_env

PREFIX = "ftalk container"


def _children(settings, env) -> list[subprocess.Popen]:
    ftalk = [sys.executable, "-m", "fantasy_talking.cli.main"]
    children = [subprocess.Popen(ftalk + settings.serve_args(), env=env)]
    if settings.console_port is not None:
        children.append(subprocess.Popen(ftalk + settings.console_args(), env=env))
    return children


def _supervise(children: list[subprocess.Popen]) -> int:
    stopping = False

    def stop(signum, _frame) -> None:
        nonlocal stopping
        stopping = True
        for child in children:
            if child.poll() is None:
                child.send_signal(signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while all(child.poll() is None for child in children):
        time.sleep(0.5)
    failed = next(child for child in children if child.poll() is not None)
    if not stopping:
        print(f"{PREFIX}: {' '.join(failed.args[3:5])} exited with status {failed.returncode}; stopping",
              file=sys.stderr, flush=True)
    stop(signal.SIGTERM, None)
    for child in children:
        try:
            child.wait(10)
        except subprocess.TimeoutExpired:
            child.kill()
    return 0 if stopping else (failed.returncode or 1)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        settings = from_env(os.environ)
    except SettingsError as exc:
        print(f"{PREFIX}: error: {exc}", file=sys.stderr, flush=True)
        return 2
    if argv and argv[0] == "check":
        shown = {k: ("***" if k == "token" and v else str(v)) for k, v in vars(settings).items()}
        print(f"{PREFIX}: settings ok: " + ", ".join(f"{k}={v}" for k, v in shown.items()), flush=True)
        return 0
    if argv and argv[0] != "run":
        os.execvp(argv[0], argv)
    if settings.gpu_mode != "OFF":
        print(f"{PREFIX}: GPU_MODE={settings.gpu_mode} accepted, but this build has no GPU path yet: "
              "everything runs on the CPU", file=sys.stderr, flush=True)
    env = dict(os.environ)
    env.pop("FTALK_TOKEN", None)
    if settings.token:
        env["FTALK_TOKEN"] = settings.token
    return _supervise(_children(settings, env))


if __name__ == "__main__":
    sys.exit(main())
