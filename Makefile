# The README's two commands: `make demo` and `make test`. Both set up everything first:
# Debian packages (when missing and running as root), then .venv with `pip install -e .[all,dev]`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
OUT    ?= reports
APT_PACKAGES := libcairo2-dev libpango1.0-dev pkg-config fonts-noto-cjk chromium ffmpeg

.PHONY: demo test setup system-deps bench clean

system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "missing system packages:$$missing — run: sudo apt-get install -y$$missing" >&2; exit 1; fi; \
	fi

$(STAMP): pyproject.toml
	$(MAKE) system-deps
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[all,dev]'
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

setup: system-deps $(STAMP)

# the suite on twice the cores (pytest-xdist: most tests wait on renders, browsers and kernels); the slowest tests are listed at the end
test: setup
	$(PY) -m pytest -n $$(( $$(nproc) * 2 )) --dist loadgroup --durations=15

demo: setup
	$(VENV)/bin/lstm-explainer trace --step 5
	$(VENV)/bin/lstm-explainer render lesson --quality medium --lang en --out $(OUT)/videos
	@echo; echo "English lesson (720p30, voiced, subtitle track): $(OUT)/videos/en/medium/lesson.mp4 (+ .srt/.vtt) — open it now; the Chinese one follows"; echo
	$(VENV)/bin/lstm-explainer render lesson --quality medium --lang zh --out $(OUT)/videos
	@echo; echo "Chinese lesson (720p30, voiced, subtitle track): $(OUT)/videos/zh/medium/lesson.mp4 (+ .srt/.vtt)"; echo
	$(VENV)/bin/lstm-explainer bitcoin --out $(OUT)/bitcoin
	@echo; echo "Bitcoin report: $(OUT)/bitcoin/report.md"; echo "Lesson videos:  $(OUT)/videos/{en,zh}/medium/lesson.mp4"

bench: setup
	$(PY) benchmarks/bench_training.py

clean:
	rm -rf $(VENV) $(OUT) media .pytest_cache
