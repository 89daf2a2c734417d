# Two commands for a fresh clone: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# `make run` needs the runtime alone; the test extras (pytest, Ray, submitit) come with `make test`.
RUNTIME := $(VENV)/.installed-runtime
STAMP := $(VENV)/.installed-test
VIEW := $(VENV)/.installed-view

.PHONY: run view test test-slow lint format bench bench-gpu bench-record mutants clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUNTIME): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME)

$(STAMP): $(RUNTIME)
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(RUNTIME)
	$(BIN)/deai-sim $(ARGS)

$(VIEW): $(RUNTIME)
	$(BIN)/python -m pip install --quiet -e ".[view]"
	touch $(VIEW)

# The browser view on 127.0.0.1 (the address is printed): `make view ARGS="consensus=yuma3"`.
view: $(VIEW)
	$(BIN)/deai-sim-view $(ARGS)

test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 $(ARGS)

# The tests marked slow (pytest -m slow: the Ray and submitit launchers, the two-objective and
# Sobol searches, the landscape study's doc quotes), kept out of `make test`'s ten minutes.
test-slow: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 -m slow $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Results go to benchmarks/local/ (untracked); bench-record replaces the recorded ones in
# benchmarks/results/ for this machine.
BENCHMARKS := learning yuma model sweep mnist1d_reference subnet_replica adaptation env federation

bench: $(STAMP)
	for b in $(BENCHMARKS); do $(BIN)/python benchmarks/$$b.py || exit 1; done

# The scale rows on the first visible accelerator (the CPU when there is none), within 10 minutes.
bench-gpu: $(STAMP)
	BENCH_RESULTS=benchmarks/results $(BIN)/python benchmarks/gpu.py --scale full

bench-record: $(STAMP)
	for b in $(BENCHMARKS); do BENCH_RESULTS=benchmarks/results $(BIN)/python benchmarks/$$b.py || exit 1; done

# Mutation testing: the hand-written mutants of benchmarks/named_mutants.py (minutes), then mutmut
# (hours on two cores; resumes where it stopped; ARGS='--sample 0.2' for an estimate). Results go
# to benchmarks/results/.
MUTANTS := $(VENV)/.installed-mutants

$(MUTANTS): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[test,mutants]"
	touch $(MUTANTS)

mutants: $(MUTANTS)
	$(BIN)/python benchmarks/named_mutants.py
	$(BIN)/python benchmarks/mutants.py $(ARGS)

clean:
	rm -rf $(VENV) outputs multirun mutants .pytest_cache .ruff_cache
