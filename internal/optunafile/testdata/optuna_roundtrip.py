"""Round-trip helper for optunafile's tests, run with Debian's python3-optuna.

  optuna_roundtrip.py dump journal|sqlite PATH NAME   load the study, print it as JSON
  optuna_roundtrip.py make journal|sqlite PATH NAME   write a varied study with Optuna, print it
  optuna_roundtrip.py dumptext journal|sqlite PATH NAME   dump, attributes that are not strings as JSON text
  optuna_roundtrip.py copy journal|sqlite PATH NAME OUT   copy the study with Optuna into OUT, of the same kind
  optuna_roundtrip.py plots journal|sqlite PATH NAME  draw Optuna's plots of the study (needs plotly), print what they hold

The JSON has the study's name, directions, attributes and every trial's
number, state, values, internal parameters, distributions (Optuna's JSON),
intermediate values, attributes and times (isoformat).
"""
import json
import sys
import warnings

import optuna
from optuna.distributions import (CategoricalDistribution, FloatDistribution,
                                  IntDistribution, distribution_to_json)
from optuna.trial import TrialState

optuna.logging.set_verbosity(optuna.logging.ERROR)
warnings.simplefilter("ignore")


def storage(kind, path):
    if kind == "journal":
        return optuna.storages.JournalStorage(optuna.storages.JournalFileStorage(path))
    return optuna.storages.RDBStorage("sqlite:///" + path)


def as_text(attrs):
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in attrs.items()}


def dump(study, text=False):
    fix = as_text if text else (lambda a: a)
    out = {
        "name": study.study_name,
        "directions": [int(d) for d in study.directions],
        "user_attrs": fix(study.user_attrs),
        "system_attrs": fix(study.system_attrs),
        "trials": [],
    }
    for t in study.get_trials(deepcopy=False):
        out["trials"].append({
            "number": t.number,
            "state": int(t.state),
            "values": t.values,
            "params": {k: t.distributions[k].to_internal_repr(v) for k, v in t.params.items()},
            "distributions": {k: distribution_to_json(d) for k, d in t.distributions.items()},
            "intermediate_values": {str(k): v for k, v in t.intermediate_values.items()},
            "user_attrs": fix(t.user_attrs),
            "system_attrs": fix(t.system_attrs),
            "datetime_start": t.datetime_start.isoformat() if t.datetime_start else None,
            "datetime_complete": t.datetime_complete.isoformat() if t.datetime_complete else None,
        })
    return out


def make(kind, path, name):
    study = optuna.create_study(study_name=name, storage=storage(kind, path), direction="maximize")
    study.set_user_attr("owner", "optuna")
    study.set_user_attr("budget", 12)
    study.set_system_attr("origin", "test")
    dists = {
        "lr": FloatDistribution(1e-5, 1e-1, log=True),
        "x": FloatDistribution(-2.0, 2.0),
        "q": FloatDistribution(0.0, 1.0, step=0.25),
        "layers": IntDistribution(1, 8),
        "width": IntDistribution(16, 256, step=16),
        "opt": CategoricalDistribution(["adam", "sgd"]),
    }
    # Optuna's RDB storage cannot hold a NaN objective (its own tell fails
    # such a trial); the journal can.
    values = [0.5, 1.25, float("nan") if kind == "journal" else 0.0, -3.0]
    for i, v in enumerate(values):
        params = {"lr": 10 ** -(i + 1), "x": -1.5 + i, "q": 0.25 * i, "layers": i + 1,
                  "width": 16 * (i + 1), "opt": ["adam", "sgd"][i % 2]}
        study.add_trial(optuna.trial.create_trial(
            params=params, distributions=dists, value=v,
            intermediate_values={0: v * 2, 5: float("inf") if i == 1 else v},
            user_attrs={"note": "trial %d" % i, "score": i * 1.5},
            system_attrs={"seed": str(100 + i)},
        ))
    # A pruned, a failed and a running trial, the latter two through the
    # storage's own calls.
    study.add_trial(optuna.trial.create_trial(
        params={"x": 0.5}, distributions={"x": dists["x"]}, state=TrialState.PRUNED,
        intermediate_values={0: 0.1, 1: 0.2}))
    tr = study.ask({"x": dists["x"], "layers": dists["layers"]})
    tr.report(0.7, 3)
    tr.set_user_attr("why", "diverged")
    study.tell(tr, state=TrialState.FAIL)
    tr = study.ask({"opt": dists["opt"]})
    tr.set_user_attr("still", True)
    return study


def plots(study):
    """Draws the plots optuna.visualization offers for a single-objective
    study and returns what each holds: points per trace, axis titles, the
    parallel-coordinate dimensions."""
    import optuna.visualization as vis

    params = sorted({k for t in study.trials for k in t.params})
    out = {}
    figures = {
        "optimization_history": vis.plot_optimization_history(study),
        "intermediate_values": vis.plot_intermediate_values(study),
        "parallel_coordinate": vis.plot_parallel_coordinate(study),
        "slice": vis.plot_slice(study),
        "edf": vis.plot_edf(study),
    }
    if len(params) >= 2:
        figures["contour"] = vis.plot_contour(study, params=params[:2])
    for name, fig in figures.items():
        d = json.loads(fig.to_json())
        out[name] = {
            "traces": [len(tr.get("x") or tr.get("dimensions") or []) for tr in d["data"]],
            "dimensions": [dim.get("label") for tr in d["data"] for dim in tr.get("dimensions", [])],
            "xaxes": sorted(v["title"]["text"] for k, v in d["layout"].items()
                            if k.startswith("xaxis") and isinstance(v, dict) and v.get("title", {}).get("text")),
        }
    return {"params": params, "plots": out}


def main():
    mode, kind, path, name = sys.argv[1:5]
    if mode == "plots":
        study = optuna.load_study(study_name=name, storage=storage(kind, path))
        json.dump(plots(study), sys.stdout, sort_keys=True)
        return
    if mode == "make":
        make(kind, path, name)
    if mode == "copy":
        out = storage(kind, sys.argv[5])
        optuna.copy_study(from_study_name=name, from_storage=storage(kind, path), to_storage=out)
        study = optuna.load_study(study_name=name, storage=out)
    else:
        study = optuna.load_study(study_name=name, storage=storage(kind, path))
    json.dump(dump(study, text=(mode == "dumptext")), sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()
