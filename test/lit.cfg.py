# -*- Python -*-
import os
import platform
import subprocess

import lit.formats
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "RETNET"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.retnet_obj_root, "test")
config.excludes = ["CMakeLists.txt", "README.md", "lit.cfg.py", "lit.site.cfg.py", "Inputs",
                   "project"]

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%retnet_obj_root", config.retnet_obj_root))
# Debian's stock mlir-opt and the plugin it loads (test/Plugin).
config.substitutions.append(("%stock_mlir_opt", os.path.join(config.llvm_tools_dir, "mlir-opt")))
config.substitutions.append(("%retnet_plugin", os.path.join(config.retnet_obj_root, "lib", "RetnetPlugin.so")))
config.substitutions.append(("%python", config.python_with_numpy))
config.substitutions.append(("%inputs", os.path.join(config.test_source_root, "Integration", "Inputs")))

# The sanitizer run (scripts/sanitize.sh) sets the *SAN_OPTIONS.
llvm_config.with_system_environment(["HOME", "INCLUDE", "LIB", "TMP", "TEMP",
                                     "ASAN_OPTIONS", "UBSAN_OPTIONS",
                                     "LSAN_OPTIONS"])
llvm_config.use_default_substitutions()

tool_dirs = [config.retnet_tools_dir, config.llvm_tools_dir]
llvm_config.add_tool_substitutions(["retnet-opt", "retnet-run", "retnet-compile",
                                    "retnet-capi-test", "retnet-runtime-test"],
                                   tool_dirs)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.retnet_tools_dir, append_path=True)

# Features. Numerical tests need numpy in the configured Python; GPU binary
# tests need ptxas from a CUDA toolkit. Missing ones make tests UNSUPPORTED.
def has_numpy(python):
    try:
        return subprocess.run([python, "-c", "import numpy"],
                              capture_output=True).returncode == 0
    except OSError:
        return False

if has_numpy(config.python_with_numpy):
    config.available_features.add("numpy")
# The stock mlir-opt is not instrumented: it cannot load a sanitizer build's
# plugin.
# Nor can a downstream project link the instrumented installed libraries
# without the sanitizer flags.
if config.retnet_sanitize.upper() not in ("ON", "1", "TRUE", "YES"):
    config.available_features.add("plugin")
    config.available_features.add("install")
# A kernel with transparent huge pages that shows each mapping's advice (the
# `hg` flag in /proc/self/smaps), which the runtime gives large long-lived
# blocks.
def shows_huge_page_advice():
    try:
        with open("/proc/self/smaps") as f:
            return (os.path.exists("/sys/kernel/mm/transparent_hugepage/enabled")
                    and "VmFlags:" in f.read())
    except OSError:
        return False

if shows_huge_page_advice():
    config.available_features.add("transparent-huge-pages")
# C programs that link ahead-of-time artifacts: the project's C compiler,
# with the sanitizers of a sanitizer build (the artifact's C runtime is
# instrumented like the rest).
aot_cc = config.c_compiler
if config.retnet_sanitize.upper() in ("ON", "1", "TRUE", "YES"):
    aot_cc += " -fsanitize=address,undefined -fno-sanitize=vptr"
config.substitutions.append(("%aot_cc", aot_cc))
# An x86 feature of the artifacts' load-time check that this CPU lacks and
# whose implied features it has, so that the load names it (LLVM's name;
# /proc/cpuinfo's in the pair): sse4a is AMD's only, avx512f is missing on
# CPUs without AVX-512, avx512fp16 is Intel's only, so one of them is
# missing on any x86 host.
try:
    with open("/proc/cpuinfo") as f:
        cpu_flags = next((line.split(":", 1)[1].split() for line in f
                          if line.startswith("flags")), [])
except OSError:
    cpu_flags = []
for llvm_name, cpuinfo_name in (("sse4a", "sse4a"), ("avx512f", "avx512f"),
                                ("avx512fp16", "avx512_fp16")):
    if cpu_flags and cpuinfo_name not in cpu_flags:
        config.available_features.add("missing-cpu-feature")
        config.substitutions.append(("%missing_cpu_feature", llvm_name))
        break
if platform.machine() in ("x86_64", "AMD64"):
    config.available_features.add("x86")
# A CPU with APX or AVX10 (kernel flags apx*, avx10*), which runs artifacts
# that use them.
if any(f.startswith(("apx", "avx10")) for f in cpu_flags):
    config.available_features.add("x86-apx-or-avx10")
# AVX512-BF16 dot products (retnet-compile --bf16-products dot).
if "avx512_bf16" in cpu_flags:
    config.available_features.add("avx512bf16")
if config.cuda_toolkit and os.path.exists(os.path.join(config.cuda_toolkit, "bin", "ptxas")):
    config.available_features.add("ptxas")
    config.substitutions.append(("%cuda_toolkit", config.cuda_toolkit))

# The GPU emulator: kernels run on Intel's OpenCL CPU runtime, which
# scripts/setup.sh installs into the build folder (not for the sanitizer
# build: the runtime is not instrumented).
if (config.retnet_sanitize.upper() not in ("ON", "1", "TRUE", "YES") and
        os.path.exists(os.path.join(config.retnet_obj_root, "emulator", "icd",
                                    "intel-cpu.icd"))):
    config.available_features.add("gpu-emulator")

# An NVIDIA driver: with one, --target cuda runs on the GPU instead of
# reporting that there is none.
try:
    import ctypes
    ctypes.CDLL("libcuda.so.1")
    config.available_features.add("cuda-driver")
except OSError:
    pass
# The emulator's negative controls: its shim with two mma.sync A registers
# swapped, with erf off by 1%, with sin and cos swapped.
# (The longer name first: lit substitutes in order.)
for name, control in (("swapped_sin_cos", "SwappedSinCos"), ("wrong_erf", "WrongErf"),
                      ("swapped", "SwappedA")):
    config.substitutions.append(("%emulator_shim_" + name, os.path.join(
        config.retnet_obj_root, "lib", "Codegen", "GPU", "NVVMShim%s.bc" % control)))
