"""`ftalk bake` / `fantasy_talking.bake` on this machine: real espeak-ng speech, real files, a real process pool."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import espeak_wav
from fantasy_talking.farm import bake
from fantasy_talking.farm.manifest import ManifestError
from fantasy_talking.head.glb import GltfDocument

LINES = {
    "en/greeting": ("Hello there, how are you today?", "en-us"),
    "en/question": ("Where is the peck of pickled peppers?", "en-us"),
    "fr/bonjour": ("Bonjour tout le monde.", "fr"),
    "de/morgen": ("Guten Morgen, wie geht es dir?", "de"),
}


def tiny_head_glb() -> bytes:
    """What baking a clip reads from a head: a mesh node with ARKit-named targets, neck and head joints."""
    return GltfDocument(json={
        "asset": {"version": "2.0"},
        "nodes": [{"name": "head_mesh", "mesh": 0}, {"name": "neck"}, {"name": "head"}],
        "meshes": [{"primitives": [], "extras": {"targetNames": ["JawOpen", "EyeBlinkLeft", "MouthClose"]}}],
    }).to_bytes()


@pytest.fixture(scope="module")
def voice_lines(tmp_path_factory) -> Path:
    """vo/<lang>/<name>.wav in four languages, a corrupt file, and a manifest mixing audio and text lines."""
    root = tmp_path_factory.mktemp("farm")
    for name, (text, voice) in LINES.items():
        (root / "vo" / name).parent.mkdir(parents=True, exist_ok=True)
        espeak_wav(root / "vo" / f"{name}.wav", text, voice)
    (root / "broken").mkdir()
    (root / "broken" / "corrupt.wav").write_bytes(b"RIFF\x24\x00\x00\x00WAVEfmt " + bytes(range(256)) * 1000)
    (root / "lines.csv").write_text(
        "audio,text,language,voice,name,fps,emotions\n"
        "vo/en/greeting.wav,,en-US,,,,\n"
        "vo/fr/bonjour.wav,,fr-FR,,,60,joy:0.5\n"
        ",Good morning everyone. Nice to see you.,en-US,,text/en,,\n"
        ",你好，欢迎光临,zh-CN,,text/zh,,\n"
        "vo/missing.wav,,,,,,\n"                       # missing file
        "broken/corrupt.wav,,,,,,\n"                   # corrupt audio
        ",Hallo,xx-YY,,text/bad,,\n"                   # no voice speaks it
        "vo/de/morgen.wav,,,,vo/en/greeting,,\n"       # duplicate output name
        "vo/en/question.wav,,,,,500,\n",               # fps out of range
        encoding="utf-8")
    return root


def outputs(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != "report.json"}


@pytest.fixture(scope="module")
def baked_pool(voice_lines, tmp_path_factory):
    out = tmp_path_factory.mktemp("pool")
    return out, bake(voice_lines / "lines.csv", out, jobs=2)


def test_manifest_bake_writes_every_good_line_and_reports_every_bad_one(baked_pool):
    out, report = baked_pool
    assert (report.done, report.failed, report.skipped) == (4, 5, 0)
    assert report.backend == "pool of 2"
    reasons = {line.number: line.reason for line in report.lines if line.status == "failed"}
    assert "no such file" in reasons[5]
    assert "corrupt" in reasons[6] or "cannot read" in reasons[6]
    assert "xx-YY" in reasons[7]
    assert "duplicate output name" in reasons[8] and "line 1" in reasons[8]
    assert "fps must be 1..120" in reasons[9]
    files = outputs(out)
    for name in ("vo/en/greeting", "vo/fr/bonjour"):
        assert {f"{name}.{ext}" for ext in ("csv", "json", "png", "bake.json")} <= set(files)
    for name in ("text/en", "text/zh"):  # text lines also get their speech
        assert {f"{name}.{ext}" for ext in ("wav", "csv", "json", "png")} <= set(files)
    assert json.loads(files["vo/fr/bonjour.json"])["fps"] == 60
    assert not [n for n in files if ".tmp" in n], "no temporary file may be left behind"
    document = json.loads((out / "report.json").read_text())
    assert document["done"] == 4 and document["failed"] == 5 and len(document["lines"]) == 9
    assert document["audio_s"] > 5 and document["realtime_factor"] > 0
    assert all(mb > 0 for mb in document["peak_rss_mb_per_worker"].values())


def test_outputs_are_byte_identical_whatever_jobs_and_equal_ftalk_animate_and_say(baked_pool, voice_lines, tmp_path):
    out, report = baked_pool
    # This process speaks first: espeak-ng keeps state between utterances, which must not leak into a bake.
    from fantasy_talking.pipeline.speak import plan_speech, speak, whole_utterance
    whole_utterance(plan := plan_speech("Something else first.", "en-US"), speak(plan))
    inline = bake(voice_lines / "lines.csv", tmp_path / "inline", jobs=1)
    assert inline.backend == "1 process"
    assert outputs(tmp_path / "inline") == outputs(out)

    # The same pipeline and encoders as the single-file commands, with the line's own seed.
    seeds = {line.name: line.seed for line in report.lines if line.status == "done"}
    from fantasy_talking.cli.main import main
    assert main(["animate", str(voice_lines / "vo/fr/bonjour.wav"), "--language", "fr-FR", "--fps", "60",
                 "--seed", str(seeds["vo/fr/bonjour"]), "-o", str(tmp_path / "single" / "bonjour")]) == 0
    # (emotions have no `ftalk animate` flag, so compare the line without them)
    say = [sys.executable, "-m", "fantasy_talking.cli.main", "say", "你好，欢迎光临", "--lang", "zh-CN",
           "--seed", str(seeds["text/zh"]), "-o", str(tmp_path / "single" / "zh")]
    assert subprocess.run(say, capture_output=True, timeout=120).returncode == 0  # a fresh process, as users run it
    for ext in ("wav", "csv", "json", "png"):
        assert (tmp_path / "single" / f"zh.{ext}").read_bytes() == (out / f"text/zh.{ext}").read_bytes(), ext
    assert seeds["vo/en/greeting"] != seeds["vo/fr/bonjour"], "each line gets its own seed"


def test_rerun_skips_finished_lines_redoes_changed_ones_and_force_redoes_all(voice_lines, tmp_path):
    out = tmp_path / "out"
    source = [{"audio": str(voice_lines / "vo/en/greeting.wav")}, {"audio": str(voice_lines / "vo/de/morgen.wav")}]
    first = bake(source, out, jobs=1, formats="csv,json")
    assert first.done == 2
    stamp = out / "greeting.csv"
    before = stamp.stat().st_mtime_ns

    again = bake(source, out, jobs=1, formats="csv,json")
    assert (again.done, again.skipped) == (0, 2)
    assert stamp.stat().st_mtime_ns == before

    source[1]["fps"] = 24  # a changed option invalidates that line only
    changed = bake(source, out, jobs=1, formats="csv,json")
    assert [(line.name, line.status) for line in changed.lines] == [("greeting", "skipped"), ("morgen", "done")]

    (out / "greeting.json").unlink()  # a missing output is baked again
    assert [line.status for line in bake(source, out, jobs=1, formats="csv,json").lines] == ["done", "skipped"]

    forced = bake(source, out, jobs=1, formats="csv,json", force=True)
    assert forced.done == 2


def test_fail_fast_stops_at_the_first_bad_line_and_keeps_what_was_written(voice_lines, tmp_path):
    # The corrupt file is the largest, so it is estimated longest and started first.
    lines = [{"audio": str(voice_lines / "broken/corrupt.wav")},
             {"audio": str(voice_lines / "vo/en/greeting.wav")}, {"audio": str(voice_lines / "vo/fr/bonjour.wav")}]
    report = bake(lines, tmp_path / "out", jobs=1, fail_fast=True, formats="csv")
    assert "fail-fast: line 1 failed" in report.stopped_early and not report.ok
    assert [line.status for line in report.lines] == ["failed", "pending", "pending"]
    assert json.loads((tmp_path / "out" / "report.json").read_text())["pending"] == 2

    # A line that fails its checks stops the bake before anything starts.
    report = bake([*lines[1:], {"audio": "x.wav", "fps": 0}], tmp_path / "out2", jobs=1, fail_fast=True)
    assert [line.status for line in report.lines] == ["pending", "pending", "failed"]
    assert not (tmp_path / "out2" / "greeting.csv").exists()


def test_folder_input_config_file_head_glb_and_line_overrides(voice_lines, tmp_path):
    head = tmp_path / "head.glb"
    head.write_bytes(tiny_head_glb())
    config = tmp_path / "bake.toml"
    config.write_text('out = "out"\nformats = ["csv"]\nfps = 24\nhead = "head.glb"\njobs = 1\n')  # relative to it
    report = bake(voice_lines / "vo", config=config)
    assert report.done == 4 and report.failed == 0
    names = sorted(line.name for line in report.lines)
    assert names == sorted(LINES)  # recursive, named by relative path
    greeting = tmp_path / "out" / "en" / "greeting"
    assert Path(f"{greeting}.glb").read_bytes()[:4] == b"glTF"
    from fantasy_talking.formats.livelink_csv import read_livelink_csv
    assert read_livelink_csv(f"{greeting}.csv").fps == 24

    # An argument beats the config file; a line's own field beats both.
    report = bake([{"audio": str(voice_lines / "vo/en/greeting.wav"), "fps": 50}], config=config, fps=12,
                  out=tmp_path / "over")
    assert read_livelink_csv(tmp_path / "over" / "greeting.csv").fps == 50
    report = bake([{"audio": str(voice_lines / "vo/en/greeting.wav")}], config=config, fps=12, out=tmp_path / "arg")
    assert read_livelink_csv(tmp_path / "arg" / "greeting.csv").fps == 12


def test_fsspec_urls_give_the_same_bytes(voice_lines, tmp_path):
    pytest.importorskip("fsspec")
    local = bake([{"audio": str(voice_lines / "vo/en/greeting.wav")}], tmp_path / "local", jobs=1)
    remote = bake([{"audio": f"file://{voice_lines / 'vo/en/greeting.wav'}"}], f"file://{tmp_path / 'url'}", jobs=1)
    assert local.done == remote.done == 1
    assert outputs(tmp_path / "local") == outputs(tmp_path / "url")


@pytest.mark.parametrize("kwargs, message", [
    (dict(source="missing.csv"), "no such file"),
    (dict(source="lines.txt"), ".csv or a .jsonl"),
    (dict(source="lines.csv", formats="csv,mp4"), "unknown format mp4"),
    (dict(source="lines.csv", formats="csv,glb"), "needs --head"),
    (dict(source="bad_header.csv"), "unknown field 'colour'"),
])
def test_bad_invocations_raise_clear_errors(voice_lines, tmp_path, kwargs, message):
    (voice_lines / "lines.txt").write_text("x")
    (voice_lines / "bad_header.csv").write_text("audio,colour\na.wav,red\n")
    source = voice_lines / kwargs.pop("source")
    with pytest.raises(ValueError, match=message):
        bake(source, tmp_path / "out", **kwargs)
    assert issubclass(ManifestError, ValueError)


def test_cli_bake_exit_codes_and_summary(voice_lines, tmp_path):
    manifest = tmp_path / "lines.jsonl"
    manifest.write_text(json.dumps({"audio": str(voice_lines / "vo/en/greeting.wav"), "name": "ok"}) + "\n"
                        + "{not json\n" + json.dumps({"text": "Short line.", "name": "spoken"}) + "\n")
    command = [sys.executable, "-m", "fantasy_talking.cli.main", "bake", str(manifest), "-o", str(tmp_path / "out"),
               "--jobs", "1", "--formats", "csv"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=180)
    assert result.returncode == 1, result.stderr
    assert "baked 2 of 3 lines" in result.stdout and "not valid JSON" in result.stdout
    result = subprocess.run(command[:-4] + ["--formats", "nope"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "unknown format nope" in result.stderr


def test_fantasy_talking_bake_is_the_package_api(voice_lines, tmp_path):
    import fantasy_talking

    report = fantasy_talking.bake([{"text": "One more line.", "language": "en-US", "name": "api"}],
                                  tmp_path, formats=["json"], jobs=1)
    assert report.ok and (tmp_path / "api.json").is_file() and (tmp_path / "api.wav").is_file()
    assert "baked 1 of 1 lines" in report.summary()


def test_cli_start_up_imports_only_what_the_command_needs(speech_wav, tmp_path):
    """`ftalk --help` loads no engine or plotting library; `ftalk animate` loads no scipy.signal, mediapipe, pyplot."""
    probe = ("import sys\nfrom fantasy_talking.cli.main import main\n"
             "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
             "heavy = ['numpy', 'scipy', 'scipy.signal', 'mediapipe', 'matplotlib', 'matplotlib.pyplot', 'rich', 'av',"
             " 'grpc', 'ray']\n"
             "print('LOADED', ' '.join(m for m in heavy if m in sys.modules))\n")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}

    def loaded(*args: str) -> set[str]:
        result = subprocess.run([sys.executable, "-c", probe, *args], capture_output=True, text=True, timeout=120,
                                env=env)
        line = [x for x in result.stdout.splitlines() if x.startswith("LOADED")][-1]
        return set(line.split()[1:])

    assert loaded("--help") == set()
    animate = loaded("animate", str(speech_wav), "-o", str(tmp_path / "take"))
    assert (tmp_path / "take.png").is_file()
    assert not animate & {"scipy.signal", "mediapipe", "matplotlib.pyplot", "grpc", "ray"}, animate
