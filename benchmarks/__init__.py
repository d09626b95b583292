"""Hand-run benchmarks for spc (not part of the test suite); see benchmarks/README.md."""
