#!/usr/bin/env python3
"""Writes an AutoAWQ "gemm" checkpoint (4-bit, round-to-nearest) from a float16 Hugging Face
Llama model directory, with the numpy reference of the packing (packing_reference.py).

Every q/k/v/o/gate/up/down projection `<prefix>.weight` [N, K] becomes `<prefix>.qweight` int32
[K, N/8], `<prefix>.qzeros` int32 [K/G, N/8] and `<prefix>.scales` float16 [K/G, N]; the
embeddings, the norms and lm_head stay float16, and so do the projections whose name ends with a
--keep suffix (listed in modules_to_not_convert). config.json gets a quantization_config; every
other file is copied except hf_reference_logits.json (the reference logits of the float16 model).
The directory is written next to OUT_DIR and renamed into place at the end.

Usage (from the repository root):
  .venv/bin/python tests/quant/make_awq_checkpoint.py SRC_HF_DIR OUT_DIR [--group-size 128]
      [--no-zero-point] [--keep MODULE_SUFFIX ...]
"""
import argparse
import json
import os
import shutil
import sys
import tempfile

import numpy as np
from safetensors.numpy import load_file, save_file

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import packing_reference as ref  # noqa: E402

PROJECTIONS = ("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
               "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")
SKIPPED_FILES = ("hf_reference_logits.json", "config.json")


def _is_projection(prefix):
    return prefix.startswith("model.layers.") and prefix.endswith(PROJECTIONS)


def quantization_config(group_size, zero_point, modules_to_not_convert):
    return {"quant_method": "awq", "bits": 4, "group_size": group_size, "zero_point": zero_point,
            "version": "gemm", "modules_to_not_convert": list(modules_to_not_convert)}


def make_awq_checkpoint(src, out, group_size=128, zero_point=True, keep=()):
    """Writes the AWQ checkpoint of the HF directory `src` into `out` (replaced if there)."""
    src, out = os.path.abspath(src), os.path.abspath(out)
    keep = tuple(keep)
    shards = sorted(f for f in os.listdir(src) if f.endswith(".safetensors"))
    if not shards:
        raise FileNotFoundError(f"{src}: no safetensors file")
    with open(os.path.join(src, "config.json")) as f:
        config = json.load(f)
    if config.get("quantization_config"):
        raise ValueError(f"{src}: already quantized")

    parent = os.path.dirname(out) or "."
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=os.path.basename(out) + ".tmp.", dir=parent)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp's 0700 would outlive the rename
        not_converted = set()
        for shard in shards:
            tensors = load_file(os.path.join(src, shard))
            written = {}
            for name, t in tensors.items():
                prefix, _, suffix = name.rpartition(".")
                if suffix != "weight" or not _is_projection(prefix):
                    written[name] = t
                    continue
                kept = [k for k in keep if prefix.endswith(k)]
                if kept:
                    not_converted.update(kept)
                    written[name] = t
                    continue
                if t.shape[1] % group_size:
                    raise ValueError(f"{name} has {t.shape[1]} input features, which group size "
                                     f"{group_size} does not divide")
                qweight, qzeros, scales = ref.awq_quantize_rtn(t.astype(np.float32), group_size,
                                                               zero_point)
                written[prefix + ".qweight"] = qweight
                written[prefix + ".qzeros"] = qzeros
                written[prefix + ".scales"] = scales
            # safetensors.numpy writes an array's memory as is, whatever its strides, and
            # awq_quantize_rtn's qweight/qzeros come out Fortran-ordered (views of a transpose).
            written = {k: np.ascontiguousarray(v) for k, v in written.items()}
            save_file(written, os.path.join(tmp, shard), metadata={"format": "pt"})
            os.chmod(os.path.join(tmp, shard), 0o666 & ~umask)
        for f in sorted(os.listdir(src)):
            path = os.path.join(src, f)
            if f in SKIPPED_FILES or f.endswith(".safetensors") or not os.path.isfile(path):
                continue
            shutil.copy2(path, os.path.join(tmp, f))
        # AutoAWQ matches these names as substrings of the layer names: the --keep suffixes used.
        config["quantization_config"] = quantization_config(group_size, zero_point,
                                                            sorted(not_converted))
        with open(os.path.join(tmp, "config.json"), "w") as f:
            json.dump(config, f, indent=2)
            f.write("\n")
        if os.path.exists(out):
            shutil.rmtree(out)
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("src", metavar="SRC_HF_DIR")
    p.add_argument("out", metavar="OUT_DIR")
    p.add_argument("--group-size", type=int, default=128)
    p.add_argument("--no-zero-point", dest="zero_point", action="store_false")
    p.add_argument("--keep", nargs="+", default=[], metavar="MODULE_SUFFIX",
                   help="projections whose name ends with one of these stay float16 "
                        "(e.g. mlp.down_proj)")
    a = p.parse_args(argv)
    try:
        make_awq_checkpoint(a.src, a.out, a.group_size, a.zero_point, a.keep)
    except (OSError, ValueError) as e:
        sys.exit(f"make_awq_checkpoint.py: {e}")
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
