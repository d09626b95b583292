"""Packages: everything under src/, plus weights/ at the top level installed as spc_cli.weights
(pyproject.toml's package-dir maps it; find_packages cannot see it there)."""

from setuptools import find_packages, setup

setup(packages=find_packages("src") + ["spc_cli.weights"])
