# Two commands do all the set-up on a fresh machine:  make demo  and  make test
PYTHON ?= python3.11
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: install install-video demo test test-all lint

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $@

install: $(BIN)/.installed

# Video extraction (sign2text extract): the [video] extra, then mediapipe 0.10.21 without its
# numpy<2 declaration (it runs with numpy 2; its later releases dropped the offline Holistic).
install-video: install
	$(BIN)/python -m pip install -q -e '.[video]'
	$(BIN)/python -m pip install -q --no-deps mediapipe==0.10.21

demo: install
	$(BIN)/sign2text demo

test: install
	$(BIN)/python -m pytest -q

test-all: install
	$(BIN)/python -m pytest -q -m ''

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
