"""Performance: `make bench` (bench.py, bench_sweeper.py, cold.py), `make load` (load.py), the cost model."""
