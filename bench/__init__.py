"""Benchmarks: each prints figures against a baseline measured in the same
run. Not tests: they assert nothing and `make test` does not run them."""
