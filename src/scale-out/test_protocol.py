"""train.py's re-implementations of the lab's rules, value for value against the lab's own code
(protocol.json and the initial weights of the equivalence bundle), and its bookkeeping."""

import json
import math
import os
import tempfile
import unittest

import numpy as np

from testlib import equivalence_bundle, load_json, train


class LabProtocol(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = equivalence_bundle()
        cls.vectors = load_json(os.path.join(cls.dir, "protocol.json"))

    def test_mulberry32_streams_are_the_labs_bit_for_bit(self):
        for case in self.vectors["mulberry32"]:
            values = case["values"]
            self.assertEqual(train.mulberry32_array(case["seed"], len(values)).tolist(), values)
            sequential = train.Mulberry32(case["seed"])
            self.assertEqual([sequential() for _ in values], values)

    def test_tensor_seeds_are_the_labs(self):
        for case in self.vectors["tensorSeed"]:
            self.assertEqual(train.tensor_seed(case["seed"], case["name"]), case["value"], case)

    def test_epoch_permutations_and_the_stream_order_are_the_labs(self):
        for case in self.vectors["epochPermutation"]:
            self.assertEqual(train.epoch_permutation(case["count"], case["dataSeed"], case["epoch"]).tolist(), case["order"])
        s = self.vectors["tokenStream"]
        warnings = []
        stream = train.TokenStream(np.zeros(s["corpusTokens"], dtype=np.uint16), s["context"], s["dataSeed"], warn=warnings.append)
        # 30 draws over 13 sequences: two epoch boundaries, each with its warning.
        self.assertEqual(stream.next_indices(len(s["indices"])).tolist(), s["indices"])
        self.assertEqual(len(warnings), 2)

    def test_learning_rate_schedule_is_the_labs(self):
        for case in self.vectors["learningRate"]:
            rates = [train.learning_rate(step, case["peakLr"], case["warmup"]) for step in range(1, len(case["rates"]) + 1)]
            self.assertEqual(rates, case["rates"])

    def test_evaluation_schedule_and_what_each_evaluation_measures_are_the_labs(self):
        # The same made-up EWA loss curve as the lab's vectors: 3 + 2/√step.
        for case in self.vectors["schedule"]:
            ev, max_steps, target, decays = case["evaluation"], case["maxSteps"], case["targetLoss"], case["decays"]
            evaluations, last = [], None
            for step in range(1, max_steps + 1):
                if not train.should_evaluate(step, ev, max_steps, target, last):
                    continue
                loss = 3 + 2 / math.sqrt(step)
                plan = train.evaluation_plan(ev, target, last, step, max_steps)
                evaluations.append({"step": step, "plan": plan, "anchor": train.needs_full_anchor(ev, target, step, loss)})
                last = {"step": step, "ewaLoss": loss}
            self.assertEqual(evaluations, case["evaluations"], ev)

    def test_best_decay_index_is_the_labs(self):
        for case in self.vectors["bestDecayIndex"]:
            losses = [None if x is None else float(x) for x in case["ewaLosses"]]
            self.assertEqual(train.best_decay_index({"ewaLosses": losses}), case["index"], case)

    def test_validation_sequences_are_spread_as_the_labs(self):
        for case in self.vectors["validationBatch"]:
            inputs, targets = train.validation_batch(np.arange(case["tokens"], dtype=np.uint16), case["context"], case["maxSequences"])
            self.assertEqual(inputs[:, 0].tolist(), case["starts"], case)
            self.assertEqual((targets - inputs).tolist(), [[1] * case["context"]] * len(case["starts"]))

    def test_divergence_rules_and_messages_are_the_labs(self):
        for case in self.vectors["divergence"]:
            reason = train.divergence_reason(case["step"], [float(x) for x in case["losses"]], case["initialLoss"], case["warmupSteps"])
            self.assertEqual(reason, case["reason"])
        for case in self.vectors["divergenceWindow"]:
            self.assertEqual(train.divergence_window(case["tokensPerStep"]), case["window"], case)

    def test_the_target_from_reference_runs_is_the_labs(self):
        # Each replicate's best final loss over its learning rates, averaged over the replicates.
        for case in self.vectors["targetFromReferences"]:
            records = [{**r, "evals": [{**e, "ewaLoss": float(e["ewaLoss"])} for e in r["evals"]]} for r in case["records"]]
            target = train.target_from_references(records)
            if case["target"] is None:
                self.assertIsNone(target, case)
            else:
                self.assertAlmostEqual(target, case["target"], places=12, msg=case)
        self.assertAlmostEqual(self.vectors["targetFromReferences"][0]["target"], 2.332, places=12)

    def test_initial_weights_are_the_labs_bit_for_bit(self):
        for file in ("weights.safetensors", "init-large.safetensors"):
            lab, metadata = train.read_safetensors(os.path.join(self.dir, file))
            config = json.loads(metadata["config"])
            ours = train.init_parameters(config, int(metadata["seed"]))
            self.assertEqual(list(ours), list(lab), "same tensors in the same order")
            for name, values in lab.items():
                differ = int(np.count_nonzero(ours[name].view(np.uint32) != values.view(np.uint32)))
                self.assertEqual(differ, 0, f"{file} {name}: {differ} of {values.size} values differ")

    def test_normal_draws_are_the_labs_even_when_a_uniform_draw_is_redrawn(self):
        # V8's Math.log, cos and sin and numpy's differ in the last bit now and then: the draws agree to
        # 2 ulp, and the initial weights, rounded to float32, bit for bit (the test above).
        for case in self.vectors["normal"]:
            lab = np.array(case["values"])
            ours = train.normal_array(case["seed"], len(lab))
            self.assertTrue(np.all(np.abs(ours - lab) <= 2 * np.spacing(np.abs(lab))), (case["seed"], ours - lab))


class Bookkeeping(unittest.TestCase):
    def test_records_write_nan_and_infinity_as_null(self):
        line = train.record_line({"a": float("nan"), "b": [1.5, float("inf")], "c": {"d": -float("inf")}})
        self.assertEqual(json.loads(line), {"a": None, "b": [1.5, None], "c": {"d": None}})

    def test_out_of_memory_is_named_and_points_at_the_micro_batch(self):
        reason = train.describe_error(RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB\nmore"))
        self.assertTrue(reason.startswith("out of memory: CUDA out of memory."), reason)
        self.assertIn("--micro-batch", reason)

    def test_micro_batch_divides_each_process_share(self):
        spec = {**json.loads(json.dumps(SPEC)), "batchSize": 24, "microBatch": 12}
        s = train.RunSettings(spec)
        self.assertEqual(train.choose_micro_batch(s, 1, 0), 12)
        self.assertEqual(train.choose_micro_batch(s, 4, 0), 3)  # share 6: at least two micro-batches
        self.assertEqual(train.choose_micro_batch(s, 2, 5), 4)  # share 12, asked 5: largest divisor ≤ 5
        with self.assertRaisesRegex(ValueError, "not divisible"):
            train.choose_micro_batch(s, 5, 0)

    def test_run_settings_read_the_labs_spec_and_its_older_form(self):
        now = train.RunSettings(SPEC)
        self.assertEqual((now.ewa_decays, now.is_reference, now.pool_tokens, now.init_seed, now.data_seed), ([0.9, 0.99], False, 4096, 1, 2))
        older = {k: v for k, v in SPEC.items() if k not in ("ewaDecays", "role")}
        older = train.RunSettings({**older, "ewaDecay": 0.9, "isReference": True})
        self.assertEqual((older.ewa_decays, older.is_reference), ([0.9], True))

    def test_a_run_whose_processes_died_is_recorded_failed_with_its_progress(self):
        with tempfile.TemporaryDirectory() as d:
            manifest = os.path.join(d, "manifest.jsonl")
            with open(manifest, "w") as f:
                f.write(json.dumps(SPEC) + "\n")
            results = os.path.join(d, "results")
            os.makedirs(results)
            # What an attempt leaves when killed after two steps: its partial record and a rank's error.
            partial = {**train.empty_record(SPEC, "test"), "status": "running", "stepsDone": 2, "steps": [{"step": 1}, {"step": 2}]}
            train.write_atomic(os.path.join(results, "run-00000.partial.json"), train.record_line(partial))
            with open(os.path.join(results, "run-00000.rank1.error"), "w") as f:
                f.write("rank 1: out of memory: CUDA out of memory.\n")
            args = ["--manifest", manifest, "--results", results, "--run", "0", "--mark-failed", "--reason", "torchrun exited with status 1"]
            self.assertEqual(train.main(args), 0)
            record = train.last_record(os.path.join(results, "run-00000.jsonl"))
            self.assertEqual(record["status"], "failed")
            self.assertEqual(record["failure"], {"step": 2, "reason": "torchrun exited with status 1; rank 1: out of memory: CUDA out of memory."})
            self.assertEqual(len(record["steps"]), 2)
            self.assertFalse(os.path.exists(os.path.join(results, "run-00000.partial.json")))
            # Called again (the record is there, no partial): nothing is added.
            self.assertEqual(train.main(args), 0)
            with open(os.path.join(results, "run-00000.jsonl")) as f:
                self.assertEqual(len(f.readlines()), 1)
            # A failed run is pending: the launchers train it again.
            self.assertTrue(not train.is_done(os.path.join(results, "run-00000.jsonl"), SPEC))


SPEC = {
    "id": "t:L1d16h2T8V64|D1024|B8|lr0.001|s1.2|sweep",
    "role": "sweep",
    "model": {"name": "t", "layers": 1, "dModel": 16, "heads": 2, "context": 8, "vocabSize": 64},
    "dataSize": 1024,
    "batchSize": 8,
    "microBatch": 4,
    "peakLr": 0.001,
    "beta1": 0.9,
    "beta2": 0.95,
    "eps": 1e-8,
    "weightDecay": 0,
    "warmupSteps": 2,
    "clipNorm": 1,
    "ewaDecays": [0.9, 0.99],
    "maxSteps": 16,
    "targetLoss": None,
    "stopAtTarget": True,
    "evaluation": {"spacing": 1.25, "nearSpacing": 1.05, "nearMargin": 0.05, "validationTokens": 32},
    "replicate": 0,
    "seeds": {"init": 1, "data": 2},
    "poolTokens": 4096,
}

if __name__ == "__main__":
    unittest.main()
