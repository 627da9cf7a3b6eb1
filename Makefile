# picojoule: `make report` (the main job) and `make test` do everything on a fresh clone;
# each runs the set-up first. Generated files go under build/.
VENV      := .venv
BIN       := $(VENV)/bin
PICOJOULE := $(BIN)/picojoule

.PHONY: setup lint test report verilog sim bench accuracy prove clean

setup:
	@bash tools/setup.sh

test: setup lint
	$(BIN)/python -m pytest

lint: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

report: setup
	$(PICOJOULE) report

verilog: setup
	$(PICOJOULE) verilog --out build/verilog

sim: setup
	$(PICOJOULE) sim

bench: setup
	$(PICOJOULE) bench

accuracy: setup
	$(PICOJOULE) accuracy

# every suite netlist against its golden model (exhaustive up to 32 operand bits) and its RTL
prove: setup
	$(PICOJOULE) prove --suite

clean:
	rm -rf build sim_build .pytest_cache
