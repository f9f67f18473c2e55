# Two commands for a fresh machine with Python 3.11 and make:
#   make demo   generate a realistic month, run it end to end, say where the results are
#   make test   the whole suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
MONTH ?= 2023-06
PEOPLE ?= 20000
SIZE ?= 20000
DEMO_DIR := data/demo
WAREHOUSE := data/warehouse/linfen.duckdb
OUTPUT := data/output

export DAGSTER_HOME := $(CURDIR)/dagster_home
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export GX_ANALYTICS_ENABLED := false
export LINFEN_LANDING := $(CURDIR)/$(DEMO_DIR)/landing
export LINFEN_WAREHOUSE := $(CURDIR)/$(WAREHOUSE)
export LINFEN_OUTPUT := $(CURDIR)/$(OUTPUT)

.PHONY: install demo test bench soak evaluate dev train lint docs docs-serve

$(INSTALLED): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(INSTALLED)

install: $(INSTALLED)

demo: $(INSTALLED)
	$(BIN)/python -m synthetic --people $(PEOPLE) --month $(MONTH) --out $(DEMO_DIR)
	$(BIN)/python -m orchestration.run --landing $(DEMO_DIR)/landing --month $(MONTH) \
		--warehouse $(WAREHOUSE) --out $(OUTPUT)

test: $(INSTALLED)
	$(BIN)/python -m pytest

bench: $(INSTALLED)
	$(BIN)/python -m bench.pipeline --people $(SIZE) --months $(or $(MONTHS),1) $(if $(BASELINE),--baseline) $(if $(ENGINES),--engines $(ENGINES))

# a year of months into one warehouse, with a year's delivery faults and county returns
soak: $(INSTALLED)
	$(BIN)/python -m bench.soak --people $(SIZE) --months $(or $(MONTHS),12)

NOISE ?= 1
SEEDS ?= 7,11
PROFILES ?= default,stress
evaluate: $(INSTALLED)
	$(BIN)/python -m bench.linkage_eval --people $(SIZE) --noise $(NOISE) --seeds $(SEEDS) --profiles $(PROFILES)

# the Dagster UI on the demo's folders; the sensor and schedule start off (LINFEN_AUTOMATION=on
# switches them on, as a deployment does)
DEV_PORT ?= 3000
dev: $(INSTALLED)
	@echo "Dagster UI: http://127.0.0.1:$(DEV_PORT)  (sensor and schedule: $(if $(filter on,$(LINFEN_AUTOMATION)),ON,off; LINFEN_AUTOMATION=on make dev switches them on)); Ctrl-C stops it"
	exec $(BIN)/dagster dev -h 127.0.0.1 -p $(DEV_PORT)

train: $(INSTALLED)
	$(BIN)/python -m linkage.train --warehouse $(WAREHOUSE)

# ruff on the Python, sqlfluff on the dbt models (.sqlfluff: dialect duckdb, dbt templater; it
# compiles the models with dbt, so it needs a warehouse path, not a warehouse)
lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/sqlfluff lint dbt_project/models --processes 2

# the dbt docs site of the models and seeds (descriptions, columns, lineage) in dbt_project/target/;
# make docs-serve serves it at http://127.0.0.1:$(DOCS_PORT)
DOCS_PORT ?= 8080
docs: $(INSTALLED)
	cd dbt_project && DBT_PROFILES_DIR=. ../$(BIN)/dbt docs generate

docs-serve: docs
	cd dbt_project && DBT_PROFILES_DIR=. ../$(BIN)/dbt docs serve --host 127.0.0.1 --port $(DOCS_PORT) --no-browser
