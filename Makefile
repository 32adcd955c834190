# Two entry points: `make run` (the service with its playground, on embedded defaults) and
# `make test`. Both create the virtualenv and install the project on first use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run chat test lint typecheck nlu unit cluster browser nginx evals graph clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/atendente nlu train
	$(BIN)/atendente serve

chat: $(STAMP)
	$(BIN)/atendente chat

test: lint typecheck browser nginx nlu unit cluster evals

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# The playground's browser test drives Debian's Chromium (browser downloads fail offline);
# as root it is installed here, otherwise that one test is skipped with its reason.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends chromium >/dev/null; } || \
		echo "chromium is not installed: the browser test will be skipped"

# The deployment recipe's test (tests/reliability/test_topology.py) runs deploy/nginx.conf
# in Debian's nginx; as root it is installed here, otherwise that test is skipped.
nginx:
	@[ -x /usr/sbin/nginx ] || { [ "$$(id -u)" = 0 ] && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends nginx >/dev/null; } || \
		echo "nginx is not installed: the deployment topology test will be skipped"

# The understanding model, trained once from agent/nlu/data and cached; a no-op when cached.
nlu: $(STAMP)
	$(BIN)/atendente nlu train

unit: $(STAMP)
	$(BIN)/pytest

# The paths that must hold on Redis Cluster, again on a three-master cluster that the tests
# start on loopback (tests/conftest.py): the webhook-to-reply path, the worker and sender
# kill tests, sharded streams and the checkpoint conformance suite.
CLUSTER_TESTS := tests/server/test_end_to_end.py tests/server/test_worker_process.py \
	tests/reliability/test_worker_crash.py tests/reliability/test_sender_crash.py \
	tests/server/test_shards.py tests/integrations/redis/test_saver_conformance.py
cluster: $(STAMP)
	env -u REDIS_URL REDIS_CLUSTER=true $(BIN)/pytest -p no:cacheprovider $(CLUSTER_TESTS)

# The eval suite on the offline rules brain; fails when a threshold in
# evals/thresholds/rules.toml is missed.
evals: $(STAMP)
	$(BIN)/atendente eval run --brain rules --out .eval-report

graph: $(STAMP)
	$(BIN)/atendente graph --format png --out atendente-graph.png

clean:
	rm -rf $(VENV) .atendente .pytest_cache .mypy_cache .ruff_cache .hypothesis .eval-report
