"""PyTorch side of `pnpm bench`: serves the bench's line protocol on stdin/stdout.

One JSON request per line on stdin, one JSON reply per line on stdout (nothing else is written
to stdout). The Node CLI drives it so that PyTorch takes turns with the other systems
(bench/src/interleave.ts). Requests ("op"):

  hello                                   -> {"system": "pytorch", "info": {...}} (versions, BLAS, threads)
  matmul-prepare m n k transA transB runs minRunMs warmupMs
                                          -> {"repeats": N}   (operands made, call warmed up)
  matmul-run                              -> {"seconds": s}   (mean seconds per call over one run)
  conv-prepare n c h w f k pass runs minRunMs warmupMs
                                          -> {"repeats": N}   (a conv2d layer's call warmed up)
  conv-run                                -> {"seconds": s}   (mean seconds per call over one run)
  train-setup model sizes batchSize lr images labels length features   (model: "mlp" or "cnn")
                                          -> {"info": "..."}  (model, optimizer, the MNIST bytes)
  train-epoch samples                     -> {"seconds": s}   (one epoch over the first `samples`)
  dispose                                 -> {}               (drops the current matmul/training)

Replies are {"ok": true, ...} or {"ok": false, "error": "..."}.
"""

import json
import os
import re
import sys
import time

import torch
import torch.nn.functional as F


def blas_facts():
    """What a reader needs to tell OpenBLAS from Debian's reference BLAS (~20x slower)."""
    mapped = set()
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            for line in maps:
                path = line.split()[-1] if len(line.split()) >= 6 else ""
                name = os.path.basename(path).lower()
                if any(k in name for k in ("blas", "lapack", "mkl", "blis", "gomp", "omp")):
                    mapped.add(os.path.realpath(path))
    except OSError:
        pass
    pools = []
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            pools.append(
                {
                    "user_api": pool.get("user_api"),
                    "internal_api": pool.get("internal_api"),
                    "version": pool.get("version"),
                    "num_threads": pool.get("num_threads"),
                    "threading_layer": pool.get("threading_layer"),
                    "filepath": pool.get("filepath"),
                }
            )
        threadpoolctl = True
    except ImportError:
        threadpoolctl = False
    return {"mapped": sorted(mapped), "threadpoolctl": threadpoolctl, "pools": pools}


def config_blas():
    """The BLAS torch was built against (BLAS_INFO of torch.__config__.show(), e.g. "generic")."""
    match = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
    return match.group(1) if match else None


def hello(_request):
    # One product first, so that the BLAS library is loaded when /proc/self/maps is read.
    a = torch.ones(64, 64)
    torch.mm(a, a)
    env = {
        k: os.environ[k]
        for k in os.environ
        if k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "GLIBC_TUNABLES")
        or k.startswith("MALLOC_")
    }
    return {
        "system": "pytorch",
        "info": {
            "torch": torch.__version__,
            "python": sys.version.split()[0],
            "executable": sys.executable,
            "intraOpThreads": torch.get_num_threads(),
            "interOpThreads": torch.get_num_interop_threads(),
            "blasBuild": config_blas(),
            "blas": blas_facts(),
            "env": env,
        },
    }


class State:
    matmul = None
    training = None


def matmul_prepare(request):
    m, n, k = request["m"], request["n"], request["k"]
    trans_a, trans_b = request["transA"], request["transB"]
    gen = torch.Generator().manual_seed(m * 1_000_003 + n * 1009 + k)
    a = torch.rand(*((k, m) if trans_a else (m, k)), generator=gen) * 2 - 1
    b = torch.rand(*((n, k) if trans_b else (k, n)), generator=gen) * 2 - 1
    out = torch.empty(m, n)
    left = a.t() if trans_a else a
    right = b.t() if trans_b else b

    def call():
        # Into a reused result, as the Nabla side does (`matmul(a, b, { out })`).
        torch.mm(left, right, out=out)

    calls = 0
    start = time.perf_counter()
    while True:
        call()
        calls += 1
        if (time.perf_counter() - start) * 1000 >= request["warmupMs"]:
            break
    estimate_ms = (time.perf_counter() - start) * 1000 / calls
    repeats = max(1, -(-request["minRunMs"] // max(estimate_ms, 1e-6)))
    State.matmul = (call, int(repeats))
    return {"repeats": int(repeats)}


def conv_prepare(request):
    """F.conv2d (stride 1, no padding) with bias; "forward+backward" adds its backward (dx, dW, db)."""
    n, c, h, w, f, k = (request[key] for key in ("n", "c", "h", "w", "f", "k"))
    gen = torch.Generator().manual_seed(n * 1_000_003 + c * 1009 + f)
    x = torch.rand(n, c, h, w, generator=gen) * 2 - 1
    weight = torch.rand(f, c, k, k, generator=gen) * 2 - 1
    bias = torch.zeros(f)
    grad = torch.rand(n, f, h - k + 1, w - k + 1, generator=gen) * 2 - 1
    if request["pass"] == "forward":

        def call():
            with torch.no_grad():
                F.conv2d(x, weight, bias)

    else:
        x.requires_grad_(True)
        weight.requires_grad_(True)
        bias.requires_grad_(True)

        def call():
            x.grad = weight.grad = bias.grad = None
            F.conv2d(x, weight, bias).backward(grad)

    State.matmul = (call, repeats_for(call, request))
    return {"repeats": State.matmul[1]}


def repeats_for(call, request):
    """Warms `call` up for warmupMs (at least once); the calls one run needs to last minRunMs."""
    calls = 0
    start = time.perf_counter()
    while True:
        call()
        calls += 1
        if (time.perf_counter() - start) * 1000 >= request["warmupMs"]:
            break
    estimate_ms = (time.perf_counter() - start) * 1000 / calls
    return int(max(1, -(-request["minRunMs"] // max(estimate_ms, 1e-6))))


def matmul_run(_request):
    if State.matmul is None:
        raise ValueError("matmul-run (or conv-run) before matmul-prepare (or conv-prepare)")
    call, repeats = State.matmul
    if repeats > 1:
        call()
    start = time.perf_counter()
    for _ in range(repeats):
        call()
    return {"seconds": (time.perf_counter() - start) / repeats}


def read_bytes(path, expected, what):
    with open(path, "rb") as f:
        data = bytearray(f.read())
    if len(data) != expected:
        raise ValueError(f"{what} {path}: expected {expected} bytes, got {len(data)}")
    return torch.frombuffer(data, dtype=torch.uint8)


def train_setup(request):
    sizes = request["sizes"]
    length, features = request["length"], request["features"]
    if sizes[0] != features:
        raise ValueError(f"train-setup: sizes[0] = {sizes[0]} but the images have {features} features")
    images = read_bytes(request["images"], length * features, "images").view(length, features)
    labels = read_bytes(request["labels"], length, "labels").long()
    torch.manual_seed(1)
    nn = torch.nn
    cnn = request.get("model", "mlp") == "cnn"
    if cnn:
        # The demo's CNN (bench/src/training-config.ts CNN_DESCRIPTION) on [n, 1, 28, 28].
        side = int(features**0.5)
        images = images.view(length, 1, side, side)
        model = nn.Sequential(
            nn.Conv2d(1, 32, 5), nn.BatchNorm2d(32), nn.MaxPool2d(2), nn.ReLU(),
            nn.Conv2d(32, 64, 5), nn.BatchNorm2d(64), nn.MaxPool2d(2), nn.ReLU(),
            nn.Flatten(), nn.Linear(64 * 4 * 4, sizes[-1]),
        )
    else:
        layers = []
        for i in range(1, len(sizes)):
            if i > 1:
                layers.append(nn.ReLU())
            layers.append(nn.Linear(sizes[i - 1], sizes[i]))
        model = nn.Sequential(*layers)
    optimizer = torch.optim.SGD(model.parameters(), lr=request["lr"])
    gen = torch.Generator().manual_seed(1)
    State.training = {
        "images": images,
        "labels": labels,
        "model": model,
        "optimizer": optimizer,
        "batch": request["batchSize"],
        "gen": gen,
    }
    return {
        "info": f"torch {torch.__version__} ({torch.get_num_threads()} intra-op threads), "
        f"nn.Sequential ({'CNN' if cnn else 'MLP'}) + F.cross_entropy + optim.SGD, "
        "uint8 batches converted in the loop"
    }


def train_epoch(request):
    t = State.training
    if t is None:
        raise ValueError("train-epoch before train-setup")
    samples = request["samples"]
    if not 0 < samples <= t["images"].shape[0]:
        raise ValueError(f"train-epoch: samples must be in 1..{t['images'].shape[0]}, got {samples}")
    images, labels, model, optimizer, batch = (
        t["images"], t["labels"], t["model"], t["optimizer"], t["batch"],
    )
    start = time.perf_counter()
    # The same step as the Nabla loop: shuffle, gather a batch of bytes, scale to [0, 1],
    # forward, softmax cross-entropy (mean over the batch), backward, plain SGD.
    order = torch.randperm(samples, generator=t["gen"])
    for b in range(0, samples, batch):
        idx = order[b:b + batch]
        x = images[idx].float().div_(255)
        y = labels[idx]
        optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        optimizer.step()
    return {"seconds": time.perf_counter() - start}


def dispose(_request):
    State.matmul = None
    State.training = None
    return {}


OPS = {
    "hello": hello,
    "matmul-prepare": matmul_prepare,
    "matmul-run": matmul_run,
    "conv-prepare": conv_prepare,
    "conv-run": matmul_run,
    "train-setup": train_setup,
    "train-epoch": train_epoch,
    "dispose": dispose,
}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            op = OPS.get(request.get("op"))
            if op is None:
                raise ValueError(f"unknown op {request.get('op')!r}")
            reply = {"ok": True, **op(request)}
        except Exception as error:  # reported to the Node side, which stops the bench
            reply = {"ok": False, "error": f"{type(error).__name__}: {error}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
