#!/usr/bin/env Rscript
# Reference values for judge/stats.TQuantile and the t survival function
# behind Contrast.PValue, from GNU R.
#
#   cd judge/stats/testdata && Rscript qt.R
#
# writes qt.csv (p, df, qt, ref) and pt.csv (t, df, upper), about 3 s. Numbers carry 17
# significant digits, so every double round-trips; df "Inf" is the normal
# limit (R's qt(p, Inf) is qnorm(p)).
#
# qt.csv: qt is R's qt(p, df); ref is the reference the Go test uses, qt
# itself except in two places where R's qt is known to be inexact:
# - near p = 1/2 R refines its quantile with pt(q) - P/2, a difference of
#   two numbers close to 1/2, good to about 1e-16 / |p - 1/2| relative
#   (1e-8 at p = 1/2 + 1e-10). For |p - 1/2| < 0.01 ref is polished by
#   Newton steps on the central probability P(0 < T < q) = |p - 1/2|,
#   computed as integrate(dt, 0, q), which has full relative accuracy; at
#   p = 1/2 it is 0 (qt gives 3e-16 below df = 1).
# - below df = 1 (see polish) ref for p > 1/2 is -qt(1 - p).
#
# pt.csv: upper is pt(t, df, lower.tail = FALSE) = P(T > t) for t >= 0.
set.seed(20261226)

g17 <- function(v) ifelse(is.infinite(v), ifelse(v > 0, "Inf", "-Inf"), sprintf("%.17g", v))

# Degrees of freedom: below 1 (not the judge's, which are at least 1, but
# TQuantile accepts them), small and integer (closed forms and terminating
# fractions), just above 1, non-integer, large (R's pt switches to a normal
# approximation above 4e5), random log-uniform on [1, 1e6], and Inf.
dfs <- c(0.2, 0.5, 0.9, 1, 1 + 1e-9, 1.0001, 1.01, 1.1, 1.5, 1.999, 2, 2.001, 2.5, 3, 3.7, 4, 4.5, 5, 6,
         7.3, 8, 9.99, 10, 12.5, 15, 19.7, 20, 25.5, 30, 40, 50, 60.2, 75, 99.5, 100,
         150, 200, 333.3, 500, 1000, 2000.5, 5000, 1e4, 3e4, 1e5, 2.5e5, 3.999e5,
         4.001e5, 5e5, 7.5e5, 999999.5, 1e6)
dfs <- c(dfs, signif(exp(runif(25, 0, log(1e6))), 7), Inf)

# Lower-tail probabilities: the tails from 1e-12, the levels the judge
# uses, the centre down to 1e-10 from 1/2, a few random; then 1 - p for each.
ps <- c(1e-12, 3e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7, 1e-6, 1e-5, 3e-5, 1e-4, 3e-4,
        1e-3, 5e-3, 0.01, 0.025, 0.05, 0.1, 0.2, 0.25, 0.3, 0.4, 0.45, 0.49, 0.499,
        0.49999, 0.5 - 1e-7, 0.5 - 1e-10)
ps <- c(ps, signif(10^runif(4, -12, -0.31), 7))
ps <- sort(c(ps, 1 - ps, 0.5))

central <- function(q, n) integrate(function(u) dt(u, n), 0, q, rel.tol = 1e-15)$value

polish <- function(p, n, q) {
  # Below df = 1 R's qt searches on the lower tail probability, whose upper
  # end has absolute accuracy only (3e-5 relative at 1 - p = 1e-12, df 0.9);
  # 1 - p is exact for p > 1/2, so take the mirror image there.
  if (n < 1 && p > 0.5) return(-polish(1 - p, n, qt(1 - p, n)))
  c <- abs(p - 0.5)
  if (c == 0) return(0) # qt(0.5, df) is not always 0 below df = 1
  if (c >= 0.01) return(q)
  if (is.infinite(n)) return(q) # qnorm keeps relative accuracy at the centre
  a <- abs(q)
  for (i in 1:3) a <- a - (central(a, n) - c) / dt(a, n)
  sign(p - 0.5) * a
}

rows <- character(0)
for (n in dfs) for (p in ps) {
  q <- qt(p, n)
  rows <- c(rows, paste(g17(p), g17(n), g17(q), g17(polish(p, n, q)), sep = ","))
}
writeLines(c("p,df,qt,ref", rows), "qt.csv")

# t values for the survival function: 0, the centre, the judge's range,
# far tails (t = 1e6 with df 1 is P = 3e-7; with df 1e6 it underflows to 0,
# which R and Go both return).
ts <- c(0, 1e-10, 1e-5, 0.01, 0.1, 0.5, 1, 1.5, 1.96, 2, 2.5, 3, 3.3, 3.4, 3.5, 4, 5,
        6, 7, 8, 10, 15, 20, 30, 50, 100, 1e3, 1e4, 1e6)
ts <- sort(c(ts, signif(runif(8, 0, 10), 7)))
rows <- character(0)
for (n in dfs[is.finite(dfs)]) for (t in ts) {
  rows <- c(rows, paste(g17(t), g17(n), g17(pt(t, n, lower.tail = FALSE)), sep = ","))
}
writeLines(c("t,df,upper", rows), "pt.csv")
