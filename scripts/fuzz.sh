#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ and runs each for FUZZ_SECONDS (docs/fuzzing.md).
#
#   scripts/fuzz.sh [target…]        e.g. scripts/fuzz.sh toml zip
#
# Environment:
#   FUZZ_SECONDS  seconds per target (default 60)
#   FUZZ_ARGS     extra libFuzzer flags, e.g. "-jobs=2" or "-only_ascii=1"
#   FUZZ_BUILD=0  skip the build (use the binaries already in .build-fuzz)
#   FUZZ_SCRATCH  the build, corpus and log folder instead of .build-fuzz
#
# Corpora live in .build-fuzz/corpus/<target> (seeded by scripts/fuzz-corpus.py, then grown by
# every run), logs in .build-fuzz/logs, crashing inputs in .build-fuzz/crashes/<target>.
# Exits non-zero if any target crashed (or did not build), after printing where the input is.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

ALL_TARGETS=(address message toml config recipients zip inflate pdf outbox office addressbook policyimport)
SECONDS_EACH="${FUZZ_SECONDS:-60}"
SCRATCH="${FUZZ_SCRATCH:-.build-fuzz}"
BIN="$SCRATCH/release"
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${ALL_TARGETS[@]}")
for t in "${targets[@]}"; do
    [[ " ${ALL_TARGETS[*]} " == *" $t "* ]] || { echo "fuzz: unknown target '$t' (one of: ${ALL_TARGETS[*]})" >&2; exit 2; }
done

# The inputs of the text parsers can be large (a message with attachments, a deeply nested
# TOML document); the binary ones stay small so that mutations stay fast.
max_len() {
    case "$1" in
        message|toml|config|outbox) echo 65536 ;;
        *) echo 16384 ;;
    esac
}

if [ "${FUZZ_BUILD:-1}" != 0 ]; then
    start=$(date +%s)
    swift build -c release --package-path Fuzz --scratch-path "$SCRATCH" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -enable-testing \
        || { echo "fuzz: the fuzz targets did not build" >&2; exit 1; }
    echo "fuzz: built in $(( $(date +%s) - start )) s"
fi
/usr/bin/python3 scripts/fuzz-corpus.py "$SCRATCH/corpus" >/dev/null

mkdir -p "$SCRATCH/logs"
failed=()
printf '%-11s %7s %12s %8s %7s %9s  %s\n' target seconds executions exec/s corpus KiB result
for t in "${targets[@]}"; do
    crashes="$SCRATCH/crashes/$t"
    corpus="$SCRATCH/corpus/$t"
    log="$SCRATCH/logs/$t.log"
    mkdir -p "$crashes"
    begin=$(date +%s)
    before=$(ls "$crashes")
    # Swift's own backtracer would wait on the crashed process and hang it: libFuzzer and ASan
    # report crashes. Leaks are not what we look for.
    SWIFT_BACKTRACE=enable=no ASAN_OPTIONS="detect_leaks=0:detect_stack_use_after_return=0:handle_abort=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}" \
    "$BIN/fuzz-$t" -max_total_time="$SECONDS_EACH" -max_len="$(max_len "$t")" -timeout=30 -rss_limit_mb=2560 \
        -print_final_stats=1 -artifact_prefix="$crashes/" ${FUZZ_ARGS:-} "$corpus" >"$log" 2>&1
    status=$?
    took=$(( $(date +%s) - begin ))
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    # -fork=N prints no final stats; its progress lines count every job's executions.
    [ -z "$runs" ] && runs=$(sed -n 's/^#\([0-9]*\):* .*/\1/p' "$log" | tail -1)
    rate=$(( took > 0 ? ${runs:-0} / took : 0 ))
    files=$(find "$corpus" -type f | wc -l)
    kib=$(du -sk "$corpus" | cut -f1)
    # New inputs in the crash folder count even when the run went on (-ignore_crashes=1).
    found=$(comm -13 <(echo "$before") <(ls "$crashes") | sed "s|^|$crashes/|")
    result=ok
    if [ $status -ne 0 ] || [ -n "$found" ]; then
        result="CRASH (exit $status, $(echo "$found" | grep -c .) new inputs)"
        failed+=("$t")
    fi
    printf '%-11s %7s %12s %8s %7s %9s  %s\n' "$t" "$took" "${runs:-?}" "$rate" "$files" "$kib" "$result"
    if [ "$result" != ok ]; then
        grep -m3 -E 'ERROR: |Fatal error|deadly signal|SUMMARY' "$log" | sed 's/^/    /'
        for input in $found; do
            echo "    crashing input: $input"
            echo "    reproduce:      SWIFT_BACKTRACE=enable=no $BIN/fuzz-$t $input"
        done
        echo "    log:            $log"
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: crashed: ${failed[*]} (see docs/fuzzing.md: reproduce, minimise, fix, add a unit test)" >&2
    exit 1
fi
