"""Throughput of one augmentation pipeline in-process vs on local tf.data service workers.

The pipeline: ``uint8`` batches of 224x224 RGB images from memory, ``RandomFlip`` + ``RandomAffine`` +
``RandomBrightnessContrast`` in ``.map(num_parallel_calls=AUTOTUNE)``, ``.prefetch``. It runs in this
process, then through ``tf.data.experimental.service.distribute("distributed_epoch", ...)`` to a
dispatcher in this process and N worker *processes* on localhost. The workers import only TensorFlow:
the dataset graph (XLA functions included) is serialized to them, keras_aug need not be installed there.

On a 2-core machine the workers share the cores with the client, so this measures the service's
overhead (serialization, gRPC, compression), not a speed-up: real deployments put workers on other hosts.

Usage: ``python -m benchmarks.data_service [--workers 1 2] [--batches N] [--rounds N] [--markdown FILE]``
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import tensorflow as tf

import keras_aug
from benchmarks.harness import images_per_second, sample_batch
from benchmarks.run import describe_machine

WORKER = """
import sys, tensorflow as tf
service = tf.data.experimental.service
worker = service.WorkerServer(service.WorkerConfig(dispatcher_address=sys.argv[1]))
print("ready", flush=True)
worker.join()
"""


def augment_fn():
    """The pipeline's map function (built fresh for each run)."""
    L = keras_aug.layers
    flip, affine = L.RandomFlip(), L.RandomAffine(degrees=15, translate=0.1, scale=(0.9, 1.1))
    color = L.RandomBrightnessContrast(p=1.0)
    return lambda images: color(affine(flip(images)))


def pipeline(batch, num_batches: int) -> tf.data.Dataset:
    """``num_batches`` augmented batches; the ``range`` source lets distributed_epoch split it."""
    images = tf.constant(batch)
    ds = tf.data.Dataset.range(num_batches).map(lambda _: images)
    return ds.map(augment_fn(), num_parallel_calls=tf.data.AUTOTUNE).prefetch(tf.data.AUTOTUNE)


class Workers:
    """A dispatcher in this process and ``count`` worker processes on localhost; stopped on exit."""

    def __init__(self, count: int):
        service = tf.data.experimental.service
        self.dispatcher = service.DispatchServer(service.DispatcherConfig(port=0))
        address = self.dispatcher.target.split("://")[1]
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
        self.processes = [
            subprocess.Popen(
                [sys.executable, "-c", WORKER, address], env=env, stdout=subprocess.PIPE, text=True
            )
            for _ in range(count)
        ]
        for process in self.processes:
            assert process.stdout.readline().strip() == "ready", "a tf.data service worker failed to start"
        deadline = time.monotonic() + 60
        while self.dispatcher._num_workers() < count:
            if time.monotonic() > deadline:
                raise RuntimeError("tf.data service workers did not register with the dispatcher")
            time.sleep(0.1)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for process in self.processes:
            process.kill()
            process.wait()
        self.dispatcher._stop()


def time_run(dataset: tf.data.Dataset, batch_size: int, warmup: int, num_batches: int) -> float:
    iterator = iter(dataset)
    images_per_second(iterator, batch_size, warmup)  # tracing, XLA compilation (on each worker)
    rate = images_per_second(iterator, batch_size, num_batches)
    del iterator
    return rate


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="*", default=[2], help="worker counts to try")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--batches", type=int, default=20, help="batches timed per round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--markdown", help="also append the table to this file")
    args = parser.parse_args(argv)

    batch = sample_batch(args.batch_size, 224, 3)
    warmup = 4
    total = warmup + args.batches
    runs = {"in-process": None}
    for count in args.workers:
        for compression in ("AUTO", None):
            runs[f"service, {count} worker{'s' * (count > 1)}, compression={compression}"] = (
                count,
                compression,
            )

    best = dict.fromkeys(runs, 0.0)
    for _ in range(args.rounds):
        for name, spec in runs.items():
            dataset = pipeline(batch, total)
            if spec is None:
                rate = time_run(dataset, args.batch_size, warmup, args.batches)
            else:
                count, compression = spec
                with Workers(count) as workers:
                    distribute = tf.data.experimental.service.distribute(
                        "distributed_epoch", workers.dispatcher.target, compression=compression
                    )
                    rate = time_run(dataset.apply(distribute), args.batch_size, warmup, args.batches)
            best[name] = max(best[name], rate)

    lines = [
        f"Machine: {describe_machine()}; flip + affine + brightness/contrast, batch {args.batch_size} "
        f"of 224x224x3 uint8, best of {args.rounds} rounds of {args.batches} batches",
        "",
        "| pipeline | img/s | vs in-process |",
        "|---|---:|---:|",
    ]
    for name, rate in best.items():
        lines.append(f"| {name} | {rate:,.0f} | {rate / best['in-process']:.2f}x |")
    print("\n".join(lines), flush=True)
    if args.markdown:
        with open(args.markdown, "a") as f:
            f.write("\n".join(lines) + "\n\n")


if __name__ == "__main__":
    main()
