"""The tiny sweep (e2e/fixtures/tiny.json) end to end: exported as a package, its data prepared
by the package's prepare_data.mjs, trained through the manifest under torchrun (two processes a run),
a run killed and recorded as failed while the sweep goes on, finished through launch_slurm.sh (with
stand-ins for sbatch and srun), and imported into `npm run cbs`; its steps to target against the lab's
own run of the same config (tools/lab-sweep.ts: the lab's WebGPU engine in Node)."""

import glob
import json
import os
import stat
import subprocess
import tempfile
import unittest

from testlib import PYTHON, REPO, command_env, load_json, rel, run, run_tool

FIXTURE = "e2e/fixtures/tiny.json"
KILLED = 3  # the manifest line (B = 16) whose processes are killed

# Stand-ins for the cluster's commands. The sbatch stand-in logs its arguments and runs the array's
# tasks at once, one after another, as SLURM would run a job array (a dependency has then been met).
FAKE_SBATCH = """#!/usr/bin/env bash
job=$(( $(cat "$FAKE_SLURM/jobs" 2>/dev/null || echo 100) + 1 )); echo "$job" > "$FAKE_SLURM/jobs"
echo "$job $*" >> "$FAKE_SLURM/sbatch.log"
array=""; for a in "$@"; do case "$a" in --array=*) array=${a#--array=};; esac; done
script="${@: -1}"
for task in ${array//,/ }; do
  SLURM_ARRAY_TASK_ID=$task SLURM_JOB_ID=$job SLURM_SUBMIT_DIR=$PWD SLURM_JOB_NUM_NODES=1 SLURM_GPUS_ON_NODE=1 \\
    bash "$script" >> "$FAKE_SLURM/task-$task.log" 2>&1
done
echo "$job"
"""
FAKE_SRUN = """#!/usr/bin/env bash
while [[ "$1" == --* ]]; do shift; done
exec "$@"
"""
# A python3 that dies as the out-of-memory killer would kill it (SIGKILL) when asked to torchrun one run.
KILLING_PYTHON = f"""#!/usr/bin/env bash
if [[ " $* " == *" torch.distributed.run "* && " $* " == *" --run {KILLED} "* ]]; then kill -9 $$; fi
exec {PYTHON} "$@"
"""


def executable(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, os.stat(path).st_mode | stat.S_IEXEC)
    return path


def records(folder):
    """The last record of each run file, by manifest line."""
    out = {}
    for path in sorted(glob.glob(os.path.join(folder, "run-*.jsonl"))):
        with open(path) as f:
            lines = [json.loads(line) for line in f if line.strip()]
        out[int(os.path.basename(path)[4:9])] = lines[-1]
    return out


class TinySweep(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="cbs-end-to-end-")
        cls.pkg = os.path.join(cls.tmp.name, "package")
        cls.lab = os.path.join(cls.tmp.name, "lab")
        cls.results = os.path.join(cls.pkg, "results")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def cbs(self, path):
        done = run(["npm", "run", "--silent", "cbs", "--", path, "--json"], check=False)
        self.assertEqual(done.returncode, 0, done.stdout[-3000:])
        text = done.stdout
        return json.loads(text[text.index("{"):]), text[: text.index("{")]

    def test_the_tiny_sweep_through_the_package_and_back(self):
        # 1. Export and data.
        run_tool("export-torch", FIXTURE, "--out", self.pkg)
        for name in ("train.py", "manifest.jsonl", "experiment.json", "launch_torchrun.sh", "launch_slurm.sh", "prepare_data.mjs", "README.md"):
            self.assertTrue(os.path.exists(os.path.join(self.pkg, name)), name)
        run(["node", "prepare_data.mjs"], cwd=self.pkg)
        meta = load_json(os.path.join(self.pkg, "data", "meta.json"))
        self.assertEqual((meta["tokenizer"], meta["vocabSize"]), ("bytes", 257))
        with open(os.path.join(self.pkg, "manifest.jsonl")) as f:
            manifest = [json.loads(line) for line in f]
        self.assertEqual([s["batchSize"] for s in manifest], [4, 4, 8, 16])

        # 2. The lab's own run of the same config, beside the package's (the launchers wait on process starts).
        lab_run = subprocess.Popen(["node", "scripts/run-ts.mjs", "tools/lab-sweep.ts", FIXTURE, "--out", self.lab], cwd=REPO,
                                   env=command_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.addCleanup(lambda: lab_run.poll() is not None or (lab_run.kill(), lab_run.wait()))

        # 3. The whole manifest under torchrun, two processes a run; line 3's processes are killed.
        bin_dir = os.path.join(self.tmp.name, "bin")
        os.makedirs(bin_dir)
        killing = executable(os.path.join(bin_dir, "killing-python"), KILLING_PYTHON)
        done = run(["./launch_torchrun.sh"], cwd=self.pkg, env=command_env({"PYTHON": killing, "NPROC": "2"}))
        ours = records(self.results)
        self.assertEqual(sorted(ours), [0, 1, 2, 3])
        self.assertEqual(ours[KILLED]["status"], "failed")
        self.assertEqual(ours[KILLED]["failure"], {"step": 0, "reason": "torchrun exited with status 137"})
        for i in (0, 1, 2):
            self.assertIn(ours[i]["status"], ("finished", "reached-target"), done.stdout[-3000:])
        # The sweep went on, and the analysis reports the failed run as the lab does.
        report, _ = self.cbs(self.results)
        unreached = {r["runId"]: r for r in report["groups"][0]["unreached"]}
        self.assertEqual(list(unreached), [manifest[KILLED]["id"]])
        self.assertEqual(unreached[manifest[KILLED]["id"]]["status"], "failed")
        self.assertIn("torchrun exited with status 137", unreached[manifest[KILLED]["id"]]["reason"])

        # 4. The rest through launch_slurm.sh: the reference run again (its record removed) and the failed
        #    run, as two job arrays, the second after the first.
        os.remove(os.path.join(self.results, "run-00000.jsonl"))
        slurm = os.path.join(self.tmp.name, "slurm")
        os.makedirs(slurm)
        executable(os.path.join(bin_dir, "sbatch"), FAKE_SBATCH)
        executable(os.path.join(bin_dir, "srun"), FAKE_SRUN)
        env = command_env({"PATH": f"{bin_dir}:{os.environ['PATH']}", "FAKE_SLURM": slurm})
        done = run(["./launch_slurm.sh", "--partition=test"], cwd=self.pkg, env=env)
        with open(os.path.join(slurm, "sbatch.log")) as f:
            calls = f.read().splitlines()
        self.assertEqual(len(calls), 2, calls)
        self.assertRegex(calls[0], r"^101 --parsable --array=0 --export=ALL --partition=test \S+launch_slurm.sh$")
        self.assertRegex(calls[1], r"^102 --parsable --array=3 --export=ALL --dependency=afterany:101 --partition=test \S+launch_slurm.sh$")
        ours = records(self.results)
        self.assertTrue(all(ours[i]["status"] in ("finished", "reached-target") for i in range(4)), done.stdout)
        self.assertIn("DDP × 1", ours[0]["adapter"])  # the stand-in's node has one "GPU"
        self.assertIn("DDP × 2", ours[1]["adapter"])

        # 5. Back in the lab: the folder, and one merged file, analysed like any sweep.
        report, warnings = self.cbs(self.results)
        self.assertIn("earlier record of runs trained again were replaced", warnings)
        merged = os.path.join(self.tmp.name, "results.jsonl")
        with open(merged, "w") as out:
            for path in sorted(glob.glob(os.path.join(self.results, "*.jsonl"))):
                with open(path) as f:
                    out.write(f.read())
        merged_report, _ = self.cbs(merged)
        self.assertEqual(merged_report["groups"], report["groups"])

        # 6. Steps to target against the lab's own run.
        lab_output = lab_run.communicate(timeout=600)[0]
        self.assertEqual(lab_run.returncode, 0, lab_output[-3000:])
        lab = records(self.lab)
        lab_report, _ = self.cbs(self.lab)
        self.assertEqual([p["batchSize"] for p in report["groups"][0]["points"]], [p["batchSize"] for p in lab_report["groups"][0]["points"]])
        self.assert_same_steps_to_target(ours, lab)

    def assert_same_steps_to_target(self, ours, lab):
        """Equal where both runs are deterministic. They are (fixed seeds, the same initial weights and data
        order), but their float32 arithmetic differs (WebGPU kernels, PyTorch CPU kernels summed over two
        processes), so losses differ by about 1e-6: an evaluation whose EWA loss lies that close to the
        target can fall on either side, and then the steps to target differ by one evaluation interval."""
        for i, b in lab.items():
            a = ours[i]
            self.assertEqual(a["spec"]["id"], b["spec"]["id"])
            self.assertEqual(a["status"], b["status"], a["spec"]["id"])
            worst = max(rel(x["trainLoss"], y["trainLoss"]) for x, y in zip(a["steps"], b["steps"]))
            self.assertLessEqual(worst, 1e-4, f"{a['spec']['id']}: training losses")
            if b["spec"]["targetLoss"] is not None:
                self.assertLessEqual(rel(a["spec"]["targetLoss"], b["spec"]["targetLoss"]), 1e-4)
            if a["stepsToTarget"] == b["stepsToTarget"]:
                continue
            steps = [e["step"] for e in b["evals"]]
            first, second = sorted((a["stepsToTarget"], b["stepsToTarget"]))
            self.assertEqual(steps.index(second) - steps.index(first), 1, f"{a['spec']['id']}: more than one evaluation apart")
            at = next(e for e in b["evals"] if e["step"] == first)
            self.assertLessEqual(rel(at["ewaLoss"], b["spec"]["targetLoss"]), 1e-4, f"{a['spec']['id']}: differs without a near tie")
        print("\n  steps to target, package vs lab: " + ", ".join(
            f"B {ours[i]['spec']['batchSize']}{' (ref)' if ours[i]['spec']['role'] == 'reference' else ''}: {ours[i]['stepsToTarget']} vs {lab[i]['stepsToTarget']}"
            for i in sorted(lab)))


if __name__ == "__main__":
    unittest.main()
