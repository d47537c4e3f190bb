# What the tensormap_and_ringbuffer suites share (sourced): counting, and
# runs that must pass their golden or fail naming an error. Needs make_cmd
# and pto_run set; expect_error needs hazards and artifacts too.
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok: $1"; }
bad() { failed=$((failed + 1)); echo "FAILED: $1"; }

# NAME "SETTING=value ..." PTO_RUN_ARGS...: the run passes its golden
# ("" for no settings; values hold no spaces).
expect_pass() {
    name=$1; settings=$2; shift 2
    # shellcheck disable=SC2086 # the settings are separate words
    if out=$(env $settings "$pto_run" "$@" --quiet 2>&1); then
        ok "$name"
    else
        printf '%s\n' "$out" | grep -v 'passed, '
        bad "$name"
    fi
}

# CASE EXPECTED ENV...: the hazards case fails, naming EXPECTED.
expect_error() {
    c=$1; expected=$2; shift 2
    out=$(env "$@" "$pto_run" "$hazards" --artifacts "$artifacts" --case "$c" --quiet 2>&1)
    status=$?
    if [ $status -ne 0 ] && printf '%s' "$out" | grep -q "the orchestration stopped the run: $expected"; then
        ok "$c reported as $expected"
    else
        printf '%s\n' "$out" | grep -v passed
        bad "$c: expected a failure naming $expected (exit $status)"
    fi
}

# EXAMPLE [SANITIZE]: the artifacts manifest of the example, built.
artifacts_of() {
    $make_cmd --no-print-directory -s example EXAMPLE="$1" SANITIZE="${2:-}" PRINT_ARTIFACTS=1 |
        sed -n 's/^PTO_ARTIFACTS=//p'
}
