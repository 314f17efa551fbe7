.PHONY: run test lint contract bench help

help:
	@echo "make run   - the whole service (API :8000, worker, beat) on private PostGIS + Redis"
	@echo "make test  - the whole suite on real PostGIS and Redis"
	@echo "make lint  - ruff and mypy"

run:
	@scripts/run.sh

test:
	@scripts/test.sh

lint:
	.venv/bin/ruff check service workers tests
	.venv/bin/mypy service workers

# Rewrite mobile_contract/openapi.json from the live app (then describe the change in CHANGELOG.md).
contract:
	.venv/bin/python -m mobile_contract.export
