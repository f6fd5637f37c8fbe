"""Benchmarks for SPEC §5. Every figure is printed next to a baseline measured in the same run,
because the machine is shared and absolute numbers move from run to run."""
