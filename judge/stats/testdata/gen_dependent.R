#!/usr/bin/env Rscript
# Reference values for judge/stats' dependent-means and rate code, from GNU R.
#
#   cd judge/stats/testdata && Rscript gen_dependent.R > dependent_r.json
#
# Each figure is computed the way R users would, independently of the Go
# formulas: acf() for the lag-1 autocorrelation, the AR(1) variance factor as
# an explicit sum, Fieller's bounds by uniroot() on the defining quadratic
# inequality rather than its closed form, qt() for Welch intervals, and
# poisson.test() / binom.test() for count metrics. Numbers are written with
# 17 significant digits; non-finite values as "NaN", "Inf", "-Inf".
set.seed(20261201)

num <- function(v) {
  if (is.null(v) || length(v) == 0) return("null")
  if (is.na(v)) return('"NaN"')
  if (is.infinite(v)) return(if (v > 0) '"Inf"' else '"-Inf"')
  sprintf("%.17g", v)
}
vec <- function(v) paste0("[", paste(vapply(v, num, ""), collapse = ","), "]")
obj <- function(...) {
  kv <- list(...)
  paste0("{", paste(sprintf('"%s":%s', names(kv), unlist(kv)), collapse = ","), "}")
}

# Series: iid, AR(1) at several phi, a constant, a trend, short ones.
series <- list(
  iid_60 = rnorm(60, 10, 2),
  ar05_60 = as.numeric(arima.sim(list(ar = 0.5), 60)) + 100,
  ar08_60 = as.numeric(arima.sim(list(ar = 0.8), 60)) * 0.1 + 1,
  ar095_120 = as.numeric(arima.sim(list(ar = 0.95), 120)) + 50,
  neg_60 = as.numeric(arima.sim(list(ar = -0.6), 60)) + 5,
  short_4 = c(1.2, 1.4, 1.1, 1.9),
  trend_30 = seq(1, 30) + rnorm(30, 0, 0.5),
  lognormal_60 = exp(rnorm(60, log(0.25), 0.2))
)

source("lib_dependent.R")

out_series <- c()
for (nm in names(series)) {
  x <- series[[nm]]
  m <- moments(x)
  out_series <- c(out_series, sprintf('"%s":%s', nm, obj(x = vec(x), lag1 = num(m$r), rho = num(m$rho),
    inflation = num(m$f), mean = num(m$mean), sd = num(m$sd), neff = num(m$neff), se = num(m$se))))
}

# Welch contrasts and Fieller intervals between pairs of series.
pairs <- list(c("lognormal_60", "iid_60"), c("ar05_60", "ar05_60"), c("ar08_60", "lognormal_60"),
  c("iid_60", "ar095_120"), c("trend_30", "iid_60"), c("short_4", "ar08_60"))
out_pairs <- c()
for (pr in pairs) {
  a <- moments(series[[pr[1]]]); b <- moments(series[[pr[2]]])
  for (k in c(1, 1.2, 0.8)) {
    vc <- a$se^2; vb <- k^2 * b$se^2
    df <- welch_df(vc, vb, a$neff - 1, b$neff - 1)
    est <- a$mean - k * b$mean; se <- sqrt(vc + vb)
    for (alpha in c(0.05, 0.01)) {
      h <- qt(1 - alpha / 2, df) * se
      # Fieller by root finding on g(theta) = (mc - theta mb)^2 - t^2 (vc + theta^2 vb)
      est_ratio <- a$mean / b$mean
      tdf <- welch_df(a$se^2, est_ratio^2 * b$se^2, a$neff - 1, b$neff - 1)
      t <- qt(1 - alpha / 2, tdf)
      g <- function(th) (a$mean - th * b$mean)^2 - t^2 * (a$se^2 + th^2 * b$se^2)
      bounded <- b$mean^2 - t^2 * b$se^2 > 0
      lo <- NA; hi <- NA
      if (bounded) {
        w <- 1e6 * (abs(est_ratio) + 1)
        lo <- uniroot(g, c(-w, est_ratio), tol = 1e-13)$root
        hi <- uniroot(g, c(est_ratio, w), tol = 1e-13)$root
      }
      out_pairs <- c(out_pairs, obj(c = sprintf('"%s"', pr[1]), b = sprintf('"%s"', pr[2]), k = num(k),
        alpha = num(alpha), estimate = num(est), se = num(se), df = num(df), lo = num(est - h), hi = num(est + h),
        p_value = num(2 * pt(-abs(est / se), df)), fieller_bounded = if (bounded) "true" else "false",
        fieller_lo = num(lo), fieller_hi = num(hi)))
    }
  }
}

# Count metrics: poisson.test (two samples) and binom.test.
rate_cases <- list(
  c(12, 6, 30000, 30000), c(300, 150, 30000, 30000), c(5, 0, 300, 300), c(0, 3, 300, 310),
  c(0, 0, 100, 100), c(7, 2, 250, 400), c(1, 1, 10, 12), c(40, 38, 1000, 900), c(2851, 2849, 3000, 2995)
)
out_rates <- c()
for (rc in rate_cases) {
  xc <- rc[1]; xb <- rc[2]; tc <- rc[3]; tb <- rc[4]
  for (alpha in c(0.05, 0.1)) {
    lo <- 0; hi <- Inf; ratio <- NA; pg <- 1; pl <- 1
    if (xc + xb > 0) {
      pt2 <- poisson.test(c(xc, xb), c(tc, tb), conf.level = 1 - alpha)
      lo <- pt2$conf.int[1]; hi <- pt2$conf.int[2]; ratio <- pt2$estimate
      pg <- poisson.test(c(xc, xb), c(tc, tb), alternative = "greater")$p.value
      pl <- poisson.test(c(xc, xb), c(tc, tb), alternative = "less")$p.value
    }
    cpc <- binom.test(xc, tc, conf.level = 1 - alpha)$conf.int
    cpb <- binom.test(xb, tb, conf.level = 1 - alpha)$conf.int
    out_rates <- c(out_rates, obj(xc = num(xc), xb = num(xb), tc = num(tc), tb = num(tb), alpha = num(alpha),
      ratio = num(ratio), ratio_lo = num(lo), ratio_hi = num(hi), p_greater = num(pg), p_less = num(pl),
      cp_c = vec(cpc), cp_b = vec(cpb)))
  }
}

# Real-valued Clopper-Pearson (effective counts) straight from qbeta.
real_cp <- list(c(3.5, 120.25), c(0.4, 10), c(9.75, 9.75), c(100.5, 2000.5))
out_realcp <- c()
for (rc in real_cp) {
  x <- rc[1]; n <- rc[2]
  lo <- if (x > 0) qbeta(0.025, x, n - x + 1) else 0
  hi <- if (x < n) qbeta(0.975, x + 1, n - x) else 1
  out_realcp <- c(out_realcp, obj(x = num(x), n = num(n), lo = num(lo), hi = num(hi)))
}

# Dispersion of per-point counts: Pearson X^2/(k-1) against the binomial.
gen_counts <- function(k, tot, p, burst) {
  n <- rpois(k, tot)
  pr <- pmin(1, p * exp(rnorm(k, 0, burst)))
  list(e = rbinom(k, n, pr), n = n)
}
count_sets <- list(binomial = gen_counts(60, 500, 0.01, 0), bursty = gen_counts(60, 500, 0.01, 0.8),
  bursty_ar = (function() { n <- rpois(60, 500); b <- as.numeric(arima.sim(list(ar = 0.8), 60)) * 0.4
                            list(e = rbinom(60, n, 0.01 * exp(b)), n = n) })(),
  success = gen_counts(60, 50, 0.95, 0.05), low = gen_counts(60, 5, 0.02, 0))
out_counts <- c()
for (nm in names(count_sets)) {
  s <- count_sets[[nm]]
  keep <- s$n > 0
  e <- s$e[keep]; n <- s$n[keep]
  p <- sum(e) / sum(n); q <- max(1 - p, 0.5 / sum(n))
  disp <- 1; rho <- 0; f <- 1
  if (p > 0 && length(e) >= 2) {
    res <- (e - n * p) / sqrt(n * p * q)
    disp <- max(1, sum(res^2) / (length(e) - 1))
    r <- acf(res, lag.max = 1, plot = FALSE)$acf[2]
    rho <- max(0, min(0.95, (length(e) * r + 1) / (length(e) - 3)))
    f <- inflation(res)
  }
  out_counts <- c(out_counts, sprintf('"%s":%s', nm, obj(events = vec(s$e), total = vec(s$n),
    dispersion = num(disp), rho = num(rho), scale = num(disp * f * q))))
}

cat("{\n")
cat(sprintf('"r_version": "%s",\n', R.version.string))
cat('"series": {', paste(out_series, collapse = ",\n"), "},\n")
cat('"pairs": [', paste(out_pairs, collapse = ",\n"), "],\n")
cat('"rates": [', paste(out_rates, collapse = ",\n"), "],\n")
cat('"real_cp": [', paste(out_realcp, collapse = ",\n"), "],\n")
cat('"counts": {', paste(out_counts, collapse = ",\n"), "}\n")
cat("}\n")
