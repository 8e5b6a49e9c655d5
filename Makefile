# dpt-tools — the two commands a new user needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
SAMPLE := sample_data/dpt_pangkalpinang_sample.csv
OUT    ?= out/demo

.PHONY: demo test lint bench sample clean-venv install install-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## make demo: set up, then check and clean the shipped sample roll (synthetic), showing both summaries
demo: $(VENV)/.installed
	@echo "== dpt validate $(SAMPLE)"
	@$(BIN)/dpt validate $(SAMPLE) --out $(OUT)/validate || echo "(exit code $$?: the sample has planted errors, as intended)"
	@echo
	@echo "== dpt clean $(SAMPLE)"
	@$(BIN)/dpt clean $(SAMPLE) --out $(OUT)/clean --format csv
	@echo
	@echo "== dpt validate $(OUT)/clean/clean.csv (no row-level errors expected; group findings may remain)"
	@$(BIN)/dpt validate $(OUT)/clean/clean.csv --quiet || echo "(exit code $$?: only group-level findings such as tps_over_capacity remain)"
	@echo
	@echo "Outputs: $(OUT)/validate (findings, summary) and $(OUT)/clean (clean, rejected, findings, duplicate_groups, manifest)"

## make test: set up with test extras, lint with ruff, run pytest in PYTEST_WORKERS processes (pytest-xdist;
## PYTEST_WORKERS=0 runs it in one process)
PYTEST_WORKERS ?= 2
test: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench

## make bench: benchmarks at 1,000,000 rows (minutes; results in bench/RESULTS.md)
bench: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python -m pip install --quiet --no-deps "datacompy>=0.13"
	$(BIN)/python bench/bench_validate.py --rows 1000000
	$(BIN)/python bench/bench_dedupe.py --rows 1000000
	$(BIN)/python bench/bench_diff.py --rows 1000000

## make sample: regenerate the shipped sample roll (deterministic)
sample: $(VENV)/.installed
	$(BIN)/python sample_data/make_sample.py

clean-venv:
	rm -rf $(VENV)
