"""What the Python tests of the PyTorch package share: paths, running the lab's Node commands and
torchrun, and the equivalence bundle (built once per test process by tools/equivalence-bundle.ts).

Run them all with `npm run test:python` (Debian's /usr/bin/python3 with python3-torch and numpy; Node;
Chromium's SwiftShader Vulkan driver for the lab's float32 WebGPU path, as the browser tests use)."""

import json
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
TRAIN_PY = os.path.join(HERE, "train.py")
PYTHON = sys.executable
SWIFTSHADER_ICD = "/usr/lib/chromium/vk_swiftshader_icd.json"
sys.path.insert(0, HERE)

import train  # noqa: E402


# The commands' temporary files (torchrun's log folders among them) go here and go with the tests.
_scratch = tempfile.TemporaryDirectory(prefix="cbs-scale-out-tests-")


def command_env(extra=None):
    """The environment of the lab's commands: Dawn in Node finds a Vulkan driver (a GPU's, else SwiftShader's)."""
    env = dict(os.environ)
    env["TMPDIR"] = _scratch.name
    if os.path.exists(SWIFTSHADER_ICD):
        env.setdefault("VK_ICD_FILENAMES", SWIFTSHADER_ICD)
        env["LD_LIBRARY_PATH"] = ":".join(p for p in ["/usr/lib/chromium", env.get("LD_LIBRARY_PATH", "")] if p)
    env["PYTHON"] = PYTHON
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra or {})
    return env


def run(cmd, cwd=REPO, env=None, timeout=600, check=True):
    """Runs a command; on failure, the assertion shows its output."""
    done = subprocess.run(cmd, cwd=cwd, env=env or command_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited with {done.returncode}:\n{done.stdout[-6000:]}")
    return done


def run_tool(tool, *args, **kwargs):
    """A command of tools/, through scripts/run-ts.mjs (esbuild bundles it into out/)."""
    return run(["node", "scripts/run-ts.mjs", f"tools/{tool}.ts", *args], **kwargs)


def torchrun(nproc, *args, **kwargs):
    flags = train.torchrun_flags().split()
    return run([PYTHON, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}", "--monitor_interval", "1", *flags, TRAIN_PY, *args], **kwargs)


def load_json(path):
    with open(path) as f:
        return json.load(f)


def rel(a, b):
    return abs(a - b) / abs(b)


_bundle = {}


def equivalence_bundle():
    """The folder of the equivalence bundle, with the lab's float32 WebGPU run (lab-f32.json)."""
    if "dir" not in _bundle:
        _bundle["tmp"] = tempfile.TemporaryDirectory(prefix="cbs-equivalence-")
        run_tool("equivalence-bundle", "--out", _bundle["tmp"].name, "--gpu")
        _bundle["dir"] = _bundle["tmp"].name
    return _bundle["dir"]


def train_in_process(*args):
    """train.py's command line, in this process (torch is imported once); returns its exit status."""
    return train.main(list(args))
