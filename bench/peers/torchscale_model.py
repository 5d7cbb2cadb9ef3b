"""The reference implementation (PyPI torchscale 0.3.0) loaded with a
retnet-compile model directory, and the two entry points every peer runs:

  Prefill(decoder, last_only)  tokens [1, T] -> logits [1, V] of the last
                               position (generate) or [1, T, V] (run); the
                               decoder's own chunkwise form
  Step(decoder)                one recurrent decode step with the layer states
                               as tensors: (token [1, 1], position [],
                               kv_0, scale_0, ..., kv_L-1, scale_L-1) ->
                               (logits [1, V], kv_0', scale_0', ...)

Step calls torchscale's own layers with its recurrent form
(MultiScaleRetention.recurrent_forward); the states are torchscale's: kv
is the unnormalised state divided by sqrt(scale), scale = sum of
gamma^i over the positions seen. states_after() derives them from a prompt
with the decoder's parallel form.
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# torchscale imports fairscale and timm at module level; the stubs used by the
# torch-mlir export serve them.
sys.path.insert(0, os.path.join(HERE, "..", "..", "test", "Dialect", "Retention",
                                "Transforms", "Inputs", "torch", "stubs"))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402
from torchscale.architecture.config import RetNetConfig  # noqa: E402
from torchscale.architecture.retnet import RetNetDecoder  # noqa: E402
from torchscale.component.multiscale_retention import theta_shift  # noqa: E402

sys.path.insert(0, os.path.join(HERE, "..", "..", "test", "Integration", "Inputs"))
import retnet_reference as ref  # noqa: E402

CONFIG_KEYS = ["decoder_embed_dim", "decoder_value_embed_dim", "decoder_retention_heads",
               "decoder_ffn_embed_dim", "decoder_layers", "vocab_size", "activation_fn",
               "layernorm_eps", "no_scale_embedding", "recurrent_chunk_size",
               "decoder_normalize_before", "deepnorm", "layernorm_embedding",
               "share_decoder_input_output_embed"]


def load(model_dir):
    """The torchscale decoder in eval mode with the directory's weights."""
    cfg = json.load(open(os.path.join(model_dir, "config.json")))
    args = RetNetConfig(**{k: cfg[k] for k in CONFIG_KEYS if k in cfg},
                        chunkwise_recurrent=True, dropout=0.0, drop_path_rate=0.0)
    V, d = cfg["vocab_size"], cfg["decoder_embed_dim"]
    decoder = RetNetDecoder(args, embed_tokens=nn.Embedding(V, d),
                            output_projection=nn.Linear(d, V, bias=False))
    weights = ref.read_safetensors(os.path.join(model_dir, "model.safetensors"))
    state = {k: torch.from_numpy(np.ascontiguousarray(v, dtype=np.float32))
             for k, v in weights.items()}
    missing, unexpected = decoder.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.startswith("retnet_rel_pos.")]
    if missing or unexpected:
        raise SystemExit("weights do not match torchscale's decoder: missing %s, unexpected %s"
                         % (missing, unexpected))
    return decoder.eval(), cfg


class Prefill(nn.Module):
    def __init__(self, decoder, last_only):
        super().__init__()
        self.decoder, self.last_only = decoder, last_only

    def forward(self, tokens):
        if not self.last_only:
            return self.decoder(tokens)[0]
        features = self.decoder(tokens, features_only=True)[0]
        return self.decoder.output_layer(features[:, -1])


class Step(nn.Module):
    def __init__(self, decoder):
        super().__init__()
        self.decoder = decoder

    def forward(self, token, position, *states):
        dec = self.decoder
        rel = dec.retnet_rel_pos
        x = dec.embed_scale * dec.embed_tokens(token)
        rel_pos = ((torch.sin(rel.angle * position), torch.cos(rel.angle * position)),
                   rel.decay.exp())
        new_states = []
        for i, layer in enumerate(dec.layers):
            incremental = {"prev_key_value": states[2 * i], "scale": states[2 * i + 1]}
            x, _ = layer(x, incremental, retention_rel_pos=rel_pos, chunkwise_recurrent=False)
            new_states += [incremental["prev_key_value"], incremental["scale"]]
        logits = dec.output_layer(dec.layer_norm(x))[:, -1]
        return (logits, *new_states)


@torch.no_grad()
def states_after(decoder, tokens):
    """Last-position logits of the parallel form and the recurrent states
    after `tokens` [1, T]: each layer's keys and values are recomputed from the
    retention input captured by a hook, with torchscale's own projections and
    rotation."""
    inputs = []
    hooks = [layer.retention.register_forward_pre_hook(
        lambda mod, args, kwargs: inputs.append(args[0]), with_kwargs=True)
        for layer in decoder.layers]
    chunkwise, decoder.chunkwise_recurrent = decoder.chunkwise_recurrent, False
    try:
        logits = decoder(tokens)[0][:, -1]
    finally:
        decoder.chunkwise_recurrent = chunkwise
        for h in hooks:
            h.remove()
    T = tokens.shape[1]
    rel = decoder.retnet_rel_pos
    index = torch.arange(T, dtype=torch.float32)
    sin, cos = torch.sin(index[:, None] * rel.angle), torch.cos(index[:, None] * rel.angle)
    decay = rel.decay.double()
    weight = torch.exp(decay[:, None] * (T - 1 - index.double())[None]).float()  # [H, T]
    scale = torch.exp(decay[:, None] * index.double()[None]).sum(-1).float()   # [H]
    states = []
    for layer, x in zip(decoder.layers, inputs):
        ret = layer.retention
        H = ret.num_heads
        k = (ret.k_proj(x) * ret.scaling).view(1, T, H, ret.key_dim).transpose(1, 2)
        v = ret.v_proj(x).view(1, T, H, ret.head_dim).transpose(1, 2)
        kr = theta_shift(k, sin, cos)
        # torchscale keeps the state transposed: [B, H, dv, dk].
        kv = torch.einsum("bhtk,ht,bhtv->bhvk", kr, weight, v)
        states += [(kv / scale.sqrt()[:, None, None]).contiguous(), scale.clone()]
    return logits, states
