"""bayesreg's NUTS against what users pick instead: PyMC, nutpie, NumPyro (JAX) and Stan, in one run.

The same posterior (``_peer_models.py``: the model as a user of each tool writes it, over all rows;
bayesreg through its estimator with its defaults), the same synthetic data, the same draws
(2 chains x 1000 after 1000 warm-up). Reported per tool: compile time (model build + compilation),
sampling time, total wall time, minimum bulk ESS over the coefficients, ESS/s on sampling time and
on total time, max R-hat, divergences, leapfrog steps per draw, and whether its posterior means
agree with bayesreg's within Monte Carlo error: |mean_a - mean_b| <= 4 sqrt(mcse_a^2 + mcse_b^2)
for every coefficient and the intercept (MCSE from ``bayesreg.reference.mcse``); a tool that does
not agree is marked VOID and its ratio is not a comparison. Then the first-call latency of each tool:
a fresh Python process (caches warm: PyTensor's compile directory, httpstan's compiled models) that
imports the tool, builds and compiles the logistic model and draws 1 chain x (10 + 10) iterations.

Every (tool, problem) runs in its own child process (the same data from the same seed, a clean
thread state, a time limit ``--timeout``: a run stopped by it is reported with the phase it had
reached, e.g. "compiled in 41.0 s, sampling", and the JSON records it). Peers need
``pip install -e '.[bench]'`` (NumPyro + JAX, PyStan 3, which compiles the Stan programs with the
machine's g++); a missing one is reported, not fatal. The regularized-horseshoe problem needs
``bayesreg.RegularizedHorseshoe`` (issue 10) and is reported as pending without it.

    python benchmarks/bench_peers.py                 # the full run (hours: see docs/benchmarks.md)
    python benchmarks/bench_peers.py --quick         # small problems, a few minutes
    python benchmarks/bench_peers.py --problems logit_gauss:10000x100 --tools bayesreg,numpyro,stan
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _peer_models import Problem, run_tool  # noqa: E402
from _synthetic import sparse_gaussian, sparse_logistic  # noqa: E402

DEFAULT_PROBLEMS = ("gauss_laplace:10000x100,gauss_laplace:100000x500,logit_gauss:10000x100,"
                    "logit_gauss:100000x100,logit_rhs:1000x200")
QUICK_PROBLEMS = "gauss_laplace:2000x20,logit_gauss:2000x20,logit_rhs:200x30"
DEFAULT_TOOLS = "bayesreg,pymc,nutpie,numpyro,stan"
NEEDS = {"bayesreg": ("pymc",), "pymc": ("pymc",), "nutpie": ("nutpie",), "numpyro": ("numpyro", "jax"),
         "stan": ("stan",)}
K = 4.0  # agreement threshold in combined Monte Carlo standard errors


# --------------------------------------------------------------------------- problems and data
def make_problem(spec: str) -> Problem:
    key, size = spec.split(":")
    n, p = (int(v) for v in size.lower().split("x"))
    if key == "gauss_laplace":
        return Problem(key, n, p, {"b": 1.0 / math.sqrt(2.0), "sigma": 1.0})
    if key == "logit_gauss":
        return Problem(key, n, p, {"s": 1.0})
    if key == "logit_rhs":
        p0 = max(1, p // 10)  # the number of non-zero weights in the data; Piironen & Vehtari's tau0
        return Problem(key, n, p, {"scale_global": p0 / (p - p0) / math.sqrt(n), "df_local": 1.0,
                                   "df_global": 1.0, "scale_slab": 2.5, "df_slab": 4.0})
    raise SystemExit(f"unknown problem {key!r} (gauss_laplace, logit_gauss, logit_rhs)")


def make_data(problem: Problem, seed: int) -> tuple[np.ndarray, np.ndarray]:
    make = sparse_gaussian if problem.likelihood == "gaussian" else sparse_logistic
    return make(problem.n, problem.p, seed)


def pending_reason(problem: Problem) -> str | None:
    if problem.key != "logit_rhs":
        return None
    import bayesreg

    return None if hasattr(bayesreg, "RegularizedHorseshoe") else "pending issue 10 (no bayesreg.RegularizedHorseshoe)"


def missing(tool: str) -> list[str]:
    return [m for m in NEEDS[tool.split(":")[0]] if importlib.util.find_spec(m) is None]


# --------------------------------------------------------------------------- child process
def child(args: argparse.Namespace) -> None:
    """Run one tool on one problem and save the draws and timings to ``args.out`` (atomically)."""
    t0 = time.perf_counter()
    problem = make_problem(args.child_problem)
    X, y = make_data(problem, args.seed)
    data_s = time.perf_counter() - t0
    settings = {"draws": args.draws, "tune": args.tune, "chains": args.chains, "seed": args.seed,
                "target_accept": args.target_accept, "latency": args.latency_run, "numpyro_x64": args.numpyro_x64}
    started = time.perf_counter()

    def progress(phase: str) -> None:  # the phase reached, for a run stopped by the time limit
        tmp = args.out + ".progress.tmp"
        with open(tmp, "w") as f:
            json.dump({"phase": phase, "at_s": time.perf_counter() - started}, f)
        os.replace(tmp, args.out + ".progress")

    settings["progress"] = progress
    progress(f"data ready in {data_s:.1f} s, importing and building")
    import warnings

    warnings.simplefilter("ignore")
    import logging

    for name in ("pymc", "pymc.sampling", "pymc.stats", "nutpie", "pytensor", "httpstan", "stan"):
        logging.getLogger(name).setLevel(logging.ERROR)
    result = run_tool(args.child, problem, X, y, settings)
    arrays = {k: np.asarray(result.pop(k)) for k in ("coef", "intercept")}
    result["data_s"] = data_s
    tmp = args.out + ".tmp.npz"
    np.savez(tmp, meta=json.dumps(result), **arrays)
    os.replace(tmp, args.out)


def run_child(tool: str, spec: str, args: argparse.Namespace, draws: int, tune: int, chains: int,
              timeout: float, latency_run: bool = False) -> dict[str, Any]:
    """Run ``child`` in a fresh interpreter; returns the result or {"error": ...}.

    With ``--keep-draws DIR`` the child's result (draws and timings) is kept in ``DIR`` and a later run
    with the same tool, problem, draws, tuning steps, chains, seed and precision reuses it instead of
    sampling again (the hours-long plain models at (100 000, 500) can then be run one tool at a time).
    """
    keep = None
    if args.keep_draws and not latency_run:
        name = f"{tool}_{spec}_{chains}x{tune}+{draws}_seed{args.seed}"
        name += "_x64" if args.numpyro_x64 else ""
        name += "" if args.target_accept is None else f"_ta{args.target_accept}"
        keep = os.path.join(args.keep_draws, name.replace(":", "-") + ".npz")
    if keep is not None and os.path.exists(keep):
        log(f"  reusing {keep}")
        with np.load(keep) as f:
            result = json.loads(str(f["meta"]))
            result.update(coef=f["coef"], intercept=f["intercept"])
        return result
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "result.npz")
        cmd = [sys.executable, str(Path(__file__).resolve()), "--child", tool, "--child-problem", spec,
               "--out", out, "--draws", str(draws), "--tune", str(tune), "--chains", str(chains),
               "--seed", str(args.seed)]
        if args.target_accept is not None:
            cmd += ["--target-accept", str(args.target_accept)]
        if latency_run:
            cmd.append("--latency-run")
        if args.numpyro_x64:
            cmd.append("--numpyro-x64")
        t = time.perf_counter()
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:  # partial result: the phase it had reached
            try:
                with open(out + ".progress") as f:
                    reached = json.load(f)
            except (OSError, ValueError):
                reached = {"phase": "not started", "at_s": 0.0}
            return {"error": f"did not finish in {timeout:.0f} s (reached at {reached['at_s']:.0f} s: "
                             f"{reached['phase']})", "timed_out_s": timeout, "phase": reached["phase"],
                    "phase_at_s": reached["at_s"]}
        wall = time.perf_counter() - t
        if proc.returncode != 0 or not os.path.exists(out):
            tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
            return {"error": f"failed (exit {proc.returncode}): {tail[:200]}"}
        with np.load(out) as f:
            result = json.loads(str(f["meta"]))
            result.update(coef=f["coef"], intercept=f["intercept"])
        if keep is not None:
            os.makedirs(args.keep_draws, exist_ok=True)
            shutil.copyfile(out, keep + ".part")
            os.replace(keep + ".part", keep)  # atomically
    result["process_s"] = wall
    return result


# --------------------------------------------------------------------------- summaries
def summarise(result: dict[str, Any]) -> dict[str, Any]:
    import arviz as az

    from bayesreg.reference.mcse import mcse_mean

    coef = result["coef"]
    ds = az.convert_to_dataset({"coef": coef})
    ess = az.ess(ds, method="bulk")["coef"].values
    result["min_ess"] = float(np.min(ess))
    result["max_rhat"] = float(np.max(az.rhat(ds)["coef"].values)) if coef.shape[0] > 1 else float("nan")
    cols = [coef[..., j] for j in range(coef.shape[-1])] + [result["intercept"]]
    result["means"] = np.array([c.mean() for c in cols])
    result["mcse"] = np.array([mcse_mean(c) for c in cols])
    result["ess_s"] = result["min_ess"] / result["sample_s"]
    result["ess_total_s"] = result["min_ess"] / result["total_s"]
    return result


def agreement(a: dict[str, Any], ref: dict[str, Any]) -> float:
    """max over coefficients and intercept of |mean_a - mean_ref| / sqrt(mcse_a^2 + mcse_ref^2)."""
    return float(np.max(np.abs(a["means"] - ref["means"]) / np.hypot(a["mcse"], ref["mcse"])))


def log(msg: str) -> None:
    load = os.getloadavg()
    print(f"  [{time.strftime('%H:%M:%S')} load {load[0]:.2f}] {msg}", flush=True)


def run_problem(spec: str, tools: list[str], args: argparse.Namespace) -> dict[str, Any]:
    problem = make_problem(spec)
    entry: dict[str, Any] = {"problem": problem, "runs": {}, "pending": pending_reason(problem)}
    if entry["pending"]:
        log(f"{problem.label} {problem.n}x{problem.p}: {entry['pending']}")
        return entry
    for tool in tools:
        gone = missing(tool)
        if gone:
            entry["runs"][tool] = {"error": f"not installed ({', '.join(gone)}): pip install -e '.[bench]'"}
            continue
        log(f"{problem.label} {problem.n}x{problem.p}: {tool} ...")
        res = run_child(tool, spec, args, args.draws, args.tune, args.chains, args.timeout)
        if "error" not in res:
            res = summarise(res)
            log(f"  {tool} ({res['backend']}): compile {res['compile_s']:.1f} s, sampling {res['sample_s']:.1f} s, "
                f"min bulk ESS {res['min_ess']:.0f}, {res['ess_s']:.1f} ESS/s ({res['ess_total_s']:.1f} incl. compile)")
        else:
            log(f"  {tool}: {res['error']}")
        entry["runs"][tool] = res
    ok = {t: r for t, r in entry["runs"].items() if "error" not in r}
    ref_tool = "bayesreg" if "bayesreg" in ok else next(iter(ok), None)
    for tool, res in ok.items():
        res["agree_z"] = 0.0 if tool == ref_tool else agreement(res, ok[ref_tool])
        res["agrees"] = res["agree_z"] <= K
    entry["reference"] = ref_tool
    return entry


def latency(tools: list[str], spec: str, args: argparse.Namespace) -> dict[str, Any]:
    out = {}
    for tool in tools:
        if missing(tool):
            continue
        res = run_child(tool, spec, args, draws=10, tune=10, chains=1, timeout=args.timeout, latency_run=True)
        out[tool] = res.get("error") or res["process_s"] - res["data_s"]
        log(f"first call {tool}: {out[tool] if isinstance(out[tool], str) else f'{out[tool]:.1f} s'}")
    return out


# --------------------------------------------------------------------------- report
def fmt(v: float, digits: int = 1) -> str:
    return "-" if v is None or (isinstance(v, float) and not math.isfinite(v)) else f"{v:.{digits}f}"


def print_report(entries: list[dict[str, Any]], lat: dict[str, Any], lat_spec: str, args: argparse.Namespace) -> None:
    print(f"\n### NUTS: {args.chains} chains x ({args.tune} warm-up + {args.draws} draws); min bulk ESS over the "
          "coefficients\n")
    print("| problem | n x p | tool (backend) | compile | sampling | total | min bulk ESS | ESS/s | ESS/s incl. "
          "compile | bayesreg ratio (sampling / incl. compile) | max R-hat | divergences | steps/draw | "
          f"max dev. of means (MCSE) vs {entries[0].get('reference') if entries else 'bayesreg'} |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for e in entries:
        pr = e["problem"]
        head = f"| {pr.label} | {pr.n} x {pr.p} |"
        if e["pending"]:
            print(f"{head} all | {e['pending']} |||||||||||")
            continue
        ours = e["runs"].get("bayesreg", {})
        for tool, r in e["runs"].items():
            if "error" in r:
                print(f"{head} {tool} | {r['error']} |||||||||||")
                continue
            ratio = "-"
            if tool != "bayesreg" and "ess_s" in ours:
                void = "" if r["agrees"] and ours.get("agrees", True) else " VOID"
                ratio = f"{ours['ess_s'] / r['ess_s']:.2f}x / {ours['ess_total_s'] / r['ess_total_s']:.2f}x{void}"
            dev = f"{r['agree_z']:.2f}" + ("" if r["agrees"] else " DISAGREE")
            print(f"{head} {tool} ({r['backend']}) | {fmt(r['compile_s'])} s | {fmt(r['sample_s'])} s | "
                  f"{fmt(r['total_s'])} s | {r['min_ess']:.0f} | {fmt(r['ess_s'])} | {fmt(r['ess_total_s'])} | "
                  f"{ratio} | {fmt(r['max_rhat'], 3)} | {r['divergences']} | {fmt(r['steps'])} | {dev} |")
    print("\n### Targets: bayesreg ESS/s over the best of NumPyro and Stan (sampling / incl. compile)\n")
    print("| problem | n x p | bayesreg ESS/s | best peer ESS/s | ratio | ratio incl. compile |")
    print("|---|---|---|---|---|---|")
    for e in entries:
        pr, runs = e["problem"], e["runs"]
        ours = runs.get("bayesreg", {})
        peers = [(t, r) for t, r in runs.items() if t in ("numpyro", "stan") and "error" not in r and r["agrees"]]
        if e["pending"] or "ess_s" not in ours or not peers:
            print(f"| {pr.label} | {pr.n} x {pr.p} | {e['pending'] or 'no valid comparison'} ||||")
            continue
        best = max(peers, key=lambda tr: tr[1]["ess_s"])
        best_total = max(peers, key=lambda tr: tr[1]["ess_total_s"])
        print(f"| {pr.label} | {pr.n} x {pr.p} | {ours['ess_s']:.1f} ({ours['backend']}) | {best[1]['ess_s']:.1f} "
              f"({best[0]}) | {ours['ess_s'] / best[1]['ess_s']:.2f}x | "
              f"{ours['ess_total_s'] / best_total[1]['ess_total_s']:.2f}x ({best_total[0]}) |")
    if lat:
        print(f"\n### First-call latency ({lat_spec}: fresh process, caches warm; import + build + compile + "
              "1 chain x (10 + 10))\n")
        print("| tool | seconds |\n|---|---|")
        for tool, v in lat.items():
            print(f"| {tool} | {v if isinstance(v, str) else f'{v:.1f}'} |")


def environment() -> str:
    from importlib.metadata import PackageNotFoundError, version

    parts = [f"python {platform.python_version()}"]
    for pkg in ("bayesreg", "numpy", "pymc", "pytensor", "nutpie", "numba", "jax", "numpyro", "pystan", "httpstan",
                "arviz"):
        try:
            parts.append(f"{pkg} {version(pkg)}")
        except PackageNotFoundError:
            parts.append(f"{pkg} (not installed)")
    gxx = subprocess.run(["g++", "--version"], capture_output=True, text=True).stdout.splitlines()
    return ", ".join(parts) + f"; {gxx[0] if gxx else 'no g++'}; {os.cpu_count()} CPUs"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help=f"small problems ({QUICK_PROBLEMS}), 2 x (300 + 300)")
    ap.add_argument("--problems", default=None, help=f"comma-separated key:NxP (default {DEFAULT_PROBLEMS})")
    ap.add_argument("--tools", default=DEFAULT_TOOLS,
                    help="comma-separated: bayesreg, pymc, nutpie, numpyro, stan, bayesreg:<sampler> (a backend)")
    ap.add_argument("--draws", type=int, default=None)
    ap.add_argument("--tune", type=int, default=None)
    ap.add_argument("--chains", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--target-accept", type=float, default=None, help="default: each tool's own default")
    ap.add_argument("--timeout", type=float, default=5400.0, help="seconds per tool and problem (default 5400)")
    ap.add_argument("--latency-problem", default=None, help="key:NxP of the first-call latency (default "
                                                             "logit_gauss:10000x100; --quick: the quick logit)")
    ap.add_argument("--no-latency", action="store_true")
    ap.add_argument("--numpyro-x64", action="store_true", help="NumPyro in double precision (default: JAX's float32)")
    ap.add_argument("--json", default=None, help="also write the results (no draws) to this JSON file")
    ap.add_argument("--keep-draws", default=None, metavar="DIR",
                    help="keep each tool's draws in DIR and reuse them in later runs with the same settings")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--child-problem", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--out", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--latency-run", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    args.problems = args.problems or (QUICK_PROBLEMS if args.quick else DEFAULT_PROBLEMS)
    args.draws = args.draws or (300 if args.quick else 1000)
    args.tune = args.tune if args.tune is not None else (300 if args.quick else 1000)
    args.latency_problem = args.latency_problem or ("logit_gauss:2000x20" if args.quick else "logit_gauss:10000x100")
    return args


def write_json(path: str, entries: list[dict[str, Any]], lat: dict[str, Any], env: str) -> None:
    keep = ("backend", "compile_s", "sample_s", "total_s", "min_ess", "ess_s", "ess_total_s", "max_rhat",
            "divergences", "steps", "agree_z", "agrees", "error", "timed_out_s", "phase", "phase_at_s")
    rows = [{"problem": e["problem"].key, "n": e["problem"].n, "p": e["problem"].p, "pending": e["pending"],
             "runs": {t: {k: r[k] for k in keep if k in r} for t, r in e["runs"].items()}} for e in entries]
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump({"environment": env, "problems": rows, "first_call_s": lat}, f, indent=1)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child:
        child(args)
        return
    env = environment()
    load = os.getloadavg()
    print(f"# bench_peers: {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime())}\n\n{env}\n\n"
          f"load average at the start {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; seed {args.seed}\n", flush=True)
    tools = [t for t in args.tools.split(",") if t]
    t_all = time.perf_counter()
    entries = [run_problem(spec, tools, args) for spec in args.problems.split(",") if spec]
    lat = {} if args.no_latency else latency(tools, args.latency_problem, args)
    print_report(entries, lat, args.latency_problem, args)
    load = os.getloadavg()
    print(f"\ntotal {time.perf_counter() - t_all:.0f} s; load average at the end {load[0]:.2f} {load[1]:.2f} "
          f"{load[2]:.2f}")
    if args.json:
        write_json(args.json, entries, lat, env)


if __name__ == "__main__":
    main()
