# newskg: `make help` lists the targets. Every target sets up its own virtual environment.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
KG     := $(BIN)/kg
SOURCES ?= ../shared/sources

.DEFAULT_GOAL := help
.PHONY: help install build demo test lint typecheck check verify golden docs bench bench-quick clean
.PHONY: eval-draft

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[1m%-12s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed ## Create .venv and install kg with its development tools

build: $(VENV)/.installed ## Build and validate the graph into build/ (checking quotes if $(SOURCES) exists)
	$(KG) build $(if $(wildcard $(SOURCES)),--sources $(SOURCES))

demo: build ## Build the graph, then run a stored query on the embedded engine
	$(KG) query run spellings -p contains=kata -f table
	@echo "Explore it in a browser: $(KG) serve   (then open http://127.0.0.1:8000/)"

test: $(VENV)/.installed ## Run the test suite
	$(BIN)/pytest -q

lint: $(VENV)/.installed ## ruff (lint and format check)
	$(BIN)/ruff check kg tests bench
	$(BIN)/ruff format --check kg tests bench

typecheck: $(VENV)/.installed ## mypy, strict
	$(BIN)/mypy

verify: $(VENV)/.installed ## Check every evidence quote against the source texts in $(SOURCES)
	$(KG) verify --sources $(SOURCES)

golden: $(VENV)/.installed ## Rewrite tests/golden/ from the real graph (review the diff!)
	$(BIN)/python -m tests.test_real_data

docs: $(VENV)/.installed ## Rewrite what is generated from kg/schema.py and the ontology (tests check it is current)
	$(BIN)/python -m kg.docs
	$(KG) export --ontology-docs -o docs/ontology.md
	$(BIN)/python -m tests.error_catalogue

bench: $(VENV)/.installed ## Benchmark at N = 100, 1,000 and 10,000 articles (long)
	$(BIN)/python -m bench.run 100 1000 10000

eval-draft: $(VENV)/.installed ## Leave-one-out evaluation of kg draft on the curated articles (needs $(SOURCES))
	$(BIN)/python -m bench.eval_draft --sources $(SOURCES)

bench-quick: $(VENV)/.installed ## Benchmark at N = 100 articles
	$(BIN)/python -m bench.run 100 --json bench/results-quick.json

check: lint typecheck test ## Everything CI checks except verify

clean: ## Remove build output and the virtual environment
	rm -rf build $(VENV) *.egg-info .pytest_cache .ruff_cache .mypy_cache
