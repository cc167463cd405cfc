.PHONY: run test lint setup bench

run:   ## set up everything and run web + SMTP + relay + worker (Ctrl-C stops all)
	scripts/run.sh

test:  ## set up everything and run the whole test suite
	scripts/test.sh

setup:
	scripts/setup.sh

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
