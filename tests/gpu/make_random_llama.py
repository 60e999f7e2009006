"""Writes a Llama-architecture Hugging Face directory with random weights (config.json and
model.safetensors in float16) for the GPU tests and benchmark, on the device machine (torch and
transformers are there; no network). Shapes: smollm2-135m (the test model's), llama-3.2-1b,
llama-3.1-8b.

    python3 make_random_llama.py SHAPE OUT_DIR [--std 0.05] [--seed 0]
"""
import argparse
import pathlib

SHAPES = {
    # hidden, intermediate, layers, heads, kv heads, vocab, rope theta, tied
    "smollm2-135m": (576, 1536, 30, 9, 3, 49152, 100000.0, True),
    "llama-3.2-1b": (2048, 8192, 16, 32, 8, 128256, 500000.0, True),
    "llama-3.1-8b": (4096, 14336, 32, 32, 8, 128256, 500000.0, False),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("shape", choices=sorted(SHAPES))
    ap.add_argument("out")
    ap.add_argument("--std", type=float, default=0.05,
                    help="weights ~ N(0, std): larger than transformers' 0.02 so that random "
                         "logits have clear winners")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    hidden, ff, layers, heads, kv, vocab, theta, tied = SHAPES[a.shape]
    config = LlamaConfig(hidden_size=hidden, intermediate_size=ff, num_hidden_layers=layers,
                         num_attention_heads=heads, num_key_value_heads=kv, vocab_size=vocab,
                         rope_theta=theta, tie_word_embeddings=tied, max_position_embeddings=8192,
                         rms_norm_eps=1e-5, initializer_range=a.std, torch_dtype="float16")
    torch.manual_seed(a.seed)
    with torch.device("cuda" if torch.cuda.is_available() else "cpu"):
        model = LlamaForCausalLM(config).to(torch.float16)
    out = pathlib.Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out, safe_serialization=True, max_shard_size="20GB")
    print(f"{a.shape}: {sum(p.numel() for p in model.parameters()) / 1e6:.0f}M parameters -> {out}")


if __name__ == "__main__":
    main()
