.PHONY: run test lint contract examples bench help

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

# Record mobile_contract/examples/ again from real calls (needs the test database services).
examples:
	PHANANH_RECORD_EXAMPLES=1 .venv/bin/pytest tests/test_mobile_examples.py -q

# The benchmarks, one after the other (bench/README.md): about 20 minutes, all on 127.0.0.1.
bench:
	.venv/bin/python -m bench.intake
	.venv/bin/python -m bench.photos
	.venv/bin/python -m bench.routing
	.venv/bin/python -m bench.queue
	.venv/bin/python -m bench.ioc
