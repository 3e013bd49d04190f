#!/usr/bin/env bash
# bench-vs-r.sh: time GNU R's wilcox.test(x, y, conf.int = TRUE) against
# `canaryjudge stats mw` on the same lognormal latency-like samples at
# n = m = 1k, 10k and 100k, and print the ratio (R time / canaryjudge time).
#
#   scripts/bench-vs-r.sh            # SIZES="1000 10000" scripts/bench-vs-r.sh
#
# R's time is wilcox.test alone, measured inside R (median of a few runs;
# data generation and start-up excluded). canaryjudge's time is the whole
# process: start-up, JSON decoding of the request, the test with estimate and
# interval, and the answer (best of five runs). Needs Rscript
# (apt-get install r-base-core) and Go.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v Rscript >/dev/null || { echo "bench-vs-r: needs Rscript (apt-get install r-base-core)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/canaryjudge" ./cmd/canaryjudge

cat > "$work/r.R" <<'EOF'
args <- commandArgs(TRUE)
n <- as.integer(args[1])
set.seed(n)
x <- rlnorm(n, log(120), 0.5)
y <- rlnorm(n, log(115), 0.5)
num <- function(v) paste(sprintf("%.17g", v), collapse = ",")
writeLines(sprintf('{"x":[%s],"y":[%s]}', num(x), num(y)), args[2])
reps <- if (n <= 1000) 10 else if (n <= 10000) 3 else 1
t <- numeric(reps)
for (i in seq_len(reps)) t[i] <- system.time(r <- wilcox.test(x, y, conf.int = TRUE))[["elapsed"]]
cat(median(t), sprintf("%.7g", r$estimate), sprintf("%.7g", r$conf.int), "\n")
EOF

printf '%7s %10s %14s %8s   %s\n' "n=m" "R (s)" "canaryjudge (s)" "ratio" "estimate [interval]: R | canaryjudge"
for n in ${SIZES:-1000 10000 100000}; do
	read -r rsec rest < <(Rscript --vanilla "$work/r.R" "$n" "$work/req.json")
	best=
	for _ in 1 2 3 4 5; do
		start=$(date +%s%N)
		"$work/canaryjudge" stats mw < "$work/req.json" > "$work/ours.json"
		t=$(( $(date +%s%N) - start ))
		if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
	done
	ours=$(sed -E 's/.*"estimate":([^,]*),"conf_int":\[([^,]*),([^]]*)\].*/\1 \2 \3/' "$work/ours.json")
	awk -v n="$n" -v r="$rsec" -v ns="$best" -v re="$rest" -v oe="$ours" 'BEGIN {
		o = ns / 1e9
		split(re, a, " "); split(oe, b, " ")
		printf "%7d %10.3f %14.4f %7.0fx   %.7g [%.7g, %.7g] | %.7g [%.7g, %.7g]\n", n, r, o, r / o, a[1], a[2], a[3], b[1], b[2], b[3]
	}'
done
