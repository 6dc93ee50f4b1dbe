#!/usr/bin/python3
"""Durable trials/s of Optuna's RDBStorage on PostgreSQL: the peer of cgx's
BenchmarkStudyRun (tracker/postgres/bench_test.go), same search on the same
server.

The search: random sampler (seed 1), 6 float parameters in [-1, 1], an
objective that returns at once (sum of squares), TRIALS trials, one worker.
Every trial is committed by Optuna with the server's synchronous_commit.

Usage (Debian: python3-optuna 3.1, python3-psycopg2):
    CGX_TEST_POSTGRES='postgres:///cgx?host=/tmp/pgc.XXXX&user=nobody' \
        /usr/bin/python3 bench/optuna_rdb_pg.py [TRIALS] [REPEATS]

It creates a fresh database per repeat (cgx_optuna_<random>), drops it
afterwards, and prints one line per repeat and a JSON summary.
"""
import json
import os
import secrets
import sys
import time
import urllib.parse

import optuna
import psycopg2


def parse_dsn(dsn):
    """Turn a postgres:// URL into psycopg2 keywords."""
    u = urllib.parse.urlsplit(dsn)
    q = dict(urllib.parse.parse_qsl(u.query))
    kw = {}
    if u.hostname:
        kw["host"] = u.hostname
    if u.port:
        kw["port"] = u.port
    if u.username:
        kw["user"] = urllib.parse.unquote(u.username)
    if u.password:
        kw["password"] = urllib.parse.unquote(u.password)
    kw["dbname"] = u.path.lstrip("/") or "postgres"
    for k in ("host", "port", "user", "password", "dbname", "sslmode"):
        if k in q:
            kw[k] = q[k]
    return kw


def sqlalchemy_url(kw, dbname):
    user = urllib.parse.quote(kw.get("user", ""))
    pw = kw.get("password")
    auth = user + (":" + urllib.parse.quote(pw) if pw else "")
    query = {}
    host = kw.get("host", "")
    if host.startswith("/"):
        query["host"] = host
        netloc = auth + "@"
    else:
        netloc = auth + "@" + host + (":" + str(kw["port"]) if "port" in kw else "")
    if "port" in kw and host.startswith("/"):
        query["port"] = str(kw["port"])
    return "postgresql+psycopg2://" + netloc + "/" + dbname + ("?" + urllib.parse.urlencode(query) if query else "")


def objective(trial):
    return sum(trial.suggest_float("x%d" % i, -1.0, 1.0) ** 2 for i in range(6))


def main():
    dsn = os.environ.get("CGX_TEST_POSTGRES")
    if not dsn:
        sys.exit("set CGX_TEST_POSTGRES to the server's connection string")
    trials = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    kw = parse_dsn(dsn)
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    rates = []
    for _ in range(repeats):
        name = "cgx_optuna_" + secrets.token_hex(6)
        admin = psycopg2.connect(**kw)
        admin.autocommit = True
        admin.cursor().execute("CREATE DATABASE " + name)
        try:
            storage = optuna.storages.RDBStorage(sqlalchemy_url(kw, name))
            study = optuna.create_study(study_name="bench", storage=storage,
                                        sampler=optuna.samplers.RandomSampler(seed=1))
            t0 = time.perf_counter()
            study.optimize(objective, n_trials=trials)
            dt = time.perf_counter() - t0
            storage.engine.dispose()
            rates.append(trials / dt)
            print("optuna %s RDBStorage: %d trials in %.2f s: %.1f trials/s" % (optuna.__version__, trials, dt, trials / dt), flush=True)
        finally:
            admin.cursor().execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)")
            admin.close()
    rates.sort()
    print(json.dumps({"optuna": optuna.__version__, "trials": trials, "trials_per_s": rates, "median": rates[len(rates) // 2]}))


if __name__ == "__main__":
    main()
