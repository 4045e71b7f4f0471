"""Experiment scripts and the sweep machinery they share (:mod:`experiments.sweeps`).

Scripts live beside this file (``python experiments/salary_war.py``); the machinery
lives in a sub-package so that no module here shadows an installed package.
"""
