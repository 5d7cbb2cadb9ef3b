"""Stand-in for timm.models.layers (see ../../../README.md)."""


def drop_path(x, drop_prob: float = 0.0, training: bool = False):
    # Stochastic depth per sample, as timm computes it.
    if drop_prob == 0.0 or not training:
        return x
    keep_prob = 1 - drop_prob
    shape = (x.shape[0],) + (1,) * (x.ndim - 1)
    random_tensor = x.new_empty(shape).bernoulli_(keep_prob)
    if keep_prob > 0.0:
        random_tensor.div_(keep_prob)
    return x * random_tensor
