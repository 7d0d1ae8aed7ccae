#!/usr/bin/env bash
# Builds the benchmarks and runs the suite at 1 and 2 threads with -prof gc, then writes
# benchmarks/results/latest.md (score ± error, B/op, herdguard's ratio to each peer, the targets)
# with the JDK, CPU, date and load it ran on. About 12 minutes on a 2-core machine.
#
#   benchmarks/run.sh                    # everything
#   benchmarks/run.sh GuardedCall        # only benchmarks matching a JMH regex
#   SKIP_BUILD=1 benchmarks/run.sh       # reuse benchmarks/target/benchmarks.jar
#   MVN_ARGS=-o benchmarks/run.sh        # extra Maven arguments (offline, ...)
#   JMH_ARGS="-f 2" benchmarks/run.sh    # extra JMH arguments for every run
#
# Measure on a quiet machine: the load average is recorded before each run; above the number of
# cores, the figures (the 2-thread ones first) are not worth publishing.
#
# To add a suite (the fleet simulator, say): write a function like run_jmh that leaves its own
# Markdown in $RESULTS/section-<name>.md, call it below, and it is appended to latest.md.
# JMH's JSON stays beside latest.md (jmh-t1.json, jmh-t2.json; not committed).
set -euo pipefail
shopt -s nullglob
cd "$(dirname "$0")/.."

INCLUDE="${1:-.*}"
RESULTS=benchmarks/results
JAR=benchmarks/target/benchmarks.jar
THREADS=(1 2)

mkdir -p "$RESULTS"
rm -f "$RESULTS"/jmh-t*.json "$RESULTS"/section-*.md

if [[ -z "${SKIP_BUILD:-}" ]]; then
  echo "== building $JAR"
  # shellcheck disable=SC2086
  mvn -B -q -DskipTests ${MVN_ARGS:-} package -pl benchmarks -am
fi

load() { cut -d' ' -f1-3 /proc/loadavg; }

LOADS=()
run_jmh() {
  local threads=$1
  echo "== JMH '$INCLUDE' at $threads thread(s); load average $(load)"
  LOADS+=("$threads thread(s): $(load) before, ")
  # shellcheck disable=SC2086
  java -jar "$JAR" "$INCLUDE" -e FleetBenchmark -t "$threads" -prof gc -rf json -rff "$RESULTS/jmh-t$threads.json" ${JMH_ARGS:-}
  LOADS[-1]+="$(load) after"
}

started=$(date +%s)
if [[ "$INCLUDE" == "FleetBenchmark" ]]; then
  THREADS=()   # only the fleet section below
fi
for t in "${THREADS[@]}"; do
  run_jmh "$t"
done
# More suites go here, each writing $RESULTS/section-<name>.md.
# The fleet simulator: whole single-threaded runs, one thread only (a second would only share the cores).
if [[ "FleetBenchmark" =~ $INCLUDE || "$INCLUDE" == ".*" ]]; then
  echo "== JMH FleetBenchmark at 1 thread; load average $(load)"
  # shellcheck disable=SC2086
  java -jar "$JAR" FleetBenchmark -t 1 -prof gc -rf json -rff "$RESULTS/jmh-fleet.json" ${JMH_ARGS:-}
  java -cp "$JAR" dev.herdguard.benchmarks.FleetSection "$RESULTS/jmh-fleet.json" "$RESULTS/section-fleet.md"
fi
elapsed=$(( $(date +%s) - started ))

jdk=$(java -version 2>&1 | tr '\n' ' ' | sed 's/ *$//')
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
cores=$(nproc)
loads=$(IFS=';'; echo "${LOADS[*]}" | sed 's/;/; /g')

java -cp "$JAR" dev.herdguard.benchmarks.ResultsTable --out "$RESULTS/latest.md" \
  --env "Date=$(date -u '+%Y-%m-%d %H:%M UTC')" \
  --env "JDK=$jdk" \
  --env "CPU=$cpu, $cores cores ($(uname -sr))" \
  --env "Load average (1, 5, 15 min)=$loads" \
  --env "Command=\`benchmarks/run.sh${1:+ $1}\`${JMH_ARGS:+ with JMH_ARGS=\"$JMH_ARGS\"}: JMH 1.37, -prof gc; per benchmark and thread count 2 forks × (3 warmup + 5 measured iterations of 1 s; 2 s for OkHttpBenchmark; 1 fork for OkHttpOverheadBenchmark; FleetBenchmark 1 fork × (3 warmup + 3 single-shot runs) at 1 thread); ${elapsed} s of JMH in all" \
  "$RESULTS"/jmh-t*.json

for extra in "$RESULTS"/section-*.md; do
  [[ -e "$extra" ]] && { echo; cat "$extra"; } >> "$RESULTS/latest.md"
done

echo "== wrote $RESULTS/latest.md"
cat "$RESULTS/latest.md"
