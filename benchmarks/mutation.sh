#!/usr/bin/env bash
# Mutation testing of the CLI, the API and the engine: how many small deliberate bugs
# (mutants) the fast tests fail to notice. A benchmark, not a test: it prints figures.
#
#   benchmarks/mutation.sh            # the working tree as it is
#   benchmarks/mutation.sh REV        # a git revision (e.g. main, HEAD~3), for a before/after
#
# Environment: PYTHON (default .venv/bin/python, which needs mutmut: pip install 'spc-cli[bench]'),
# JOBS (parallel mutants, default 1: the machine is shared), SPC_MUT_KEEP=1 keeps the scratch copy,
# SAMPLE=N tests one mutant in N (those whose name's MD5 is 0 modulo N: the same mutants in every
# run where a function is unchanged), for a figure in reasonable time: all 1844 mutants of the
# CLI, API and engine take hours on 2 shared cores; SAMPLE=10 (about 200) well under one.
#
# mutmut 3 mutates a scratch copy of the source (never the working tree), runs for each mutant
# only the tests that execute the mutated function, and counts a mutant killed when one of
# them fails. It prints the surviving mutants (with their diffs) and the survival rate.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
REV=${1:-}
PYTHON=${PYTHON:-$ROOT/.venv/bin/python}
JOBS=${JOBS:-1}
PYTHON=$(cd "$(dirname "$PYTHON")" && pwd)/$(basename "$PYTHON")
"$PYTHON" -c "import mutmut" 2>/dev/null || { echo "mutmut is missing: $PYTHON -m pip install 'mutmut>=3.8,<4'"; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/spc-mutation.XXXXXX")
if [ "${SPC_MUT_KEEP:-0}" != "1" ]; then trap 'rm -rf "$WORK"' EXIT; fi
if [ -n "$REV" ]; then
  git -C "$ROOT" archive "$REV" | tar -x -C "$WORK"
else  # tracked and untracked-but-not-ignored files, as they are on disk
  (cd "$ROOT" && git ls-files -z --cached --others --exclude-standard) | (cd "$ROOT" && xargs -0 cp --parents -t "$WORK")
fi
cd "$WORK"

# The modules under test, and the fast tests that exercise them: the CLI and engine tests,
# the series and report tests (series planning lives in the engine), the notes that reach the
# sidecar and the engine's path and
# write-failure tests. Left out: the model backends' tests (each mutant
# would build the tiny models again), hostile-input, soak, kill and load runs (seconds each;
# they test the decoders and the OS as much as these modules). mutmut runs, for each mutant,
# only the selected tests that execute the mutated function, stopping at the first failure.
cat > setup.cfg <<'EOF'
[mutmut]
source_paths =
    src/
only_mutate =
    src/spc_cli/cli.py
    src/spc_cli/api.py
    src/spc_cli/engine/*
also_copy =
    examples/
    weights/
    benchmarks/
pytest_add_cli_args_test_selection =
    tests/core/
    tests/series/test_series.py
    tests/series/test_pool.py
    tests/series/test_report.py
    tests/series/test_share.py
    tests/io/test_io_notes.py
    tests/reliability/test_paths.py
    tests/reliability/test_write_failures.py
pytest_add_cli_args =
    -p
    no:cacheprovider
    -x
    -q
process_isolation = forkserver
EOF

echo "mutation run on ${REV:-the working tree} ($(git -C "$ROOT" rev-parse --short "${REV:-HEAD}")), $JOBS job(s), $(date -u +%H:%M) UTC"
SAMPLE=${SAMPLE:-1}
start=$(date +%s)
if [ "$SAMPLE" -gt 1 ]; then
  # generate the mutants and map tests to functions, running one mutant (cli.main has no tests)
  nice -n 10 "$PYTHON" -m mutmut run --max-children "$JOBS" "spc_cli.cli.x_main__mutmut_1" > mutmut.log 2>&1 \
    || { tail -40 mutmut.log; exit 1; }
  "$PYTHON" - "$SAMPLE" > sample.txt <<'EOF'
import glob, hashlib, json, sys
n = int(sys.argv[1])
for f in sorted(glob.glob("mutants/src/spc_cli/**/*.meta", recursive=True)):
    for name in json.load(open(f))["exit_code_by_key"]:
        if int(hashlib.md5(name.encode()).hexdigest(), 16) % n == 0:
            print(name)
EOF
  echo "sample: one mutant in $SAMPLE, $(wc -l < sample.txt) mutants"
  xargs -a sample.txt nice -n 10 "$PYTHON" -m mutmut run --max-children "$JOBS" >> mutmut.log 2>&1 \
    || { tail -40 mutmut.log; exit 1; }
else
  nice -n 10 "$PYTHON" -m mutmut run --max-children "$JOBS" > mutmut.log 2>&1 || { tail -40 mutmut.log; exit 1; }
fi
end=$(date +%s)

"$PYTHON" -m mutmut results --all true > results.txt 2>/dev/null || true
"$PYTHON" - "$((end - start))" <<'EOF'
import re, subprocess, sys
from collections import Counter
import os
lines = [l.strip() for l in open("results.txt") if ":" in l]
if os.path.exists("sample.txt"):
    chosen = set(open("sample.txt").read().split())
    lines = [l for l in lines if l.rpartition(":")[0].strip() in chosen]
status = Counter()
survivors = []
for l in lines:
    name, _, st = l.rpartition(":")
    st = st.strip()
    status[st] += 1
    if st == "survived":
        survivors.append(name.strip())
judged = status["killed"] + status["survived"] + status["timeout"] + status["suspicious"]
print(f"mutants: {sum(status.values())}  " + "  ".join(f"{k} {v}" for k, v in sorted(status.items())))
if judged:
    print(f"survival rate: {status['survived']} / {judged} = {100 * status['survived'] / judged:.1f} % "
          f"(killed, timeout and suspicious count as caught; 'no tests' mutants are listed apart)")
print(f"wall time: {int(sys.argv[1]) // 60} min {int(sys.argv[1]) % 60} s")
for name in [n for n, in [(l.rpartition(':')[0].strip(),) for l in lines if l.endswith('no tests')]]:
    print(f"no tests: {name}")
for name in survivors:
    print(f"\n--- survived: {name}")
    diff = subprocess.run([sys.executable, "-m", "mutmut", "show", name], capture_output=True, text=True).stdout
    print("\n".join(l for l in diff.splitlines() if l.startswith(("+", "-")) and not l.startswith(("+++", "---"))))
EOF
