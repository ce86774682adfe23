#!/usr/bin/env python3
"""Reference Morris and Sobol' indices of the Ishigami function, computed by SALib.

The Swift test `IshigamiSensitivityTests` compares simulate's own estimates against these
numbers (within 0.05). Rerun with `pip install SALib` and `python3 Tests/tools/salib_ishigami.py`;
it prints the values as JSON, with the SALib version, and the test's constants come from there.

Ishigami: f(x) = sin(x1) + 7 sin(x2)^2 + 0.1 x3^4 sin(x1), x_i uniform on [-pi, pi].
"""
import json
import math
from importlib.metadata import version

import numpy as np
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample
from SALib.test_functions import Ishigami

N = 2 ** 14
problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[-math.pi, math.pi]] * 3}

X = sobol_sample.sample(problem, N, calc_second_order=False, seed=1)
Y = Ishigami.evaluate(X)
S = sobol_analyze.analyze(problem, Y, calc_second_order=False, seed=1)

XM = morris_sample.sample(problem, N, num_levels=4, seed=1)
YM = Ishigami.evaluate(XM)
M = morris_analyze.analyze(problem, XM, YM, num_levels=4, seed=1)

print(json.dumps({
    "salib": version("SALib"),
    "N": N,
    "S1": [round(v, 4) for v in S["S1"]], "S1_conf": [round(v, 4) for v in S["S1_conf"]],
    "ST": [round(v, 4) for v in S["ST"]], "ST_conf": [round(v, 4) for v in S["ST_conf"]],
    "mu": [round(float(v), 4) for v in M["mu"]],
    "mu_star": [round(float(v), 4) for v in M["mu_star"]],
    "sigma": [round(float(v), 4) for v in M["sigma"]],
    "mu_star_conf": [round(float(v), 4) for v in M["mu_star_conf"]],
}, indent=1))
