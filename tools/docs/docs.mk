# ---- documentation -----------------------------------------------------------
# docs/reference/c-api.md is Doxygen's reading of the C API headers, laid out
# by tools/docs/c_api_markdown.py: `make docs` writes it, the docs suite of
# `make check` regenerates it into build/docs and fails when the page differs.
# docs/performance.md is written by `make bench` (tools/docs/performance_page.py)
# from build/bench/*.json.
DOCS_OUT := $(BUILD_ROOT)/docs
C_API_HEADERS := platform/include/host/pto_runtime_c_api.h platform/include/common/pto_status.h
DOXYGEN ?= doxygen

$(DOCS_OUT)/.docs-deps-ok: tools/install_deps.sh
	$(Q)sh tools/install_deps.sh docs
	@mkdir -p $(@D) && touch $@

$(DOCS_OUT)/c-api.md: $(C_API_HEADERS) tools/docs/Doxyfile tools/docs/c_api_markdown.py | $(DOCS_OUT)/.docs-deps-ok
	$(call say,DOXYGEN,$(C_API_HEADERS))
	$(Q)rm -rf $(DOCS_OUT)/xml && mkdir -p $(DOCS_OUT)
	$(Q)(cat tools/docs/Doxyfile; echo "OUTPUT_DIRECTORY = $(DOCS_OUT)") | $(DOXYGEN) -
	$(Q)python3 tools/docs/c_api_markdown.py $(DOCS_OUT)/xml $@ "$$($(DOXYGEN) --version)"

.PHONY: docs docs-performance
docs: $(DOCS_OUT)/c-api.md
	$(Q)cp $< docs/reference/c-api.md
	@echo "docs: wrote docs/reference/c-api.md"

docs-performance:
	$(Q)python3 tools/docs/performance_page.py $(BUILD_ROOT)/bench docs/performance.md
