"""Calibration (simulated method of moments) and validation on a fixed train/test split.

Declared inputs (data, beside this file): ``parameters.toml`` (free parameters and
bounds), ``patterns.toml`` (observed patterns with sources and tolerances) and
``split.toml`` (train / test / check). Modules, one job each:

- :mod:`~experiments.calibration.parameters`, :mod:`~experiments.calibration.patterns`,
  :mod:`~experiments.calibration.split`: load and check the inputs (one-line errors);
- :mod:`~experiments.calibration.metrics`: the metric functions over one run's tables;
- :mod:`~experiments.calibration.evaluate`: cached, seed-paired evaluations on the sweep
  machinery (resumable);
- :mod:`~experiments.calibration.objective`: the weighted distance over training patterns;
- :mod:`~experiments.calibration.fit`: Sobol warm start, Nelder-Mead, sandwich covariance;
- :mod:`~experiments.calibration.robustness`: test verdicts across the uncertainty and sigma;
- :mod:`~experiments.calibration.report`, :mod:`~experiments.calibration.validation`,
  :mod:`~experiments.calibration.sanity`: tables, figures, the fitted scenario and
  docs/VALIDATION.md;
- :mod:`~experiments.calibration.run`: the whole calibration (``experiments/calibrate.py``).
"""
