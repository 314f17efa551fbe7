.PHONY: run test test-fast lint contract examples bench help

help:
	@echo "make run   - the whole service (API :8000, worker, beat) on private PostGIS + Redis"
	@echo "make test  - the whole suite on real PostGIS and Redis"
	@echo "make test-fast - the tests that need no service, in seconds"
	@echo "make lint  - ruff and mypy"

run:
	@scripts/run.sh

test:
	@scripts/test.sh

test-fast:
	@scripts/test-fast.sh

lint:
	.venv/bin/ruff check service workers tests
	.venv/bin/mypy service workers
	.venv/bin/lint-imports --no-cache

# Rewrite mobile_contract/openapi.json from the live app (then describe the change in CHANGELOG.md).
contract:
	.venv/bin/python -m mobile_contract.export

# Record mobile_contract/examples/ again from real calls (needs the test database services).
examples:
	PHANANH_RECORD_EXAMPLES=1 .venv/bin/pytest tests/mobile_contract/test_mobile_examples.py -q

# The benchmarks, one after the other (bench/README.md): about 30 minutes, all on 127.0.0.1.
bench:
	.venv/bin/python -m bench.intake
	.venv/bin/python -m bench.photos
	.venv/bin/python -m bench.routing
	.venv/bin/python -m bench.queue
	.venv/bin/python -m bench.queue_search
	.venv/bin/python -m bench.ioc
	.venv/bin/python -m bench.history
