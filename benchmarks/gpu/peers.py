"""The GPU benchmark cases with kornia and torchvision v2 (torch CUDA) and Keras 3 on JAX; no TensorFlow.

Usage (GPU machine, from the repo root): ``python -m benchmarks.gpu.peers`` (``GPU_PEERS=keras,kornia,...``,
``GPU_CASES=flip,...`` and ``GPU_BATCHES`` narrow it). Writes ``peers.json`` to ``$OUT``.

Same batches and timing as ``run_hlo.py`` (uint8 224 x 224, warm-up, then calls each ended by a device sync;
the median gives img/s); every case runs in its own ``try`` (an error, e.g. out of memory, is recorded and the
run goes on); a larger batch is skipped when the smaller one suggests it would take over 2 s a call. Parameters
follow ``benchmarks/cases_*.py`` where the library has them:

- kornia.augmentation: float32 NCHW in [0, 1], per-sample parameters; CLAHE is
  ``kornia.enhance.equalize_clahe`` (RGB: per channel, not on L of Lab). Elastic: kernel 6·sigma + 1.
- torchvision.transforms.v2: the uint8 NCHW batch; v2 draws ONE parameter set per call for the whole batch
  (cheaper than per-sample parameters); its affine fills with a constant only. No CLAHE.
- Keras 3 (``KERAS_BACKEND=jax``): ``layer.stateless_call`` inside ``jax.jit``, the seed state threaded
  through calls (new per-sample parameters every call); uint8 NHWC in. Layers that cannot be jitted
  (``RandomElasticTransform``: a traced sigma sets its kernel size) run eagerly and are marked so.
"""

from __future__ import annotations

import os
import sys
import time
import traceback

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")  # torch and jax share the GPU

import numpy as np

from benchmarks.gpu.common import (
    BATCHES,
    CASES,
    NUM_CLASSES,
    SIZE,
    Results,
    past_deadline,
    sample_batch,
    table,
    time_fn,
)

GRAY = {"clahe_gray"}
ELASTIC = {
    "elastic": (112.0, 11.2, 300.0),
    "elastic_simard": (34.0, 4.0, 120.0),
}  # ours, sigma, albumentations'
MAX_CALL_S = 2.0


def torch_sync(_=None) -> None:
    import torch

    if torch.cuda.is_available():
        torch.cuda.synchronize()


def _kornia_module(case: str):
    import kornia.augmentation as K

    reflect = {"padding_mode": "reflection"}
    if case == "flip":
        return [K.RandomHorizontalFlip(p=0.5), K.RandomVerticalFlip(p=0.5)]
    if case == "translation":
        return [K.RandomAffine(degrees=0.0, translate=(0.2, 0.2), p=1.0, **reflect)]
    if case == "rotation":
        return [K.RandomAffine(degrees=180.0, p=1.0, **reflect)]
    if case == "zoom":
        return [K.RandomAffine(degrees=0.0, scale=(0.7, 1.3), p=1.0, **reflect)]
    if case == "affine":
        return [
            K.RandomAffine(degrees=30.0, translate=(0.1, 0.1), scale=(0.8, 1.2), shear=10.0, p=1.0, **reflect)
        ]
    if case == "brightness_contrast":
        return [
            K.RandomBrightness(brightness=(0.8, 1.2), p=1.0),
            K.RandomContrast(contrast=(0.8, 1.2), p=1.0),
        ]
    if case == "cutout":
        return [K.RandomErasing(scale=(0.02, 0.25), ratio=(0.3, 3.3), value=0.0, p=1.0)]
    if (
        case in ELASTIC
    ):  # kornia's alpha scales a displacement in [-1, 1] coordinates; the kernel sets the cost
        sigma = ELASTIC[case][1]
        size = int(6 * sigma + 1) | 1
        return [
            K.RandomElasticTransform(
                kernel_size=(size, size),
                sigma=(sigma, sigma),
                alpha=(0.33, 0.33),
                p=1.0,
                padding_mode="reflection",
            )
        ]
    return None


def kornia_fn(case: str, x_uint8):
    """A no-argument callable (the timed unit) for kornia, or None when kornia has no such transform."""
    import kornia
    import torch

    x = x_uint8.float() / 255.0
    if case.startswith("clahe"):
        return lambda: kornia.enhance.equalize_clahe(x, clip_limit=4.0, grid_size=(8, 8))
    if case in ("mixup", "cutmix"):
        import kornia.augmentation as K

        labels = torch.arange(x.shape[0], device=x.device) % NUM_CLASSES
        mixer = (K.RandomMixUpV2 if case == "mixup" else K.RandomCutMixV2)(
            p=1.0, data_keys=["input", "class"]
        )
        mixer = mixer.to(x.device)
        return lambda: mixer(x, labels)
    modules = _kornia_module(case)
    if modules is None:
        return None
    augment = torch.nn.Sequential(*modules).to(x.device)
    return lambda: augment(x)


def torchvision_fn(case: str, x):
    """A no-argument callable for torchvision v2, or None (no CLAHE)."""
    import torch
    from torchvision.transforms import v2

    bilinear = {"interpolation": v2.InterpolationMode.BILINEAR}
    transforms = {
        "flip": lambda: v2.Compose([v2.RandomHorizontalFlip(0.5), v2.RandomVerticalFlip(0.5)]),
        "translation": lambda: v2.RandomAffine(degrees=0, translate=(0.2, 0.2), **bilinear),
        "rotation": lambda: v2.RandomRotation(180, **bilinear),
        "zoom": lambda: v2.RandomAffine(degrees=0, scale=(0.7, 1.3), **bilinear),
        "affine": lambda: v2.RandomAffine(
            degrees=30, translate=(0.1, 0.1), scale=(0.8, 1.2), shear=10, **bilinear
        ),
        "brightness_contrast": lambda: v2.ColorJitter(brightness=0.2, contrast=0.2),
        "cutout": lambda: v2.RandomErasing(p=1.0, scale=(0.02, 0.25), value=0),
        "elastic": lambda: v2.ElasticTransform(
            alpha=ELASTIC["elastic"][2], sigma=ELASTIC["elastic"][1], **bilinear
        ),
        "elastic_simard": lambda: v2.ElasticTransform(
            alpha=ELASTIC["elastic_simard"][2], sigma=ELASTIC["elastic_simard"][1], **bilinear
        ),
    }
    if case in ("mixup", "cutmix"):
        labels = torch.arange(x.shape[0], device=x.device) % NUM_CLASSES
        mixer = (
            v2.MixUp(alpha=0.2, num_classes=NUM_CLASSES)
            if case == "mixup"
            else v2.CutMix(alpha=1.0, num_classes=NUM_CLASSES)
        )
        images = x.float() / 255.0  # MixUp/CutMix want float images
        return lambda: mixer(images, labels)
    if case not in transforms:
        return None
    transform = transforms[case]()
    return lambda: transform(x)


def _keras_layers(case: str, size: int):
    import keras

    L = keras.layers
    layers = {
        "flip": lambda: [L.RandomFlip("horizontal_and_vertical", seed=0)],
        "translation": lambda: [L.RandomTranslation(0.2, 0.2, seed=0)],
        "rotation": lambda: [L.RandomRotation(0.5, seed=0)],
        "zoom": lambda: [L.RandomZoom(0.3, seed=0)],
        "affine": lambda: [
            L.RandomRotation(30 / 360, seed=0),
            L.RandomTranslation(0.1, 0.1, seed=1),
            L.RandomZoom(0.2, seed=2),
        ],
        "brightness_contrast": lambda: [L.RandomBrightness(0.2, seed=0), L.RandomContrast(0.2, seed=1)],
        "clahe_gray": lambda: [L.ContrastLimitedAdaptiveHistogramEqualization(clip_limit=4.0)],
        "clahe_rgb": lambda: [L.ContrastLimitedAdaptiveHistogramEqualization(clip_limit=4.0)],
        "cutout": lambda: [L.RandomErasing(factor=(1.0, 1.0), scale=(0.02, 0.25), fill_value=0.0, seed=0)],
        "mixup": lambda: [L.MixUp(alpha=0.2, seed=0)],
        "cutmix": lambda: [L.CutMix(factor=1.0, seed=0)],
    }
    if case in ELASTIC:  # Keras draws sigma = 0.05 * size * scale: pin the case's sigma (capped at 1)
        scale = min(ELASTIC[case][1] / (0.05 * size), 1.0)
        return [L.RandomElasticTransform(factor=(1.0, 1.0), scale=(scale, scale), seed=0)]
    return layers[case]() if case in layers else None


def keras_fn(case: str, x_np: np.ndarray):
    """A no-argument callable running the Keras 3 layers jitted with JAX (eagerly if they cannot be jitted)."""
    import jax
    import jax.numpy as jnp

    layers = _keras_layers(case, x_np.shape[1])
    if layers is None:
        return None
    x = jnp.asarray(x_np)
    labels = jax.nn.one_hot(jnp.arange(x.shape[0]) % NUM_CLASSES, NUM_CLASSES)
    data = {"images": x, "labels": labels} if case in ("mixup", "cutmix") else x
    probe = data
    for layer in layers:  # an eager call builds each layer (creates its seed state)
        probe = layer(probe, training=True)

    def apply(states, data):
        new_states = []
        for layer, state in zip(layers, states, strict=False):
            data, state = layer.stateless_call(
                [v.value for v in layer.trainable_variables], state, data, training=True
            )
            new_states.append(state)
        return data, new_states

    jitted = jax.jit(apply)
    box = {"states": [[v.value for v in layer.non_trainable_variables] for layer in layers]}

    def run():
        out, box["states"] = jitted(box["states"], data)
        return out

    try:
        jax.block_until_ready(run())
        run.mode = "jit"
        return run
    except Exception as e:

        def eager():
            out = data
            for layer in layers:
                out = layer(out, training=True)
            return out

        eager.mode = f"eager (not jittable: {type(e).__name__})"
        return eager


def measure(lib: str, case: str, batch: int) -> dict:
    """Time one library on one case at one batch size; ``{}`` when the library has no such transform."""
    batch_np = sample_batch(batch, SIZE, 1 if case in GRAY else 3)
    t0 = time.perf_counter()
    if lib == "keras":
        import jax

        fn, sync = keras_fn(case, batch_np), jax.block_until_ready
    else:
        import torch

        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
        x = torch.from_numpy(batch_np).permute(0, 3, 1, 2).contiguous().to(device)
        fn, sync = (kornia_fn if lib == "kornia" else torchvision_fn)(case, x), torch_sync
    if fn is None:
        return {}
    if lib == "keras":
        t = time_fn(fn, sync)
    else:
        import torch

        with torch.inference_mode():
            t = time_fn(fn, sync)
    return dict(
        t, images_per_s=batch / t["median_s"], setup_s=time.perf_counter() - t0, mode=getattr(fn, "mode", "")
    )


def _versions() -> dict:
    meta = {}
    for module in ("jax", "torch", "torchvision", "kornia", "keras"):
        try:
            meta[module] = __import__(module).__version__
        except Exception as e:
            meta[module] = f"unavailable: {type(e).__name__}: {str(e)[:200]}"
    try:
        import torch

        meta["torch_device"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "cpu"
    except Exception:
        pass
    return meta


def main() -> int:
    libs = [c for c in os.environ.get("GPU_PEERS", "kornia,torchvision,keras").split(",") if c]
    only = [c for c in os.environ.get("GPU_CASES", "").split(",") if c]
    results = Results("peers.json", dict(_versions(), batches=BATCHES, size=SIZE, libs=libs))
    print(results.data["meta"], flush=True)
    rows = []
    for lib in libs:
        try:
            __import__("keras" if lib == "keras" else lib)
        except ImportError as e:
            results.add(lib, {"error": f"unavailable: {e}"})
            print(f"{lib}: unavailable ({e}), skipped", flush=True)
            continue
        for case in CASES:
            if only and case not in only:
                continue
            last = None
            for batch in BATCHES:
                key = f"{lib}/{case}/{batch}"
                if past_deadline():
                    results.add(key, {"skipped": "deadline"})
                    continue
                if last and last["median_s"] * batch / last["batch"] > MAX_CALL_S:
                    results.add(key, {"skipped": f"over {MAX_CALL_S} s a call at batch {last['batch']}"})
                    continue
                try:
                    t = measure(lib, case, batch)
                    if not t:
                        break
                    results.add(key, t)
                    last = dict(t, batch=batch)
                    rows.append(
                        (
                            lib,
                            case,
                            batch,
                            f"{t['images_per_s']:,.0f}",
                            f"{t['median_s'] * 1e3:.3f}",
                            t["mode"],
                        )
                    )
                except Exception as e:
                    results.add(
                        key,
                        {
                            "error": f"{type(e).__name__}: {str(e)[:500]}",
                            "trace": traceback.format_exc()[-2000:],
                        },
                    )
                    rows.append((lib, case, batch, "error", "", f"{type(e).__name__}: {str(e)[:70]}"))
                    last = None
                print(" | ".join(map(str, rows[-1])), flush=True)
        if lib != "keras":
            try:
                import torch

                torch.cuda.empty_cache()
            except Exception:
                pass
    print(
        "\n"
        + table(rows, ("lib", "case", "batch", "img/s", "ms/batch", "note"))
        + f"\n\nwrote {results.path}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
