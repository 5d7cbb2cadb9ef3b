"""Stand-in for fairscale.nn (see ../../README.md): import-only."""


def checkpoint_wrapper(module, *args, **kwargs):
    raise NotImplementedError("fairscale stub: checkpoint_wrapper is not available")


def wrap(module, *args, **kwargs):
    raise NotImplementedError("fairscale stub: wrap (FSDP) is not available")
